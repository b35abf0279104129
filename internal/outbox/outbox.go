package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/firebreak-ir/firebreak/internal/deliverylimit"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/notify"
)

// Mailer sends email documents (notify.Email).
type Mailer interface {
	SendDocument(ctx context.Context, to string, d notify.Document) (notify.Sent, error)
}

// Deps are the outbox's collaborators.
type Deps struct {
	Store Store
	// Notifier sends Text messages (the channels: email, webhook, Slack,
	// Teams).
	Notifier notify.Notifier
	// Mailer sends Documents; a document with no mailer fails.
	Mailer Mailer
	// Limiter bounds deliveries per destination; a default one when nil.
	Limiter *deliverylimit.Limiter
	// SendTimeout is the longest one attempt takes (the channels'
	// timeout); the grace of an inline send is this plus 10 s.
	SendTimeout time.Duration
	Now         func() time.Time
	Logger      *slog.Logger
	// Registry, when set, receives the outbox's metrics.
	Registry prometheus.Registerer
}

// Outbox sends deliveries. Register kinds with Handle and attach it to an
// engine with Register before the engine runs.
type Outbox struct {
	store    Store
	notifier notify.Notifier
	mailer   Mailer
	limit    *deliverylimit.Limiter
	now      func() time.Time
	log      *slog.Logger
	grace    time.Duration
	kinds    map[string]Renderer
	owner    string
	buried   func(kind string) // counts a job buried inline; nil before Register
	metrics  *metrics
}

// New returns an outbox.
func New(d Deps) *Outbox {
	o := &Outbox{store: d.Store, notifier: d.Notifier, mailer: d.Mailer, limit: d.Limiter, now: d.Now, log: d.Logger,
		kinds: map[string]Renderer{}}
	if o.now == nil {
		o.now = time.Now
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.limit == nil {
		o.limit = deliverylimit.New(deliverylimit.Options{Now: o.now})
	}
	timeout := d.SendTimeout
	if timeout <= 0 {
		timeout = notify.DefaultTimeout
	}
	o.grace = timeout + 10*time.Second
	if d.Registry != nil {
		o.metrics = newMetrics(d.Registry)
	}
	return o
}

// Handle registers the renderer of a kind. It must be called before the
// engine runs; a kind registered twice is a programming error and panics.
func (o *Outbox) Handle(kind string, r Renderer) {
	if kind == "" || r == nil {
		panic("outbox: Handle needs a kind and a renderer")
	}
	if _, dup := o.kinds[kind]; dup {
		panic("outbox: two renderers for kind " + kind)
	}
	o.kinds[kind] = r
	o.metrics.kind(kind)
}

// Kinds lists the registered kinds.
func (o *Outbox) Kinds() []string {
	var out []string
	for k := range o.kinds {
		out = append(out, k)
	}
	return out
}

// Engine is what Register needs of an engine.
type Engine interface {
	Handle(kind string, h engine.Handler)
	Owner() string
	// Buried counts a job dead-lettered outside the engine's runs.
	Buried(kind string)
}

// Register attaches the delivery job to e; PlanNow holds due-now jobs for
// e's owner.
func (o *Outbox) Register(e Engine) {
	o.owner, o.buried = e.Owner(), e.Buried
	e.Handle(JobDeliver, o.handle)
}

// PlanNow is Plan for deliveries sent by SendNow right after the caller's
// commit: the job of each due one is held by this process for the grace
// (SendTimeout + 10 s), due then, or at once when a restart finds this
// process gone. Without an engine registered it is Plan.
func (o *Outbox) PlanNow(now time.Time, ds ...Delivery) Writes {
	return plan(now, o.owner, o.grace, ds)
}

// Write writes w in a transaction of its own, for callers with no other
// change to commit.
func (o *Outbox) Write(ctx context.Context, w Writes) error {
	if w.Empty() {
		return nil
	}
	return o.store.WriteOutbox(ctx, w)
}

// Result is the outcome of one inline send.
type Result struct {
	Delivery Delivery // as recorded after the send
	// Err is why it was not sent (nil when sent or skipped): the send's
	// error, a busy destination's deliverylimit.BusyError, or a failure
	// to load, prepare or record it. The delivery's job retries what may
	// pass.
	Err error
}

// SendNow sends the pending deliveries ids that are due, in parallel,
// right after the commit that wrote them (with PlanNow), and returns each
// one's result in the order of ids. Their jobs retry what fails.
func (o *Outbox) SendNow(ctx context.Context, ids ...string) []Result {
	out := make([]Result, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			d, err := o.store.OutboxDelivery(ctx, id)
			if err != nil {
				out[i] = Result{Delivery: Delivery{ID: id}, Err: err}
				return
			}
			if d.State == Pending && d.DueAt.After(o.now()) {
				out[i] = Result{Delivery: d}
				return
			}
			d, err = o.deliver(ctx, d, true, false)
			if err != nil {
				o.log.InfoContext(ctx, "delivery not sent at once; its job retries", "delivery", id, "kind", d.Kind, "err", err)
			}
			out[i] = Result{Delivery: d, Err: err}
		})
	}
	wg.Wait()
	return out
}

// handle is the JobDeliver handler.
func (o *Outbox) handle(ctx context.Context, j engine.Job) error {
	var a jobArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(fmt.Errorf("outbox: bad job arguments: %w", err))
	}
	d, err := o.store.OutboxDelivery(ctx, a.ID)
	if errs.CodeOf(err) == errs.NotFound {
		return engine.Permanent(err)
	}
	if err != nil {
		return err
	}
	maxAttempts := j.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = engine.DefaultMaxAttempts
	}
	d, err = o.deliver(ctx, d, false, j.Attempt+1 >= maxAttempts)
	var se *storeError
	if in, busy := deliverylimit.Busy(err); busy {
		return engine.Snooze(in)
	}
	switch {
	case err == nil:
		return nil
	case d.State == Failed && !errors.As(err, &se):
		// Dead, listed with the kind of delivery that died.
		return engine.Permanent(fmt.Errorf("%s: %w", d.Kind, err))
	}
	return err
}

// storeError is a failure to record an outcome: the job runs again, even
// when the delivery it was recording had failed for good.
type storeError struct{ err error }

func (s *storeError) Error() string { return s.err.Error() }
func (s *storeError) Unwrap() error { return s.err }

// deliver sends d unless it is settled, records the attempt and the new
// state, and settles d's job when d is final. inline is the send right
// after the commit (its job is held by us); last is the job's last run.
// The error is why d is not (or no longer) sent: with d.State Failed it is
// final, else it may pass.
func (o *Outbox) deliver(ctx context.Context, d Delivery, inline, last bool) (Delivery, error) {
	r, ok := o.kinds[d.Kind]
	if !ok {
		err := fmt.Errorf("no renderer for delivery kind %q", d.Kind)
		if d.State == Pending {
			d.State, d.LastError = Failed, err.Error()
			return d, o.record(ctx, d, nil, inline, r, err)
		}
		return d, err
	}
	if d.State.Final() {
		// Recorded on an earlier run; what is left is Settled and the job.
		return d, o.settle(ctx, d, inline, r, nil)
	}
	msg, err := r.Prepare(ctx, d)
	var skip *skipError
	var fail *failError
	switch {
	case errors.As(err, &skip):
		d.State, d.LastError = Skipped, skip.reason
		o.metrics.settled(d, "skipped")
		return d, o.record(ctx, d, nil, inline, r, nil)
	case errors.As(err, &fail):
		d.State, d.LastError = Failed, err.Error()
		o.metrics.settled(d, "failed")
		return d, o.record(ctx, d, nil, inline, r, err)
	case err != nil:
		return d, fmt.Errorf("prepare %s delivery: %w", d.Kind, err)
	}
	start := o.now()
	res, sent, sendErr := o.send(ctx, d, msg)
	if in, busy := deliverylimit.Busy(sendErr); busy {
		// Not sent and not an attempt: its destination has every slot in
		// use or is failing. Its job runs again shortly instead of a
		// worker waiting for a slot.
		o.metrics.settled(d, "deferred")
		if inline {
			if err := o.store.Snooze(ctx, d.ID, start.Add(in)); err != nil {
				return d, errors.Join(sendErr, err)
			}
		}
		return d, sendErr
	}
	o.metrics.latency(d, res.Latency)
	d.Attempts++
	att := &Attempt{Delivery: d.ID, N: d.Attempts, At: start.UTC(), OK: sendErr == nil, StatusCode: res.StatusCode,
		LatencyMS: float64(res.Latency.Microseconds()) / 1000, MessageID: sent.MessageID, Reply: sent.Reply}
	if sendErr == nil {
		at := o.now().UTC()
		d.State, d.SentAt, d.LastError = Sent, &at, ""
		d.MessageID, d.Reply, d.MessageSHA256, d.MessageSize = sent.MessageID, sent.Reply, sent.MessageSHA256, sent.MessageSize
		o.metrics.settled(d, "sent")
		return d, o.record(ctx, d, att, inline, r, nil)
	}
	att.Error, d.LastError = sendErr.Error(), sendErr.Error()
	if !notify.Retryable(sendErr) || last {
		d.State = Failed
		o.metrics.settled(d, "failed")
	} else {
		o.metrics.settled(d, "retry")
	}
	return d, o.record(ctx, d, att, inline, r, sendErr)
}

// send sends msg through the limiter: the notifier for a text, the
// mailer for a document.
func (o *Outbox) send(ctx context.Context, d Delivery, msg Message) (notify.Result, notify.Sent, error) {
	if s, ok := o.kinds[d.Kind].(Sender); ok {
		var sent notify.Sent
		res, err := o.limited(ctx, d.Target, func() (notify.Result, error) {
			var err error
			sent, err = s.Send(ctx, d, msg)
			return sent.Result, err
		})
		return res, sent, err
	}
	if msg.Document == nil {
		if o.notifier == nil {
			return notify.Result{}, notify.Sent{}, errs.E(errs.Rule, "channel", "no outbound channels are configured")
		}
		res, err := o.limited(ctx, d.Target, func() (notify.Result, error) { return o.notifier.Notify(ctx, d.Target, msg.Text) })
		return res, notify.Sent{}, err
	}
	if o.mailer == nil || d.Target.Kind != notify.KindEmail {
		return notify.Result{}, notify.Sent{}, errs.E(errs.Rule, "email", "a document goes by email, and no outbound email relay is configured")
	}
	var sent notify.Sent
	res, err := o.limited(ctx, d.Target, func() (notify.Result, error) {
		var err error
		sent, err = o.mailer.SendDocument(ctx, d.Target.Address, *msg.Document)
		return sent.Result, err
	})
	return res, sent, err
}

// limited runs fn within the limiter's bounds for t's destination, waiting a
// moment for a slot of a destination that is busy but healthy.
func (o *Outbox) limited(ctx context.Context, t notify.Target, fn func() (notify.Result, error)) (notify.Result, error) {
	tk, err := o.limit.AcquireQueued(ctx, deliverylimit.Destination(t))
	if err != nil {
		return notify.Result{Channel: t.Kind}, err
	}
	start := o.now()
	res, err := fn()
	if res.Latency == 0 {
		res.Latency = o.now().Sub(start)
	}
	tk.Done(deliverylimit.OutcomeOf(ctx, err))
	return res, err
}

// record stores d's new state with att, and when d is final settles it.
// failure is d's error when it failed.
func (o *Outbox) record(ctx context.Context, d Delivery, att *Attempt, inline bool, r Renderer, failure error) error {
	_, hook := r.(Settler)
	// Without a Settled hook the job is finished in the same write, inline
	// or not (one commit per page instead of two); with one, only once the
	// hook has run.
	finish := !hook && d.State.Final()
	if err := o.store.RecordOutbox(ctx, d, att, finish); err != nil {
		return &storeError{fmt.Errorf("record %s delivery %s: %w", d.Kind, d.ID, err)}
	}
	if !d.State.Final() {
		return failure // retried by the job
	}
	if finish {
		switch {
		case inline && d.State == Failed && o.buried != nil:
			// Dead without an engine run: counted like the engine's (see
			// settle).
			o.buried(JobDeliver)
		case !inline && d.State != Failed:
			// An inline send may run inside another job's handler: only
			// a run of the delivery's own job completed that job.
			engine.Completed(ctx)
		}
		return failure
	}
	return o.settle(ctx, d, inline, r, failure)
}

// settle runs d's Settled hook and finishes its job: an inline send
// completes or buries the job it holds; a job run returns nil (the engine
// completes it) or failure (Permanent: dead).
func (o *Outbox) settle(ctx context.Context, d Delivery, inline bool, r Renderer, failure error) error {
	if s, ok := r.(Settler); ok {
		if err := s.Settled(ctx, d); err != nil {
			return &storeError{fmt.Errorf("settle %s delivery %s: %w", d.Kind, d.ID, err)}
		}
	}
	if d.State == Failed && failure == nil {
		failure = errors.New(d.LastError)
	}
	if !inline {
		return failure
	}
	if d.State == Failed {
		err := o.store.Bury(ctx, d.ID, o.now(), d.Kind+": "+d.LastError)
		if errs.CodeOf(err) != errs.NotFound && err != nil {
			return &storeError{err}
		}
		if err == nil && o.buried != nil {
			// Dead without an engine run: counted like the engine's, so
			// firebreak_jobs_dead_total agrees with GET /api/v1/jobs/dead.
			o.buried(JobDeliver)
		}
		return failure
	}
	if err := o.store.Complete(ctx, d.ID); err != nil && errs.CodeOf(err) != errs.NotFound {
		return &storeError{err}
	}
	return nil
}
