package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/engine"
)

// fakeHolder is an engine that holds jobs when willing and records what
// it is handed and how often it is woken.
type fakeHolder struct {
	willing bool
	mu      sync.Mutex
	taken   []engine.Job
	woken   int
}

func (h *fakeHolder) Hold(j engine.Job) (engine.Job, bool) {
	if !h.willing {
		return j, false
	}
	j.Holder, j.RunAt = "engine-1", jobsT0.Add(30*time.Second)
	return j, true
}

func (h *fakeHolder) Take(jobs ...engine.Job) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.taken = append(h.taken, jobs...)
}

func (h *fakeHolder) Notify() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.woken++
}

// TestHeldJobs: a job the engine holds is stored leased to it and handed
// over only once its transaction committed; a body that fails hands over
// nothing and stores nothing; a job the engine does not take is stored
// pending, to be claimed.
func TestHeldJobs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e jobsEnv) {
		ctx := context.Background()
		fail := errors.New("the body fails after holding")
		for _, tc := range []struct {
			name      string
			willing   bool
			bodyErr   error
			wantTaken int
			wantState string // "" when nothing is stored
		}{
			{"held", true, nil, 1, "running"},
			{"body fails", true, fail, 0, ""},
			{"not taken", false, nil, 0, "pending"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				h := &fakeHolder{willing: tc.willing}
				e.db.UseEngine(h)
				t.Cleanup(func() { e.db.holder.Store(nil); e.db.OnJobs(nil) })
				jobs := []engine.Job{{Kind: "page"}}
				var seenInTx int
				err := e.db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
					n, err := e.db.holdJobs(ctx, jobs)
					if err != nil {
						return err
					}
					if err := e.db.insertJobs(ctx, tx, jobs...); err != nil {
						return err
					}
					h.mu.Lock()
					seenInTx = len(h.taken)
					h.mu.Unlock()
					if n != tc.wantTaken && tc.bodyErr == nil {
						t.Errorf("holdJobs = %d, want %d", n, tc.wantTaken)
					}
					return tc.bodyErr
				})
				if !errors.Is(err, tc.bodyErr) {
					t.Fatalf("tx = %v, want %v", err, tc.bodyErr)
				}
				if seenInTx != 0 {
					t.Error("a held job was handed over before its commit")
				}
				if len(h.taken) != tc.wantTaken {
					t.Fatalf("handed over %d jobs, want %d", len(h.taken), tc.wantTaken)
				}
				if h.woken != 0 {
					t.Errorf("holdJobs woke the engine %d times; its caller decides", h.woken)
				}
				var n int
				if err := e.db.read.QueryRow(e.db.dialect.q(`SELECT COUNT(*) FROM jobs WHERE id = ?`), jobs[0].ID).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if tc.wantState == "" {
					if n != 0 {
						t.Error("the failed body's job was stored")
					}
					return
				}
				state, by, until, _, _ := jobRow(t, e.db, jobs[0].ID)
				if state != tc.wantState {
					t.Errorf("stored %s, want %s", state, tc.wantState)
				}
				if tc.wantTaken > 0 {
					if got := h.taken[0]; got.ID != jobs[0].ID || by != "engine-1" || until == nil || !until.Equal(jobsT0.Add(30*time.Second)) {
						t.Errorf("handed %s, stored leased by %q until %v; want %s leased by engine-1 until +30s", got.ID, by, until, jobs[0].ID)
					}
					if ids := claim(t, e.db, "other", jobsT0.Add(29*time.Second), time.Minute, 10); len(ids) != 0 {
						t.Errorf("a held job was claimable within its lease: %v", ids)
					}
				}
			})
		}
	})
}
