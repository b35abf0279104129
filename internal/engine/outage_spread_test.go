package engine

import (
	"errors"
	"log/slog"
	"testing"
	"time"
)

// TestOutageSpread: each wait is the doubling ±20%, never above the
// ceiling, and random by default, so nodes that lose the database
// together do not retry together.
func TestOutageSpread(t *testing.T) {
	const poll = 500 * time.Millisecond
	waits := func(jitter func() float64, n int) []time.Duration {
		o := outage{log: slog.New(slog.DiscardHandler), now: time.Now, poll: poll, jitter: jitter}
		var out []time.Duration
		for range n {
			out = append(out, o.failed(errors.New("down")))
		}
		return out
	}
	nominal := []time.Duration{poll, 2 * poll, 4 * poll, 8 * poll, 16 * poll, 32 * poll, 30 * time.Second, 30 * time.Second, 30 * time.Second}
	for _, tc := range []struct {
		name   string
		jitter float64
		factor float64
	}{
		{"none", 0.5, 1},
		{"shortest", 0, 0.8},
		{"longest", 0.999999999, 1.2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := waits(func() float64 { return tc.jitter }, len(nominal))
			for i, w := range nominal {
				want := min(time.Duration(float64(w)*tc.factor), maxClaimBackoff)
				if d := got[i] - want; d < -time.Microsecond || d > time.Microsecond {
					t.Errorf("wait %d = %s, want %s", i, got[i], want)
				}
			}
		})
	}

	// The default draws: within the bounds, and not one spacing for all.
	a, b := waits(nil, len(nominal)), waits(nil, len(nominal))
	same := true
	for i, w := range nominal {
		for _, got := range []time.Duration{a[i], b[i]} {
			if got < time.Duration(float64(w)*0.8) || got > min(time.Duration(float64(w)*1.2), maxClaimBackoff) {
				t.Errorf("wait %d = %s, outside %s ±20%% (at most %s)", i, got, w, maxClaimBackoff)
			}
		}
		same = same && a[i] == b[i]
	}
	if same {
		t.Errorf("two outages waited exactly alike (%v): no spread", a)
	}
}
