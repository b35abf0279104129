package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/firebreak-ir/firebreak/internal/engine"
)

// TestSnoozeIsNotAnAttempt: a handler returning Snooze(d) is due again
// after d with its attempts and last error unchanged and no failure
// counted, however often it snoozes; then it runs as usual.
func TestSnoozeIsNotAnAttempt(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		reg := prometheus.NewRegistry()
		eng := e.engine(engine.Options{Registry: reg})
		var runs []int
		eng.Handle("snoozy", func(ctx context.Context, j engine.Job) error {
			runs = append(runs, j.Attempt)
			if len(runs) <= 10 {
				return engine.Snooze(2 * time.Second)
			}
			return nil
		})
		e.enqueue(t, engine.Job{ID: "s1", Kind: "snoozy", MaxAttempts: 2})
		e.runDue(t, eng, 1)
		for i := 0; i < 10; i++ {
			e.clock.Advance(time.Second)
			e.runDue(t, eng, 0) // not due before its 2 s
			e.clock.Advance(time.Second)
			e.runDue(t, eng, 1)
		}
		for i, a := range runs {
			if a != 0 {
				t.Fatalf("run %d saw attempt %d: a snooze counted as an attempt", i, a)
			}
		}
		if len(runs) != 11 || e.left(t) || len(e.dead(t)) != 0 {
			t.Fatalf("runs %d, left %v, dead %d; want 11 runs (more than MaxAttempts), done, none dead", len(runs), e.left(t), len(e.dead(t)))
		}
		mfs, _ := reg.Gather()
		for _, mf := range mfs {
			if mf.GetName() == "firebreak_jobs_failed_total" {
				t.Fatalf("a snooze counted as a failure: %v", mf)
			}
		}
		if d, ok := engine.SnoozedFor(engine.Snooze(3 * time.Second)); !ok || d != 3*time.Second || !strings.Contains(engine.Snooze(time.Second).Error(), "snoozed") {
			t.Fatalf("SnoozedFor = %s, %v", d, ok)
		}
	})
}
