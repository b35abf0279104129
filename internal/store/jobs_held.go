package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/firebreak-ir/firebreak/internal/engine"
)

// JobHolder is the engine's side of held jobs (see engine.Engine.Hold):
// a job it holds is written leased to it and handed over after the
// commit, and runs without being claimed.
type JobHolder interface {
	Hold(j engine.Job) (engine.Job, bool)
	Take(jobs ...engine.Job)
	Notify()
}

// UseEngine wakes h after jobs commit (OnJobs) and lets it hold the jobs
// whose work starts at once (a new queue entry's page).
func (db *DB) UseEngine(h JobHolder) {
	db.OnJobs(h.Notify)
	db.holder.Store(&h)
}

// holderHook holds the JobHolder set by UseEngine.
type holderHook = atomic.Pointer[JobHolder]

// holdJobs leases to the engine those of jobs it takes, to be handed to
// it once tx commits, and returns how many it took. It works only inside
// db.tx (which runs the hand-over after the commit); elsewhere, or
// without an engine, the jobs stay as they are, to be claimed.
func (db *DB) holdJobs(ctx context.Context, jobs []engine.Job) (int, error) {
	hp := db.holder.Load()
	hooks := commitHooksOf(ctx)
	if hp == nil || hooks == nil {
		return 0, nil
	}
	h := *hp
	var held []engine.Job
	for i, j := range jobs {
		if j.ID == "" {
			id, err := uuid.NewV7()
			if err != nil {
				return 0, fmt.Errorf("job id: %w", err)
			}
			j.ID = id.String()
		}
		j, ok := h.Hold(j)
		jobs[i] = j
		if ok {
			held = append(held, j)
		}
	}
	if len(held) > 0 {
		hooks.add(func() { h.Take(held...) })
	}
	return len(held), nil
}

// commitHooks are what a transaction's body asks to run once its
// transaction has committed (see txIn); a body that fails, or runs again,
// leaves none of its earlier ones.
type commitHooks struct{ fns []func() }

type commitHooksKey struct{}

func commitHooksOf(ctx context.Context) *commitHooks {
	h, _ := ctx.Value(commitHooksKey{}).(*commitHooks)
	return h
}

func (h *commitHooks) add(fn func()) { h.fns = append(h.fns, fn) }

// withCommitHooks wraps fn so that what it adds with commitHooksOf runs
// by the returned run, once the caller knows the commit happened.
func withCommitHooks(fn func(ctx context.Context, tx *sql.Tx) error) (func(ctx context.Context, tx *sql.Tx) error, func()) {
	h := &commitHooks{}
	wrapped := func(ctx context.Context, tx *sql.Tx) error {
		clear(h.fns)
		h.fns = h.fns[:0]
		return fn(context.WithValue(ctx, commitHooksKey{}, h), tx)
	}
	return wrapped, func() {
		for _, f := range h.fns {
			f()
		}
	}
}
