package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/store"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// env is an engine over a real store with a fake clock shared by both.
type env struct {
	db    *store.DB
	clock *storetest.Clock
	logs  *syncBuffer
	ctx   context.Context
}

// setup opens a fresh SQLite store with its clock at t0.
func setup(t *testing.T) *env {
	t.Helper()
	return setupOn(t, storetest.SQLiteDSN(t))
}

func setupOn(t *testing.T, dsn string) *env {
	t.Helper()
	clock := storetest.NewClock(t0)
	db, err := store.Open(context.Background(), dsn, store.Options{Now: clock.Now})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return &env{db: db, clock: clock, logs: &syncBuffer{}, ctx: context.Background()}
}

// backends runs fn on SQLite, and on PostgreSQL when it is configured.
func backends(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			dsn := storetest.SQLiteDSN(t)
			if b.Name == "postgres" {
				dsn = storetest.PostgresDSN(t)
			}
			fn(t, setupOn(t, dsn))
		})
	}
}

// engine returns an engine on e's store and clock; o's zero fields take
// the test defaults (a logger into e.logs, backoff of attempt+1 seconds).
func (e *env) engine(o engine.Options) *engine.Engine {
	if o.Now == nil {
		o.Now = e.clock.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(e.logs, nil))
	}
	if o.Backoff == nil {
		o.Backoff = func(attempt int) time.Duration { return time.Duration(attempt+1) * time.Second }
	}
	return engine.New(e.db, o)
}

func (e *env) enqueue(t *testing.T, jobs ...engine.Job) {
	t.Helper()
	if err := e.db.Enqueue(e.ctx, jobs...); err != nil {
		t.Fatalf("enqueue: %v", err)
	}
}

func (e *env) runDue(t *testing.T, eng *engine.Engine, want int) {
	t.Helper()
	n, err := eng.RunDue(e.ctx)
	if err != nil {
		t.Fatalf("RunDue: %v", err)
	}
	if n != want {
		t.Fatalf("RunDue ran %d jobs at %s, want %d", n, e.clock.Now().Sub(t0), want)
	}
}

func (e *env) dead(t *testing.T) []engine.Job {
	t.Helper()
	d, err := e.db.DeadJobs(e.ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// left reports whether any job remains pending or running.
func (e *env) left(t *testing.T) bool {
	t.Helper()
	_, ok, err := e.db.NextRunAt(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestDefaultBackoff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		attempt int
		base    time.Duration
	}{
		{-1, time.Second}, {0, time.Second}, {1, 2 * time.Second}, {2, 4 * time.Second},
		{5, 32 * time.Second}, {8, 256 * time.Second}, {9, 5 * time.Minute}, {30, 5 * time.Minute},
		{64, 5 * time.Minute}, {1 << 30, 5 * time.Minute},
	} {
		lo, hi := tc.base*8/10, tc.base*12/10
		var seenLow, seenHigh bool
		for range 500 {
			d := engine.DefaultBackoff(tc.attempt)
			if d < lo || d > hi {
				t.Fatalf("DefaultBackoff(%d) = %s, want within [%s, %s]", tc.attempt, d, lo, hi)
			}
			seenLow = seenLow || d < tc.base
			seenHigh = seenHigh || d > tc.base
		}
		if !seenLow || !seenHigh {
			t.Errorf("DefaultBackoff(%d) has no jitter both ways", tc.attempt)
		}
	}
}

func TestRetryThenSuccess(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		eng := e.engine(engine.Options{})
		var seen []engine.Job
		eng.Handle("page", func(ctx context.Context, j engine.Job) error {
			seen = append(seen, j)
			if j.Attempt < 2 {
				return fmt.Errorf("smtp: 451 try %d", j.Attempt)
			}
			return nil
		})
		e.enqueue(t, engine.Job{Kind: "page", Args: []byte(`{"to":"alice"}`)})
		e.runDue(t, eng, 1)
		e.runDue(t, eng, 0) // backoff(0) = 1s
		e.clock.Advance(time.Second)
		e.runDue(t, eng, 1)
		e.clock.Advance(2*time.Second - time.Millisecond) // backoff(1) = 2s
		e.runDue(t, eng, 0)
		e.clock.Advance(time.Millisecond)
		e.runDue(t, eng, 1)
		if len(seen) != 3 || seen[1].LastError != "smtp: 451 try 0" || seen[2].LastError != "smtp: 451 try 1" || string(seen[2].Args) != `{"to":"alice"}` {
			t.Errorf("runs: %+v", seen)
		}
		if e.left(t) || len(e.dead(t)) != 0 {
			t.Error("a completed job is still stored")
		}
	})
}

func TestDeadAfterMaxAttempts(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		eng := e.engine(engine.Options{})
		runs := 0
		eng.Handle("page", func(ctx context.Context, j engine.Job) error {
			runs++
			return fmt.Errorf("smtp down #%d", runs)
		})
		e.enqueue(t, engine.Job{ID: "j1", Kind: "page", MaxAttempts: 3})
		for range 5 {
			eng.RunDue(e.ctx)
			e.clock.Advance(time.Hour)
		}
		if runs != 3 {
			t.Errorf("ran %d times, want MaxAttempts = 3", runs)
		}
		dead := e.dead(t)
		if len(dead) != 1 || dead[0].ID != "j1" || dead[0].LastError != "smtp down #3" || dead[0].Attempt != 3 || dead[0].State != engine.Dead {
			t.Fatalf("DeadJobs = %+v", dead)
		}
		if e.left(t) {
			t.Error("a dead job is still due")
		}
		logs := e.logs.String()
		if !strings.Contains(logs, `level=WARN msg="job dead-lettered" kind=page id=j1`) || !strings.Contains(logs, `err="smtp down #3"`) {
			t.Errorf("no Warn about the dead job in:\n%s", logs)
		}
	})
}

func TestPermanentUnknownAndPanic(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		eng := e.engine(engine.Options{})
		errBounce := errors.New("550 no such mailbox")
		eng.Handle("bounce", func(ctx context.Context, j engine.Job) error {
			err := engine.Permanent(fmt.Errorf("deliver: %w", errBounce))
			if !errors.Is(err, errBounce) {
				t.Error("Permanent hides the error it wraps")
			}
			return err
		})
		panicked := false
		eng.Handle("flaky", func(ctx context.Context, j engine.Job) error {
			if !panicked {
				panicked = true
				var m map[string]int
				//lint:ignore SA5000 deliberate: a handler bug's runtime panic is what the engine must survive
				m["boom"]++ // a nil map write: a runtime panic
			}
			return nil
		})
		e.enqueue(t, engine.Job{ID: "a", Kind: "bounce"}, engine.Job{ID: "b", Kind: "nope"}, engine.Job{ID: "c", Kind: "flaky"})
		e.runDue(t, eng, 3)
		dead := map[string]string{}
		for _, j := range e.dead(t) {
			dead[j.ID] = j.LastError
		}
		if len(dead) != 2 || dead["a"] != "deliver: 550 no such mailbox" || dead["b"] != `no handler for job kind "nope"` {
			t.Errorf("dead after one run: %q", dead)
		}
		// The panic was a failed run, retried after backoff(0) = 1s.
		next, ok, _ := e.db.NextRunAt(e.ctx)
		if !ok || !next.Equal(t0.Add(time.Second)) {
			t.Errorf("after the panic the job is due at %v (%v), want +1s", next, ok)
		}
		if !strings.Contains(e.logs.String(), "job handler panicked") {
			t.Error("the panic was not logged")
		}
		e.clock.Advance(time.Second)
		e.runDue(t, eng, 1)
		if e.left(t) {
			t.Error("the job that panicked once did not complete on its retry")
		}
	})
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	e := setup(t)
	eng := e.engine(engine.Options{})
	runs := 0
	eng.Handle("webhook", func(ctx context.Context, j engine.Job) error {
		runs++
		if runs == 1 {
			return engine.RetryAfter(errors.New("429 Too Many Requests"), 42*time.Second)
		}
		return nil
	})
	e.enqueue(t, engine.Job{Kind: "webhook"})
	e.runDue(t, eng, 1)
	e.clock.Advance(41 * time.Second)
	e.runDue(t, eng, 0)
	e.clock.Advance(time.Second)
	e.runDue(t, eng, 1)
}

// TestLeaseExpiry: a job claimed by a worker that died runs again once
// the lease has ended, not before.
func TestLeaseExpiry(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		eng := e.engine(engine.Options{Lease: 30 * time.Second})
		var runs atomic.Int32
		eng.Handle("page", func(ctx context.Context, j engine.Job) error { runs.Add(1); return nil })
		e.enqueue(t, engine.Job{Kind: "page"})
		if got, err := e.db.Claim(e.ctx, "died", t0, 30*time.Second, 10); err != nil || len(got) != 1 {
			t.Fatalf("claim by the dead worker: %v, %v", got, err)
		}
		e.clock.Advance(29 * time.Second)
		e.runDue(t, eng, 0)
		e.clock.Advance(time.Second)
		e.runDue(t, eng, 1)
		if runs.Load() != 1 || e.left(t) {
			t.Errorf("runs %d, left %v", runs.Load(), e.left(t))
		}
	})
}

// run starts eng.Run and returns a stop function that cancels it and
// waits for it to return.
func run(t *testing.T, eng *engine.Engine) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("Run did not return after its ctx ended")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func waitFor[T any](t *testing.T, ch <-chan T, d time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(d):
		t.Fatalf("%s: nothing after %s", what, d)
		panic("unreachable")
	}
}

// TestSingleNodeReleasesAtStart: a job left running by a crashed process
// waits for its lease, unless the engine is single-node and releases it
// at start.
func TestSingleNodeReleasesAtStart(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.enqueue(t, engine.Job{Kind: "page"})
	if got, _ := e.db.Claim(e.ctx, "crashed", t0, time.Hour, 10); len(got) != 1 {
		t.Fatal("claim by the crashed process failed")
	}
	started := make(chan struct{}, 1)
	handler := func(ctx context.Context, j engine.Job) error { started <- struct{}{}; return nil }

	multi := e.engine(engine.Options{Poll: 10 * time.Millisecond})
	multi.Handle("page", handler)
	stop := run(t, multi)
	select {
	case <-started:
		t.Fatal("a leased job ran before its lease ended")
	case <-time.After(200 * time.Millisecond):
	}
	stop()

	single := e.engine(engine.Options{SingleNode: true})
	single.Handle("page", handler)
	run(t, single)
	waitFor(t, started, 5*time.Second, "job released at start")
	if !strings.Contains(e.logs.String(), "released jobs left running") {
		t.Error("the release was not logged")
	}
}

// TestNotifyWakesRun: with a poll of an hour, a job committed while the
// loop sleeps starts at once because the store notifies the engine.
func TestNotifyWakesRun(t *testing.T) {
	t.Parallel()
	e := setup(t)
	eng := e.engine(engine.Options{Poll: time.Hour, Now: time.Now})
	e.db.OnJobs(eng.Notify)
	started := make(chan time.Time, 1)
	eng.Handle("page", func(ctx context.Context, j engine.Job) error { started <- time.Now(); return nil })
	run(t, eng)
	time.Sleep(100 * time.Millisecond) // the loop is asleep on its hour
	committed := time.Now()
	e.enqueue(t, engine.Job{Kind: "page", RunAt: committed})
	lag := waitFor(t, started, 5*time.Second, "job after Notify").Sub(committed)
	if lag > time.Second {
		t.Errorf("started %s after the commit, want well under a second", lag)
	}
	t.Logf("commit to start: %s", lag)
}

// TestScheduledOnTime: on the real clock a job due in 300ms starts then,
// not before and within a second after (the brief allows 1 s).
func TestScheduledOnTime(t *testing.T) {
	t.Parallel()
	e := setup(t)
	eng := e.engine(engine.Options{Now: time.Now, Poll: time.Hour})
	started := make(chan time.Time, 1)
	eng.Handle("escalate", func(ctx context.Context, j engine.Job) error { started <- time.Now(); return nil })
	due := time.Now().Add(300 * time.Millisecond)
	e.enqueue(t, engine.Job{Kind: "escalate", RunAt: due})
	run(t, eng)
	at := waitFor(t, started, 5*time.Second, "scheduled job")
	// The store keeps microseconds.
	if late := at.Sub(due.Truncate(time.Microsecond)); late < 0 || late > time.Second {
		t.Errorf("started %s after its time, want within [0, 1s]", late)
	} else {
		t.Logf("started %s after its time", late)
	}
}

// TestRunBoundsWorkersAndWaits: Run never runs more than Workers jobs at
// once, runs them all, and on stop waits for its handlers, whose ctx ends;
// an interrupted job is due again at once.
func TestRunBoundsWorkersAndWaits(t *testing.T) {
	t.Parallel()
	e := setup(t)
	eng := e.engine(engine.Options{Workers: 2, Poll: time.Hour})
	var now, peak, done atomic.Int32
	eng.Handle("work", func(ctx context.Context, j engine.Job) error {
		n := now.Add(1)
		defer now.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		done.Add(1)
		return nil
	})
	inHandler := make(chan struct{})
	returned := make(chan struct{})
	eng.Handle("block", func(ctx context.Context, j engine.Job) error {
		close(inHandler)
		<-ctx.Done()
		time.Sleep(50 * time.Millisecond) // stop must wait for this
		close(returned)
		return ctx.Err()
	})
	for i := range 7 {
		e.enqueue(t, engine.Job{ID: fmt.Sprintf("w%d", i), Kind: "work"})
	}
	stop := run(t, eng)
	deadline := time.Now().Add(10 * time.Second)
	for done.Load() < 7 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if done.Load() != 7 || peak.Load() != 2 {
		t.Errorf("ran %d of 7 jobs, at most %d at once; want all, 2 at once", done.Load(), peak.Load())
	}
	e.enqueue(t, engine.Job{ID: "b", Kind: "block"})
	eng.Notify()
	waitFor(t, inHandler, 5*time.Second, "blocking job")
	stop()
	select {
	case <-returned:
	default:
		t.Fatal("Run returned before its handler did")
	}
	jobs, err := e.db.Claim(e.ctx, "check", t0, time.Minute, 10)
	if err != nil || len(jobs) != 1 || jobs[0].ID != "b" || jobs[0].Attempt != 1 || jobs[0].LastError != "context canceled" {
		t.Errorf("after stop: %+v, %v; want b due at once", jobs, err)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	e := setup(t)
	reg := prometheus.NewRegistry()
	eng := e.engine(engine.Options{Registry: reg})
	eng.Handle("page", func(ctx context.Context, j engine.Job) error { return nil })
	eng.Handle("bad", func(ctx context.Context, j engine.Job) error { return engine.Permanent(errors.New("no")) })
	e.enqueue(t, engine.Job{Kind: "page", RunAt: t0.Add(-2 * time.Second)}, engine.Job{Kind: "bad"})
	e.runDue(t, eng, 2)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName() + "/" + m.GetLabel()[0].GetValue()
			switch {
			case m.GetCounter() != nil:
				got[key] = m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				got[key] = m.GetHistogram().GetSampleSum()
			}
		}
	}
	want := map[string]float64{
		"firebreak_jobs_run_total/page": 1, "firebreak_jobs_run_total/bad": 1,
		"firebreak_jobs_failed_total/bad": 1, "firebreak_jobs_dead_total/bad": 1,
		"firebreak_jobs_lag_seconds/page": 2, "firebreak_jobs_lag_seconds/bad": 0,
	}
	if !maps.Equal(got, want) {
		t.Errorf("metrics = %v, want %v", got, want)
	}
}

func TestHandleMisuse(t *testing.T) {
	t.Parallel()
	e := setup(t)
	eng := e.engine(engine.Options{})
	h := func(ctx context.Context, j engine.Job) error { return nil }
	eng.Handle("page", h)
	for name, f := range map[string]func(){
		"twice":   func() { eng.Handle("page", h) },
		"no kind": func() { eng.Handle("", h) },
		"no func": func() { eng.Handle("x", nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Handle %s did not panic", name)
				}
			}()
			f()
		}()
	}
	stop := run(t, eng)
	stop()
	if err := eng.Run(context.Background()); err == nil {
		t.Error("a second Run did not fail")
	}
}
