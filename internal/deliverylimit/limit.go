// Package deliverylimit keeps one slow or dead receiver from holding the
// workers every other delivery needs. It bounds the deliveries in flight
// to each destination and in all, and keeps a circuit breaker per
// destination. A delivery it refuses is not failed: the caller puts it
// back to run shortly (engine.Snooze) instead of waiting for a slot.
//
// A destination is where a delivery connects: scheme, host and port of a
// URL target, the domain of an email address (see Destination). The
// Limiter knows nothing of jobs or of what is delivered, so the outbox can
// put every outgoing message behind the same one.
package deliverylimit

import (
	"context"
	"errors"
	"fmt"
	randv2 "math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/firebreak-ir/firebreak/internal/notify"
)

// Defaults for Options' zero values.
const (
	DefaultWorkers          = 32
	DefaultPerDestination   = 4
	DefaultFailureThreshold = 5
	DefaultCoolDown         = 30 * time.Second
	DefaultRetry            = time.Second
	DefaultQueue            = 100 * time.Millisecond
)

// Options configure a Limiter. Zero values take the defaults.
type Options struct {
	// Workers is the size of the pool the deliveries run on (the engine's
	// workers); DefaultWorkers when zero. A quarter of it (at least one)
	// is kept for other work: deliveries in flight never take more than
	// the rest, and one destination never more than a quarter.
	Workers int
	// PerDestination bounds the deliveries in flight to one destination;
	// DefaultPerDestination when zero, at most a quarter of Workers.
	PerDestination int
	// FailureThreshold is how many deliveries to a destination must fail
	// in a row (time-outs, refused connections, 5xx, 429) to open its
	// breaker; DefaultFailureThreshold when zero.
	FailureThreshold int
	// CoolDown is how long an open breaker refuses every delivery before
	// it lets one trial through; DefaultCoolDown when zero.
	CoolDown time.Duration
	// Retry is how soon a delivery refused because its destination (or
	// the pool) is saturated is due again, ±50% jitter; DefaultRetry
	// when zero.
	Retry time.Duration
	// Queue is how long AcquireQueued waits for a slot of a destination
	// whose slots are all in use (and whose breaker is closed) before it
	// refuses; DefaultQueue when zero. A healthy receiver frees a slot
	// within milliseconds, so a burst to it is sent at once instead of
	// waiting Retry; a slow one holds each waiter no longer than this.
	Queue time.Duration
	Now   func() time.Time // time.Now when nil
	// Registry, when set, receives the breaker state and refusal series.
	Registry prometheus.Registerer
}

// State is a breaker's state.
type State int

const (
	Closed   State = iota // deliveries pass
	HalfOpen              // the cool-down passed: one trial passes
	Open                  // every delivery is refused until the cool-down ends
)

func (s State) String() string {
	switch s {
	case HalfOpen:
		return "half-open"
	case Open:
		return "open"
	}
	return "closed"
}

// Limiter bounds deliveries per destination and in all. Its methods are
// safe for concurrent use.
type Limiter struct {
	perDest, total, threshold int
	coolDown, retry, queue    time.Duration
	now                       func() time.Time

	mu       sync.Mutex
	inFlight int
	dests    map[string]*destination

	breaker *prometheus.GaugeVec   // nil without a registry
	refused *prometheus.CounterVec // nil without a registry
}

type destination struct {
	inFlight int
	state    State
	failures int       // in a row, while closed
	until    time.Time // when an open breaker turns half-open
	trial    bool      // a half-open trial is in flight
	// waiters queue for a slot (AcquireQueued), first come first served;
	// Done hands a freed slot to the first by a send on its channel.
	waiters []chan struct{}
}

// New returns a Limiter.
func New(o Options) *Limiter {
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	reserve := max(1, o.Workers/4)
	l := &Limiter{
		perDest: o.PerDestination, total: max(1, o.Workers-reserve), threshold: o.FailureThreshold,
		coolDown: o.CoolDown, retry: o.Retry, queue: o.Queue, now: o.Now, dests: map[string]*destination{},
	}
	if l.perDest <= 0 {
		l.perDest = DefaultPerDestination
	}
	l.perDest = min(l.perDest, reserve)
	if l.threshold <= 0 {
		l.threshold = DefaultFailureThreshold
	}
	if l.coolDown <= 0 {
		l.coolDown = DefaultCoolDown
	}
	if l.retry <= 0 {
		l.retry = DefaultRetry
	}
	if l.queue <= 0 {
		l.queue = DefaultQueue
	}
	if l.now == nil {
		l.now = time.Now
	}
	if o.Registry != nil {
		l.breaker = prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "firebreak_delivery_breaker_state",
			Help: "Circuit breaker per delivery destination: 0 closed, 1 half-open (one trial passes), 2 open (deliveries wait).",
		}, []string{"destination"})
		l.refused = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "firebreak_delivery_deferred_total",
			Help: "Deliveries put back to run later instead of waiting for a worker, by destination and reason (saturated, breaker_open, reserve).",
		}, []string{"destination", "reason"})
		o.Registry.MustRegister(l.breaker, l.refused)
	}
	return l
}

// Limits are the bounds in force, for logs and docs.
func (l *Limiter) Limits() (perDestination, total int) { return l.perDest, l.total }

// BusyError says a delivery was not started and when to try it again. It
// is not a failure of the delivery.
type BusyError struct {
	Destination string
	Reason      string // "saturated", "breaker_open" or "reserve"
	RetryIn     time.Duration
}

func (b *BusyError) Error() string {
	switch b.Reason {
	case "breaker_open":
		return fmt.Sprintf("%s is failing (circuit breaker open); next try in %s", b.Destination, b.RetryIn.Round(time.Millisecond))
	case "reserve":
		return fmt.Sprintf("every delivery slot is in use; next try in %s", b.RetryIn.Round(time.Millisecond))
	}
	return fmt.Sprintf("%s has every delivery slot in use; next try in %s", b.Destination, b.RetryIn.Round(time.Millisecond))
}

// Busy reports whether err is a refusal by a Limiter, and when to retry.
func Busy(err error) (time.Duration, bool) {
	var b *BusyError
	if errors.As(err, &b) {
		return b.RetryIn, true
	}
	return 0, false
}

// Ticket is one delivery let through; Done must be called once with its
// outcome.
type Ticket struct {
	l    *Limiter
	dest string
	done bool
}

// Outcome of a delivery, as the breaker counts it.
type Outcome int

const (
	// Succeeded: the destination answered (even with a refusal of the
	// message: a 4xx shows it is alive).
	Succeeded Outcome = iota
	// Failed: the destination did not answer well (timed out, refused the
	// connection, 5xx, 429).
	Failed
	// Abandoned: nothing was learnt (our own shutdown cancelled it).
	Abandoned
)

// Acquire lets a delivery to dest start, or refuses it with a *BusyError
// at once: it never waits.
func (l *Limiter) Acquire(dest string) (*Ticket, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	d := l.dests[dest]
	if d == nil {
		d = &destination{}
		l.dests[dest] = d
	}
	if d.state == Open {
		if now.Before(d.until) {
			return nil, l.refuse(dest, "breaker_open", d.until.Sub(now))
		}
		l.setState(dest, d, HalfOpen)
	}
	if d.state == HalfOpen && d.trial {
		return nil, l.refuse(dest, "breaker_open", l.jitter())
	}
	if d.inFlight >= l.perDest {
		return nil, l.refuse(dest, "saturated", l.jitter())
	}
	if l.inFlight >= l.total {
		l.forget(dest, d)
		return nil, l.refuse(dest, "reserve", l.jitter())
	}
	d.inFlight++
	l.inFlight++
	if d.state == HalfOpen {
		d.trial = true
	}
	return &Ticket{l: l, dest: dest}, nil
}

// AcquireQueued is Acquire, except that a destination whose slots are
// all in use, breaker closed, is waited for up to Options.Queue (or
// until ctx ends) before the refusal: slots are handed over in the order
// asked for. Every other refusal is at once.
func (l *Limiter) AcquireQueued(ctx context.Context, dest string) (*Ticket, error) {
	l.mu.Lock()
	d := l.dests[dest]
	if d == nil || d.state != Closed || d.inFlight < l.perDest || l.inFlight >= l.total {
		l.mu.Unlock()
		return l.Acquire(dest)
	}
	ch := make(chan struct{}, 1)
	d.waiters = append(d.waiters, ch)
	l.mu.Unlock()
	t := time.NewTimer(l.queue)
	defer t.Stop()
	select {
	case <-ch:
		return &Ticket{l: l, dest: dest}, nil
	case <-t.C:
	case <-ctx.Done():
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if i := slices.Index(d.waiters, ch); i >= 0 {
		d.waiters = slices.Delete(d.waiters, i, i+1)
		l.forget(dest, d)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, l.refuse(dest, "saturated", l.jitter())
	}
	// Handed a slot as the wait ended: it is ours to use.
	<-ch
	return &Ticket{l: l, dest: dest}, nil
}

// handOver gives d's free slots to its waiters, first first, while its
// breaker is closed and the pool has room. l.mu is held.
func (l *Limiter) handOver(d *destination) {
	for len(d.waiters) > 0 && d.state == Closed && d.inFlight < l.perDest && l.inFlight < l.total {
		ch := d.waiters[0]
		d.waiters = slices.Delete(d.waiters, 0, 1)
		d.inFlight++
		l.inFlight++
		ch <- struct{}{} // buffered, and sent once
	}
}

// Done releases the ticket's slot and counts its outcome. A second call
// does nothing.
func (t *Ticket) Done(o Outcome) {
	l := t.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.done {
		return
	}
	t.done = true
	d := l.dests[t.dest]
	d.inFlight--
	l.inFlight--
	trial := d.state == HalfOpen && d.trial
	if trial {
		d.trial = false
	}
	switch {
	case o == Abandoned:
	case o == Succeeded:
		d.failures = 0
		if d.state != Closed {
			l.setState(t.dest, d, Closed)
		}
	case trial || d.state == HalfOpen:
		d.until = l.now().Add(l.coolDown)
		l.setState(t.dest, d, Open)
	case d.state == Closed:
		d.failures++
		if d.failures >= l.threshold {
			d.until = l.now().Add(l.coolDown)
			l.setState(t.dest, d, Open)
		}
	}
	l.handOver(d)
	l.forget(t.dest, d)
}

// forget drops dest when there is nothing to remember of it.
func (l *Limiter) forget(dest string, d *destination) {
	if d.inFlight == 0 && d.state == Closed && d.failures == 0 && len(d.waiters) == 0 {
		delete(l.dests, dest)
	}
}

// State is dest's breaker state now.
func (l *Limiter) State(dest string) State {
	l.mu.Lock()
	defer l.mu.Unlock()
	d := l.dests[dest]
	if d == nil {
		return Closed
	}
	if d.state == Open && !l.now().Before(d.until) {
		return HalfOpen
	}
	return d.state
}

func (l *Limiter) setState(dest string, d *destination, s State) {
	d.state = s
	if s == Closed {
		d.failures = 0
	}
	if l.breaker != nil {
		l.breaker.WithLabelValues(dest).Set(float64(s))
	}
}

func (l *Limiter) refuse(dest, reason string, in time.Duration) error {
	if l.refused != nil {
		l.refused.WithLabelValues(dest, reason).Inc()
	}
	return &BusyError{Destination: dest, Reason: reason, RetryIn: in}
}

// jitter is Retry ±50%, so refused deliveries do not come back together.
func (l *Limiter) jitter() time.Duration {
	return time.Duration(float64(l.retry) * (0.5 + randv2.Float64()))
}

// Wrap returns a Notifier that sends through next within l's limits: a
// delivery l refuses returns a *BusyError before anything is sent.
func (l *Limiter) Wrap(next notify.Notifier) notify.Notifier { return &limited{l: l, next: next} }

type limited struct {
	l    *Limiter
	next notify.Notifier
}

// CheckTarget passes through to the wrapped channels.
func (n *limited) CheckTarget(t notify.Target) error { return notify.CheckTarget(n.next, t) }

func (n *limited) Notify(ctx context.Context, t notify.Target, m notify.Message) (notify.Result, error) {
	dest := Destination(t)
	tk, err := n.l.Acquire(dest)
	if err != nil {
		return notify.Result{Channel: t.Kind}, err
	}
	res, err := n.next.Notify(ctx, t, m)
	tk.Done(outcome(ctx, err))
	return res, err
}

// OutcomeOf classifies a delivery's error for the breaker, as Wrap does:
// for callers that Acquire a Ticket around a send of their own (an email
// document).
func OutcomeOf(ctx context.Context, err error) Outcome { return outcome(ctx, err) }

// outcome classifies a delivery's error for the breaker.
func outcome(ctx context.Context, err error) Outcome {
	switch {
	case err == nil:
		return Succeeded
	case ctx.Err() != nil:
		return Abandoned
	case notify.Retryable(err):
		return Failed
	}
	var ne *notify.Error
	if errors.As(err, &ne) && ne.StatusCode != 0 {
		return Succeeded // it answered: the message, not the receiver, is wrong
	}
	return Abandoned // refused before sending (policy, invalid target)
}
