package engine_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/firebreak-ir/firebreak/internal/engine"
)

// These tests run Run in a testing/synctest bubble, where time is fake
// and advances only when every goroutine is blocked, so "at 10 s, not
// before" is checked exactly and instantly. database/sql keeps goroutines
// and channels of its own outside the bubble, so they use memStore, an
// in-memory Store with the same rules as the real ones.

type memJob struct {
	engine.Job
	lockedUntil time.Time
	lockedBy    string
}

type memStore struct {
	mu     sync.Mutex
	jobs   map[string]*memJob
	claims int // Claim calls
}

var _ engine.Store = (*memStore)(nil)

func newMemStore() *memStore { return &memStore{jobs: map[string]*memJob{}} }

func (m *memStore) Enqueue(ctx context.Context, jobs ...engine.Job) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, j := range jobs {
		j.State = engine.Pending
		if j.MaxAttempts == 0 {
			j.MaxAttempts = engine.DefaultMaxAttempts
		}
		m.jobs[j.ID] = &memJob{Job: j}
	}
	return nil
}

// hold writes j as a store writes a job with a Holder: running, leased
// to its holder until its RunAt.
func (m *memStore) hold(j engine.Job) {
	m.mu.Lock()
	defer m.mu.Unlock()
	until := j.RunAt
	j.State, j.RunAt = engine.Running, time.Now()
	m.jobs[j.ID] = &memJob{Job: j, lockedUntil: until, lockedBy: j.Holder}
}

func (m *memStore) claimed() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.claims
}

func (m *memStore) Claim(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]engine.Job, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.claims++
	var due []*memJob
	for _, j := range m.jobs {
		if (j.State == engine.Pending && !j.RunAt.After(now)) || (j.State == engine.Running && !j.lockedUntil.After(now)) {
			due = append(due, j)
		}
	}
	slices.SortFunc(due, func(a, b *memJob) int { return a.RunAt.Compare(b.RunAt) })
	var out []engine.Job
	for _, j := range due[:min(limit, len(due))] {
		j.State, j.lockedUntil, j.lockedBy = engine.Running, now.Add(lease), worker
		out = append(out, j.Job)
	}
	return out, nil
}

func (m *memStore) Complete(ctx context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.jobs, id)
	return nil
}

func (m *memStore) Retry(ctx context.Context, id string, runAt time.Time, errText string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	j := m.jobs[id]
	j.State, j.RunAt, j.LastError = engine.Pending, runAt, errText
	j.Attempt++
	return nil
}

func (m *memStore) Snooze(ctx context.Context, id string, runAt time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	j := m.jobs[id]
	j.State, j.RunAt, j.lockedBy = engine.Pending, runAt, ""
	return nil
}

func (m *memStore) Bury(ctx context.Context, id string, now time.Time, errText string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	j := m.jobs[id]
	j.State, j.LastError = engine.Dead, errText
	j.Attempt++
	return nil
}

func (m *memStore) NextRunAt(ctx context.Context) (time.Time, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var next time.Time
	for _, j := range m.jobs {
		t := j.RunAt
		switch j.State {
		case engine.Running:
			t = j.lockedUntil
		case engine.Dead:
			continue
		}
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return next, !next.IsZero(), nil
}

func (m *memStore) LeaseOwners(ctx context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, j := range m.jobs {
		if j.State == engine.Running && !seen[j.lockedBy] {
			seen[j.lockedBy] = true
			out = append(out, j.lockedBy)
		}
	}
	return out, nil
}

func (m *memStore) Release(ctx context.Context, owners []string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, j := range m.jobs {
		if j.State == engine.Running && slices.Contains(owners, j.lockedBy) {
			j.State, j.lockedBy = engine.Pending, ""
			n++
		}
	}
	return n, nil
}

func (m *memStore) DeadJobs(ctx context.Context, limit int) ([]engine.Job, error) {
	return nil, nil
}

// bubble starts an engine on a memStore inside the current synctest
// bubble; starts receives the (fake) time each job starts. The engine is
// stopped when the bubble's test ends.
func bubble(t *testing.T, s *memStore, o engine.Options) (*engine.Engine, <-chan time.Time) {
	starts := make(chan time.Time, 16)
	e := engine.New(s, o)
	e.Handle("page", func(ctx context.Context, j engine.Job) error { starts <- time.Now(); return nil })
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return e, starts
}

func noStart(t *testing.T, starts <-chan time.Time, when string) {
	t.Helper()
	synctest.Wait()
	select {
	case at := <-starts:
		t.Fatalf("%s: a job started at %s", when, at)
	default:
	}
}

func started(t *testing.T, starts <-chan time.Time, when string) time.Time {
	t.Helper()
	synctest.Wait()
	select {
	case at := <-starts:
		return at
	default:
		t.Fatalf("%s: no job started", when)
		return time.Time{}
	}
}

// TestScheduledAtItsTime: a job due in 10 s starts at 10 s, not a moment
// before and not later (the loop sleeps until the next due time, not a
// whole Poll).
func TestScheduledAtItsTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		due := start.Add(10 * time.Second)
		s := newMemStore()
		s.Enqueue(t.Context(), engine.Job{ID: "j", Kind: "page", RunAt: due})
		_, starts := bubble(t, s, engine.Options{Poll: 3 * time.Second})
		time.Sleep(10*time.Second - time.Millisecond)
		noStart(t, starts, "1ms before its time")
		time.Sleep(time.Millisecond)
		if at := started(t, starts, "at its time"); !at.Equal(due) {
			t.Errorf("started %s after its time", at.Sub(due))
		}
	})
}

// TestNotifyWakesTheLoop: a job that appears while the loop sleeps on an
// hour-long Poll waits for it, unless Notify is called: then it starts at
// once.
func TestNotifyWakesTheLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newMemStore()
		e, starts := bubble(t, s, engine.Options{Poll: time.Hour})
		synctest.Wait() // asleep
		s.Enqueue(t.Context(), engine.Job{ID: "j", Kind: "page", RunAt: time.Now()})
		time.Sleep(time.Minute)
		noStart(t, starts, "a minute later without Notify")
		notified := time.Now()
		e.Notify()
		if at := started(t, starts, "after Notify"); !at.Equal(notified) {
			t.Errorf("started %s after Notify, want at once", at.Sub(notified))
		}
	})
}

// TestLeaseEndsInRun: Run takes over a job whose worker died exactly when
// its lease ends, and at once with SingleNode.
func TestLeaseEndsInRun(t *testing.T) {
	for _, single := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			start := time.Now()
			s := newMemStore()
			s.Enqueue(t.Context(), engine.Job{ID: "j", Kind: "page", RunAt: start})
			s.Claim(t.Context(), "died", start, 30*time.Second, 1)
			_, starts := bubble(t, s, engine.Options{SingleNode: single})
			if single {
				if at := started(t, starts, "single node"); !at.Equal(start) {
					t.Errorf("single node: started after %s, want at once", at.Sub(start))
				}
				return
			}
			time.Sleep(30*time.Second - time.Millisecond)
			noStart(t, starts, "before the lease ends")
			time.Sleep(time.Millisecond)
			if at := started(t, starts, "when the lease ends"); !at.Equal(start.Add(30 * time.Second)) {
				t.Errorf("started at +%s, want +30s", at.Sub(start))
			}
		})
	}
}

// TestHandlerDeadlineBeforeLease: a handler's ctx ends before its lease.
func TestHandlerDeadlineBeforeLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newMemStore()
		e := engine.New(s, engine.Options{Lease: 10 * time.Second})
		var left time.Duration
		e.Handle("slow", func(ctx context.Context, j engine.Job) error {
			start := time.Now()
			<-ctx.Done()
			left = 10*time.Second - time.Since(start)
			return ctx.Err()
		})
		s.Enqueue(t.Context(), engine.Job{ID: "j", Kind: "slow", RunAt: time.Now()})
		if n, err := e.RunDue(t.Context()); n != 1 || err != nil {
			t.Fatalf("RunDue = %d, %v", n, err)
		}
		if left <= 0 {
			t.Errorf("the handler's ctx ended %s after its lease", -left)
		}
		if j := s.jobs["j"]; j.State != engine.Pending || j.LastError != "context deadline exceeded" {
			t.Errorf("after the deadline: %+v", j.Job)
		}
	})
}

// TestHeldJobRunsWithoutClaim: a job held for the engine and handed over
// after its commit starts at once without a claim, and is completed; an
// engine that is not running holds nothing.
func TestHeldJobRunsWithoutClaim(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newMemStore()
		idle := engine.New(s, engine.Options{})
		if _, ok := idle.Hold(engine.Job{ID: "x", Kind: "page"}); ok {
			t.Error("an engine that is not running held a job")
		}
		e, starts := bubble(t, s, engine.Options{Poll: time.Hour})
		synctest.Wait() // asleep
		claims := s.claimed()
		j, ok := e.Hold(engine.Job{ID: "j", Kind: "page"})
		if !ok || j.Holder != e.Owner() || !j.RunAt.Equal(time.Now().Add(30*time.Second)) {
			t.Fatalf("Hold = %+v, %v; want held by %s for the lease", j, ok, e.Owner())
		}
		s.hold(j)
		handed := time.Now()
		e.Take(j)
		if at := started(t, starts, "after Take"); !at.Equal(handed) {
			t.Errorf("started %s after Take, want at once", at.Sub(handed))
		}
		synctest.Wait()
		if n := s.claimed(); n != claims {
			t.Errorf("%d claims for a held job, want none", n-claims)
		}
		s.mu.Lock()
		_, left := s.jobs["j"]
		s.mu.Unlock()
		if left {
			t.Error("the held job was not completed")
		}
	})
}

// TestHeldJobLateLeftToItsLease: a held job handed over when more than
// half its lease has passed is not started then (its handler could
// outlive the lease and the job run twice), but claimed when the lease
// ends.
func TestHeldJobLateLeftToItsLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newMemStore()
		e, starts := bubble(t, s, engine.Options{Poll: time.Second})
		synctest.Wait()
		held := time.Now()
		j, ok := e.Hold(engine.Job{ID: "j", Kind: "page"})
		if !ok {
			t.Fatal("not held")
		}
		s.hold(j)
		time.Sleep(16 * time.Second)
		e.Take(j)
		noStart(t, starts, "handed over 16 s into a 30 s lease")
		time.Sleep(14*time.Second - time.Millisecond)
		noStart(t, starts, "just before the lease ends")
		time.Sleep(time.Second)
		if at := started(t, starts, "after the lease"); at.Before(held.Add(30*time.Second)) || at.After(held.Add(31*time.Second)) {
			t.Errorf("started at +%s, want at the lease's end (+30s, within the 1 s poll)", at.Sub(held))
		}
	})
}
