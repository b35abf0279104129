package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	randv2 "math/rand/v2"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/telemetry"
)

// Handler does the work of one kind of job. It must be idempotent: after a
// crash the same job may run again. Returning nil completes the job; an
// error retries it with backoff, or dead-letters it when wrapped by
// Permanent or on its last attempt. ctx ends before the job's lease does.
type Handler func(ctx context.Context, j Job) error

// Options configure an Engine. Zero values take the defaults.
type Options struct {
	Now     func() time.Time // the clock for every scheduling decision; time.Now when nil
	Logger  *slog.Logger
	Workers int // jobs run at once; default 128
	// Poll is the longest sleep between checks for due jobs, so jobs
	// enqueued by another node are seen within Poll; default 500ms.
	Poll time.Duration
	// Lease is how long a claimed job is ours; a handler's ctx ends before
	// it does. Default 30s.
	Lease time.Duration
	// SingleNode releases at start every running job not leased by this
	// engine (SQLite: the database's lock file admits one process, so every
	// other lease belongs to a process that is gone). Without it only the
	// leases of dead processes of this host are released (see deadOwner).
	SingleNode bool
	// Backoff is the delay before retrying a job that failed on its
	// attempt-th run (0 on the first); default DefaultBackoff.
	Backoff func(attempt int) time.Duration
	// Registry, when set, receives the engine's metrics.
	Registry prometheus.Registerer
	// Tracing makes a span of each job run; the no-op tracer when nil.
	Tracing trace.TracerProvider
}

const (
	// Handlers mostly wait: on a commit, on a receiver. Enough of them keep
	// the group commit batches large (see bench/paging). A page's job waits
	// on two commits and a send, so at 1,000 new alerts/s about a hundred
	// are in flight; 32 capped the page path near 400/s. A worker is a
	// goroutine started per job, not a pool kept idle.
	defaultWorkers = 128
	defaultPoll    = 500 * time.Millisecond
	defaultLease   = 30 * time.Second
	// storeTimeout bounds recording a job's outcome, which runs even when
	// Run's ctx has ended so a finished job is not run again.
	storeTimeout = 10 * time.Second
	// minSleep keeps the loop from spinning when a due job is held by
	// another node's claim transaction for a moment.
	minSleep = time.Millisecond
	// maxClaimBackoff bounds the wait between claims while the database
	// fails (down, frozen, full): the loop doubles its sleep from Poll up
	// to this instead of failing, and logging, every Poll.
	maxClaimBackoff = 30 * time.Second
)

// DefaultBackoff doubles from 1s (attempt 0) to at most 5 minutes, with
// ±20% jitter so jobs that failed together do not retry together.
func DefaultBackoff(attempt int) time.Duration {
	const base, ceiling = time.Second, 5 * time.Minute
	d := ceiling
	if attempt < 20 {
		d = min(base<<max(attempt, 0), ceiling)
	}
	return time.Duration(float64(d) * (0.8 + 0.4*randv2.Float64()))
}

// Engine runs due jobs from a Store on a pool of workers.
type Engine struct {
	store    Store
	now      func() time.Time
	log      *slog.Logger
	workers  int
	poll     time.Duration
	lease    time.Duration
	single   bool
	backoff  func(int) time.Duration
	metrics  *metrics // nil without a registry
	tracer   trace.Tracer
	worker   string // names our leases
	handlers map[string]Handler
	wake     chan struct{}
	handed   chan struct{} // Take handed over held jobs
	busy     atomic.Int64  // jobs running; Hold takes a job only for a free worker
	held     heldQueue
	started  atomic.Bool

	claimJitter func() float64 // the outage backoff's spread; nil is random (tests fix it)
}

// New returns an engine over s. Register handlers with Handle, then Run.
func New(s Store, o Options) *Engine {
	e := &Engine{
		store: s, now: o.Now, log: o.Logger, workers: o.Workers, poll: o.Poll, lease: o.Lease,
		single: o.SingleNode, backoff: o.Backoff,
		worker:   newOwner(),
		tracer:   telemetry.Tracer(o.Tracing),
		handlers: map[string]Handler{},
		wake:     make(chan struct{}, 1),
		handed:   make(chan struct{}, 1),
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.workers <= 0 {
		e.workers = defaultWorkers
	}
	if e.poll <= 0 {
		e.poll = defaultPoll
	}
	if e.lease <= 0 {
		e.lease = defaultLease
	}
	if e.backoff == nil {
		e.backoff = DefaultBackoff
	}
	if o.Registry != nil {
		e.metrics = newMetrics(o.Registry)
	}
	return e
}

// Owner is the name this engine's leases carry (see newOwner). A job
// written with Job.Holder set to it is this engine's until its RunAt.
func (e *Engine) Owner() string { return e.worker }

// Handle registers h for jobs of kind. It must be called before Run; a
// kind registered twice is a programming error and panics.
func (e *Engine) Handle(kind string, h Handler) {
	if e.started.Load() {
		panic("engine: Handle called after Run")
	}
	if kind == "" || h == nil {
		panic("engine: Handle needs a kind and a handler")
	}
	if _, dup := e.handlers[kind]; dup {
		panic("engine: two handlers for job kind " + kind)
	}
	e.handlers[kind] = h
}

// Notify tells the engine that jobs were committed, so it checks now
// instead of at its next wake-up. It never blocks.
func (e *Engine) Notify() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run claims and runs due jobs until ctx ends, then waits for the running
// handlers (whose ctx ends too) and returns nil. It fails only when the
// SingleNode release at start fails, or when called twice.
func (e *Engine) Run(ctx context.Context) error {
	if !e.started.CompareAndSwap(false, true) {
		return errors.New("engine: Run called twice")
	}
	e.metrics.known(e.Kinds())
	if err := e.releaseDead(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	e.holding(true)
	defer e.holding(false)
	// done carries whether the finished job is due again (retried,
	// snoozed): only then, or when the last claim filled every free
	// worker, may a finishing worker leave something due to claim.
	done := make(chan bool, e.workers)
	busy := 0
	down := outage{log: e.log, now: e.now, poll: e.poll, jitter: e.claimJitter}
	start := func(j Job) {
		busy++
		e.busy.Add(1)
		wg.Go(func() {
			again, err := e.run(ctx, j)
			if err != nil {
				e.log.Error("record job outcome", "kind", j.Kind, "id", j.ID, "err", err)
			}
			done <- again
		})
	}
	t := time.NewTimer(e.poll)
	defer t.Stop()
	claim, more := true, false
	for {
		for _, j := range e.takeHeld(e.workers - busy) {
			start(j)
		}
		if free := e.workers - busy; claim && free > 0 {
			claim = false
			sleep := e.poll
			jobs, err := e.claim(ctx, free)
			more = false
			switch {
			case err != nil && ctx.Err() != nil:
				return nil
			case err != nil:
				sleep = down.failed(err)
			case len(jobs) < free:
				down.ok()
				sleep = e.untilNext(ctx)
			default:
				down.ok()
				more = true
			}
			// Else every worker is busy and more may be due: a finishing
			// worker wakes the loop to claim again.
			for _, j := range jobs {
				start(j)
			}
			t.Reset(sleep)
		}
		select {
		case <-ctx.Done():
			return nil
		case again := <-done:
			busy--
			e.busy.Add(-1)
			claim = claim || again || more
		case <-e.wake:
			claim = true
		case <-e.handed:
			// Held jobs are started at the top; nothing new to claim.
		case <-t.C:
			claim = true
		}
		for drained := false; !drained; {
			select {
			case again := <-done:
				busy--
				e.busy.Add(-1)
				claim = claim || again || more
			default:
				drained = true
			}
		}
	}
}

// claim leases up to n due jobs, within storeTimeout: a database that
// does not answer fails the claim instead of hanging the loop.
func (e *Engine) claim(ctx context.Context, n int) ([]Job, error) {
	cctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	return e.store.Claim(cctx, e.worker, e.now(), e.lease, n)
}

// releaseDead makes pending again, at start, the jobs leased by processes
// that are gone, so work a crash interrupted resumes at once instead of
// when its lease runs out. Single-node, that is every lease but ours: on
// SQLite the lock on the database admits one process, so no other can be
// alive. Otherwise it is the leases of this host's dead processes, and of
// an earlier process that had our PID.
func (e *Engine) releaseDead(ctx context.Context) error {
	owners, err := e.store.LeaseOwners(ctx)
	if err != nil {
		return fmt.Errorf("release jobs left running: %w", err)
	}
	var dead []string
	for _, o := range owners {
		if o != e.worker && (e.single || deadOwner(o)) {
			dead = append(dead, o)
		}
	}
	if len(dead) == 0 {
		return nil
	}
	n, err := e.store.Release(ctx, dead)
	if err != nil {
		return fmt.Errorf("release jobs left running: %w", err)
	}
	if n > 0 {
		e.log.Info("released jobs left running by processes that are gone", "jobs", n, "owners", dead)
	}
	return nil
}

// untilNext is how long to sleep before the next job is due: at most Poll.
func (e *Engine) untilNext(ctx context.Context) time.Duration {
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	next, ok, err := e.store.NextRunAt(ctx)
	if err != nil {
		if ctx.Err() == nil {
			e.log.Error("next job time", "err", err)
		}
		return e.poll
	}
	if !ok {
		return e.poll
	}
	return max(min(next.Sub(e.now()), e.poll), minSleep)
}

// RunDue claims every job due at Now() and runs them one after another,
// returning how many ran. Jobs that become due while it runs (a retry
// without delay) run too. It is for tests with a fake clock and for tools;
// a server calls Run.
func (e *Engine) RunDue(ctx context.Context) (int, error) {
	now, ran := e.now(), 0
	for {
		jobs, err := e.store.Claim(ctx, e.worker, now, e.lease, e.workers)
		if err != nil {
			return ran, err
		}
		if len(jobs) == 0 {
			return ran, nil
		}
		for _, j := range jobs {
			ran++
			if _, err := e.run(ctx, j); err != nil {
				return ran, fmt.Errorf("record outcome of job %s: %w", j.ID, err)
			}
		}
	}
}

// run runs one claimed job and records its outcome, in a span of its
// own: the handler's store writes and outgoing requests are its children.
// again is whether the handler failed or snoozed: the job may be due
// again.
func (e *Engine) run(ctx context.Context, j Job) (again bool, err error) {
	ctx, span := e.tracer.Start(ctx, "job "+j.Kind, trace.WithSpanKind(trace.SpanKindConsumer))
	if span.IsRecording() {
		span.SetAttributes(attribute.String("job.kind", j.Kind), attribute.String("job.id", j.ID), attribute.Int("job.attempt", j.Attempt+1))
	}
	defer func() { telemetry.End(span, err) }()
	return e.runJob(ctx, j)
}

func (e *Engine) runJob(ctx context.Context, j Job) (bool, error) {
	start := e.now()
	e.metrics.started(j, start)
	var err error
	done := new(atomic.Bool)
	if h, ok := e.handlers[j.Kind]; ok {
		limit := e.lease * 9 / 10
		if !j.leaseEnd.IsZero() {
			limit = min(limit, j.leaseEnd.Sub(start)-e.lease/10)
		}
		hctx, cancel := context.WithTimeout(context.WithValue(ctx, completedKey{}, done), limit)
		err = e.call(hctx, h, j)
		cancel()
	} else {
		err = Permanent(fmt.Errorf("no handler for job kind %q", j.Kind))
	}
	if sp := trace.SpanFromContext(ctx); err != nil && sp.IsRecording() {
		sp.SetStatus(codes.Error, err.Error())
	}
	if err == nil && done.Load() {
		return false, nil
	}
	return err != nil, e.finish(ctx, j, err)
}

type completedKey struct{}

// Completed tells the engine, from inside a handler, that the handler
// deleted its job in the transaction that committed its work, so there is
// nothing left to complete. Outside a handler it does nothing.
func Completed(ctx context.Context) {
	if b, ok := ctx.Value(completedKey{}).(*atomic.Bool); ok {
		b.Store(true)
	}
}

// call runs h, turning a panic into an error.
func (e *Engine) call(ctx context.Context, h Handler, j Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e.log.Error("job handler panicked", "kind", j.Kind, "id", j.ID, "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return h(ctx, j)
}

// finish records the outcome of a run. It uses a ctx of its own: a job
// that finished while the engine stops is still recorded.
func (e *Engine) finish(ctx context.Context, j Job, err error) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err == nil {
		// A handler may complete its job in its own transaction (so its
		// work and the completion commit together); the job is then gone.
		if err := e.store.Complete(sctx, j.ID); err != nil && errs.CodeOf(err) != errs.NotFound {
			return err
		}
		return nil
	}
	now := e.now()
	var snooze *snoozeError
	if errors.As(err, &snooze) {
		// Not a failure: the handler could not start (its destination is
		// busy) and asks to run again shortly, no attempt counted.
		e.log.Debug("job snoozed", "kind", j.Kind, "id", j.ID, "for", snooze.d)
		return gone(e.store.Snooze(sctx, j.ID, now.Add(snooze.d)))
	}
	e.metrics.failed(j)
	var perm *permanentError
	permanent := errors.As(err, &perm)
	maxAttempts := j.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	switch {
	case ctx.Err() != nil && !permanent:
		// Interrupted by shutdown: due again at once, here or elsewhere.
		e.log.Info("job interrupted by shutdown", "kind", j.Kind, "id", j.ID, "err", err)
		return gone(e.store.Retry(sctx, j.ID, now, err.Error()))
	case permanent || j.Attempt+1 >= maxAttempts:
		e.log.Warn("job dead-lettered", "kind", j.Kind, "id", j.ID, "attempt", j.Attempt+1, "max_attempts", maxAttempts, "err", err)
		e.metrics.buried(j)
		return gone(e.store.Bury(sctx, j.ID, now, err.Error()))
	default:
		delay := e.backoff(j.Attempt)
		var ra *retryAfterError
		if errors.As(err, &ra) {
			delay = ra.d
		}
		e.log.Info("job failed; will retry", "kind", j.Kind, "id", j.ID, "attempt", j.Attempt+1, "retry_in", delay, "err", err)
		return gone(e.store.Retry(sctx, j.ID, now.Add(delay), err.Error()))
	}
}

// gone ignores errs.NotFound: a handler that settled its job for good in
// its own transaction (a delivery that failed permanently) removed it.
func gone(err error) error {
	if errs.CodeOf(err) == errs.NotFound {
		return nil
	}
	return err
}

// Permanent marks err as final: the job is dead-lettered at once instead of
// retried.
func Permanent(err error) error {
	if err == nil {
		err = errors.New("permanent failure")
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (p *permanentError) Error() string { return p.err.Error() }
func (p *permanentError) Unwrap() error { return p.err }

// RetryAfter retries the job after d instead of the backoff delay. The run
// still counts as an attempt.
func RetryAfter(err error, d time.Duration) error {
	if err == nil {
		err = errors.New("retry requested")
	}
	return &retryAfterError{err, max(d, 0)}
}

type retryAfterError struct {
	err error
	d   time.Duration
}

func (r *retryAfterError) Error() string { return r.err.Error() }
func (r *retryAfterError) Unwrap() error { return r.err }

// Snooze puts the job back to run after d without counting an attempt or
// a failure: the handler did not get to do its work (its destination is
// saturated or its circuit breaker open) and must not hold a worker
// waiting. A job snoozed forever never dies; the handler bounds it.
func Snooze(d time.Duration) error { return &snoozeError{max(d, 0)} }

type snoozeError struct{ d time.Duration }

func (s *snoozeError) Error() string { return fmt.Sprintf("snoozed for %s", s.d) }

// SnoozedFor reports whether err asks for a snooze, and for how long.
func SnoozedFor(err error) (time.Duration, bool) {
	var s *snoozeError
	if errors.As(err, &s) {
		return s.d, true
	}
	return 0, false
}

// Kinds lists the job kinds handlers are registered for, sorted.
func (e *Engine) Kinds() []string {
	return slices.Sorted(maps.Keys(e.handlers))
}

// Buried counts, in firebreak_jobs_dead_total, a job its caller
// dead-lettered outside a run of the engine (a delivery sent inline
// right after its commit, refused for good).
func (e *Engine) Buried(kind string) { e.metrics.buried(Job{Kind: kind}) }

// Workers is how many jobs the engine runs at once.
func (e *Engine) Workers() int { return e.workers }

// metrics are the engine's Prometheus series; a nil *metrics records
// nothing.
type metrics struct {
	run, failures, dead *prometheus.CounterVec
	lag                 *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		run: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "firebreak_jobs_run_total", Help: "Job runs started, by kind.",
		}, []string{"kind"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "firebreak_jobs_failed_total", Help: "Job runs that failed, by kind.",
		}, []string{"kind"}),
		dead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "firebreak_jobs_dead_total", Help: "Jobs dead-lettered, by kind.",
		}, []string{"kind"}),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "firebreak_jobs_lag_seconds", Help: "Delay from a job's due time to the start of its run, by kind.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"kind"}),
	}
	reg.MustRegister(m.run, m.failures, m.dead, m.lag)
	return m
}

// known makes every series of kinds present, at 0 until it counts.
func (m *metrics) known(kinds []string) {
	if m == nil {
		return
	}
	for _, k := range kinds {
		m.run.WithLabelValues(k)
		m.failures.WithLabelValues(k)
		m.dead.WithLabelValues(k)
	}
}

func (m *metrics) started(j Job, at time.Time) {
	if m == nil {
		return
	}
	m.run.WithLabelValues(j.Kind).Inc()
	m.lag.WithLabelValues(j.Kind).Observe(max(at.Sub(j.RunAt), 0).Seconds())
}

func (m *metrics) failed(j Job) {
	if m != nil {
		m.failures.WithLabelValues(j.Kind).Inc()
	}
}

func (m *metrics) buried(j Job) {
	if m != nil {
		m.dead.WithLabelValues(j.Kind).Inc()
	}
}
