package auth_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func TestLimiter(t *testing.T) {
	t.Parallel()
	// Each step is an Attempt on keys at minute at (from t0), after the
	// given Forgive/Reset, and whether it is refused.
	type step struct {
		at      time.Duration
		reset   string
		forgive string
		keys    []string
		refused bool
	}
	user := []string{"user:alice", "addr:192.0.2.1"}
	fails := func(at time.Duration, keys []string, n int) []step {
		var s []step
		for range n {
			s = append(s, step{at: at, keys: keys})
		}
		return s
	}
	cat := func(parts ...[]step) []step {
		var out []step
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"five failures lock the sixth", cat(fails(0, user, 5), []step{{at: time.Minute, keys: user, refused: true}})},
		{"four failures do not", cat(fails(0, user, 4), []step{{at: time.Minute, keys: user}})},
		{"locked until the window ends", cat(fails(0, user, 5), []step{
			{at: 14*time.Minute + 59*time.Second, keys: user, refused: true},
			{at: 15 * time.Minute, keys: user},
		})},
		{"failures spread past the window do not lock", cat(fails(0, user, 4), fails(16*time.Minute, user, 4), []step{{at: 17 * time.Minute, keys: user}})},
		{"refused attempts do not extend the lock", cat(fails(0, user, 5), []step{
			{at: 10 * time.Minute, keys: user, refused: true},
			{at: 15 * time.Minute, keys: user},
		})},
		{"reset clears the count", cat(fails(0, user, 4), []step{{at: time.Minute, reset: "user:alice", keys: []string{"user:alice"}}}, fails(time.Minute, []string{"user:alice"}, 3), []step{{at: 2 * time.Minute, keys: []string{"user:alice"}}})},
		{"forgive takes one back", cat(fails(0, user, 5), []step{{at: time.Minute, forgive: "user:alice", keys: []string{"user:alice"}}, {at: time.Minute, keys: []string{"user:alice"}, refused: true}})},
		{"a locked address refuses every user", cat(
			fails(0, []string{"user:alice", "addr:192.0.2.1"}, 2),
			fails(0, []string{"user:bob", "addr:192.0.2.1"}, 3),
			[]step{
				{at: time.Minute, keys: []string{"user:carol", "addr:192.0.2.1"}, refused: true},
				{at: time.Minute, keys: []string{"user:carol", "addr:198.51.100.7"}},
				{at: time.Minute, keys: []string{"user:alice", "addr:198.51.100.7"}},
			})},
		{"a locked user is refused from every address", cat(
			fails(0, []string{"user:alice", "addr:192.0.2.1"}, 5),
			[]step{{at: time.Minute, keys: []string{"user:alice", "addr:198.51.100.7"}, refused: true}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := storetest.NewClock(t0)
			l := auth.NewLimiter(clock.Now)
			for i, s := range tt.steps {
				clock.Advance(t0.Add(s.at).Sub(clock.Now()))
				if s.reset != "" {
					l.Reset(s.reset)
				}
				if s.forgive != "" {
					l.Forgive(s.forgive)
				}
				err := l.Attempt(s.keys...)
				if refused := errs.CodeOf(err) == errs.RateLimited; refused != s.refused || (err != nil && !refused) {
					t.Fatalf("step %d at %s on %v: got %v, want refused %v", i, s.at, s.keys, err, s.refused)
				}
			}
		})
	}
}

func TestLimiterSaysWhenToRetry(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock(t0)
	l := auth.NewLimiter(clock.Now)
	for range 5 {
		l.Attempt("user:alice")
	}
	clock.Advance(10*time.Minute + 30*time.Second)
	err := l.Attempt("user:alice")
	want := "too many failed sign-in attempts; try again after 2026-11-25T10:15:00Z (in 4m30s)"
	if errs.CodeOf(err) != errs.RateLimited || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	if ra := errs.RetryAfter(err); ra != "270" {
		t.Fatalf("Retry-After %q, want 270 (4m30s)", ra)
	}
}

func TestLimiterIsSafeAndBoundedUnderLoad(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock(t0)
	l := auth.NewLimiter(clock.Now)
	// Parallel guesses on one key: exactly five get through.
	var wg sync.WaitGroup
	var mu sync.Mutex
	admitted := 0
	for range 50 {
		wg.Go(func() {
			if l.Attempt("user:alice") == nil {
				mu.Lock()
				admitted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if admitted != auth.MaxFailures {
		t.Fatalf("%d parallel attempts admitted, want %d", admitted, auth.MaxFailures)
	}
	// Ended windows are pruned.
	for i := range 1000 {
		l.Attempt(fmt.Sprintf("user:u%d", i))
	}
	clock.Advance(auth.FailureWindow)
	l.Attempt("user:late")
	if n := auth.LimiterKeys(l); n != 1 {
		t.Fatalf("%d keys after the window, want 1", n)
	}
}
