package engine_test

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

// downStore is a memStore whose claims fail while down is set, as the
// real stores' do while the database cannot be reached; it records when
// each claim was tried.
type downStore struct {
	*memStore
	mu     sync.Mutex
	down   bool
	claims []time.Time
}

func (d *downStore) setDown(v bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.down = v
}

func (d *downStore) tries() []time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.claims)
}

func (d *downStore) Claim(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]engine.Job, error) {
	d.mu.Lock()
	d.claims = append(d.claims, time.Now())
	down := d.down
	d.mu.Unlock()
	if down {
		e := errs.E(errs.Unavailable, "", "the database cannot be reached; retry in a moment")
		e.RetryAfter = 5 * time.Second
		return nil, e
	}
	return d.memStore.Claim(ctx, worker, now, lease, limit)
}

// records keeps every log record, for counting.
type records struct {
	mu  sync.Mutex
	all []slog.Record
}

func (r *records) Enabled(context.Context, slog.Level) bool { return true }
func (r *records) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *records) WithGroup(string) slog.Handler            { return r }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, rec.Clone())
	return nil
}

// atLeast returns the messages of the records at level l or above.
func (r *records) atLeast(l slog.Level) []slog.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []slog.Record
	for _, rec := range r.all {
		if rec.Level >= l {
			out = append(out, rec)
		}
	}
	return out
}

func attr(rec slog.Record, key string) slog.Value {
	var v slog.Value
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value
			return false
		}
		return true
	})
	return v
}

// TestClaimBacksOffWhileTheDatabaseIsDown: while claims fail the loop
// tries again after 0.5 s, 1 s, 2 s … up to 30 s (without the ±20%
// spread, fixed here), logs one warning when
// the database goes and one line when it is back (with how long it was
// gone), and starts the backoff over after a claim works.
func TestClaimBacksOffWhileTheDatabaseIsDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		s := &downStore{memStore: newMemStore(), down: true}
		logs := &records{}
		e := engine.New(s, engine.Options{Poll: 500 * time.Millisecond, Logger: slog.New(logs)})
		engine.SetClaimJitter(e, func() float64 { return 0.5 }) // exact times; TestOutageSpread checks the spread
		starts := make(chan time.Time, 4)
		e.Handle("page", func(ctx context.Context, j engine.Job) error { starts <- time.Now(); return nil })
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { e.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()

		time.Sleep(100 * time.Second)
		synctest.Wait()
		var got []time.Duration
		for _, at := range s.tries() {
			got = append(got, at.Sub(start))
		}
		s2 := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
		want := []time.Duration{0, s2(0.5), s2(1.5), s2(3.5), s2(7.5), s2(15.5), s2(31.5), s2(61.5), s2(91.5)}
		if !slices.Equal(got, want) {
			t.Fatalf("claims while down at %v, want %v", got, want)
		}
		warn := logs.atLeast(slog.LevelInfo)
		if len(warn) != 1 || warn[0].Level != slog.LevelWarn || warn[0].Message != "database unreachable: claiming jobs backs off until it answers" {
			t.Fatalf("logs while down (info and above): %v, want one warning", warn)
		}

		// Back at 100 s: the next claim (91.5 + 30 s) works and runs the
		// job that was due meanwhile.
		s.setDown(false)
		s.Enqueue(t.Context(), engine.Job{ID: "j", Kind: "page", RunAt: time.Now()})
		time.Sleep(25 * time.Second)
		synctest.Wait()
		select {
		case at := <-starts:
			if d := at.Sub(start); d != s2(121.5) {
				t.Errorf("the job started at +%s, want +121.5s", d)
			}
		default:
			t.Fatal("no job ran after the database came back")
		}
		after := logs.atLeast(slog.LevelInfo)
		if len(after) != 2 || after[1].Level != slog.LevelInfo || after[1].Message != "database reachable again: claiming jobs resumes" {
			t.Fatalf("logs after recovery: %v, want the warning and one info", after)
		}
		if d := attr(after[1], "down_for").Duration(); d != s2(121.5) {
			t.Errorf("down_for = %s, want 121.5s", d)
		}

		// Down again: the backoff starts over from Poll, with a new warning.
		s.setDown(true)
		n := len(s.tries())
		time.Sleep(2 * time.Second)
		synctest.Wait()
		tries := s.tries()[n:]
		if len(tries) != 3 || tries[1].Sub(tries[0]) != s2(0.5) || tries[2].Sub(tries[1]) != time.Second {
			t.Errorf("claims after the second outage began: %v, want spaced 0.5 s then 1 s", tries)
		}
		if n := len(logs.atLeast(slog.LevelWarn)); n != 2 {
			t.Errorf("%d warnings after two outages, want 2", n)
		}
	})
}
