package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/engine"
)

// TestJobsHolderAndRelease: a job written with a Holder is running, leased
// to the holder until its RunAt and due now; Release of that owner makes
// it pending and claimable at once, and leaves other owners' leases alone.
func TestJobsHolderAndRelease(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e jobsEnv) {
		ctx := context.Background()
		now := e.now
		enqueue(t, e.db, engine.Job{ID: "held", Kind: "k", RunAt: now.Add(20 * time.Second), Holder: "h/1/1/a"},
			engine.Job{ID: "other", Kind: "k"})
		state, by, until, _, _ := jobRow(t, e.db, "held")
		if state != "running" || by != "h/1/1/a" || until == nil || !until.Equal(now.Add(20*time.Second)) {
			t.Fatalf("held row: %s by %q until %v", state, by, until)
		}
		claim(t, e.db, "n/2/2/b", now, time.Hour, 10) // takes "other"
		if got := claim(t, e.db, "w", now, time.Minute, 10); len(got) != 0 {
			t.Fatalf("claimed %v while their leases run", got)
		}
		owners, err := e.db.LeaseOwners(ctx)
		if err != nil || !slices.Equal(owners, []string{"h/1/1/a", "n/2/2/b"}) {
			t.Fatalf("LeaseOwners = %v, %v", owners, err)
		}
		n, err := e.db.Release(ctx, []string{"h/1/1/a"})
		if err != nil || n != 1 {
			t.Fatalf("Release = %d, %v; want 1", n, err)
		}
		if got := claim(t, e.db, "w", now, time.Minute, 10); !slices.Equal(got, []string{"held"}) {
			t.Errorf("claim after release = %v, want [held] at once", got)
		}
		// The lease of a held job also runs out by itself.
		enqueue(t, e.db, engine.Job{ID: "held2", Kind: "k", RunAt: now.Add(20 * time.Second), Holder: "h/1/1/a"})
		if got := claim(t, e.db, "w", now.Add(20*time.Second), time.Minute, 10); !slices.Equal(got, []string{"held2"}) {
			t.Errorf("claim when the lease ends = %v, want [held2]", got)
		}
	})
}
