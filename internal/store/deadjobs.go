package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// Dead jobs, for admins: every job that failed for good (a delivery whose
// receiver refused it, a job of no known kind, one out of attempts) is
// kept dead with its last error until it is retried or discarded.

// ListDeadJobs lists the jobs in state (engine.Dead or engine.Discarded),
// newest first, at most limit of them, and how many there are in all.
func (db *DB) ListDeadJobs(ctx context.Context, state engine.State, limit int) ([]engine.DeadJob, int, error) {
	if state != engine.Dead && state != engine.Discarded {
		return nil, 0, errs.E(errs.Invalid, "state", "state must be dead or discarded, not %q", state)
	}
	var total int
	if err := db.read.QueryRowContext(ctx, db.dialect.q(`SELECT COUNT(*) FROM jobs WHERE state = ?`), string(state)).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count dead jobs: %w", err)
	}
	rows, err := db.read.QueryContext(ctx, db.dialect.q(`SELECT id, kind, state, attempt, max_attempts, last_error, created_at, finished_at
		FROM jobs WHERE state = ? ORDER BY finished_at DESC, id DESC LIMIT ?`), string(state), limit)
	if err != nil {
		return nil, 0, fmt.Errorf("dead jobs: %w", err)
	}
	defer rows.Close()
	out := []engine.DeadJob{}
	for rows.Next() {
		var j engine.DeadJob
		var st string
		var created dbTime
		var finished nullTime
		if err := rows.Scan(&j.ID, &j.Kind, &st, &j.Attempts, &j.MaxAttempts, &j.LastError, &created, &finished); err != nil {
			return nil, 0, fmt.Errorf("dead jobs: %w", err)
		}
		j.State, j.CreatedAt, j.FinishedAt = engine.State(st), created.Time, finished.T
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("dead jobs: %w", err)
	}
	return out, total, nil
}

// RetryDeadJob makes a dead job pending, due now, with its attempts
// counted afresh, and reopens what it works for (a failed page becomes
// pending again), in one transaction. A job that is not dead is NotFound,
// or a Conflict naming its state.
func (db *DB) RetryDeadJob(ctx context.Context, id string) error {
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var kind string
		if err := db.deadJobTx(ctx, tx, id, &kind); err != nil {
			return err
		}
		if err := db.settleDeadTx(ctx, tx, id, `UPDATE jobs SET state = 'pending', run_at = ?, attempt = 0, finished_at = NULL,
			locked_by = NULL, locked_until = NULL WHERE id = ? AND state = 'dead'`, db.dialect.t(db.now()), id); err != nil {
			return err
		}
		if kind == outbox.JobDeliver {
			// The delivery's ID is its job's; the outbox sends only pending ones.
			if _, err := db.execTx(ctx, tx, `UPDATE outbox_deliveries SET state = ? WHERE id = ? AND state = ?`,
				string(outbox.Pending), id, string(outbox.Failed)); err != nil {
				return fmt.Errorf("reopen delivery: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	db.jobsAdded()
	return nil
}

// DiscardDeadJob sets a dead job aside: state discarded, kept, never run.
func (db *DB) DiscardDeadJob(ctx context.Context, id string) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := db.deadJobTx(ctx, tx, id, new(string)); err != nil {
			return err
		}
		return db.settleDeadTx(ctx, tx, id, `UPDATE jobs SET state = 'discarded' WHERE id = ? AND state = 'dead'`, id)
	})
}

// deadJobTx reads the kind of job id, which must be dead.
func (db *DB) deadJobTx(ctx context.Context, tx *sql.Tx, id string, kind *string) error {
	var state string
	err := tx.QueryRowContext(ctx, db.dialect.q(`SELECT kind, state FROM jobs WHERE id = ?`), id).Scan(kind, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("id", "no job %s", id)
	}
	if err != nil {
		return fmt.Errorf("read job: %w", err)
	}
	if state != string(engine.Dead) {
		return errs.E(errs.Conflict, "state", "job %s is %s, not dead", id, state)
	}
	return nil
}

// settleDeadTx runs query, an update of dead job id; a job another
// request settled meanwhile is a Conflict.
func (db *DB) settleDeadTx(ctx context.Context, tx *sql.Tx, id, query string, args ...any) error {
	res, err := db.execTx(ctx, tx, query, args...)
	if err != nil {
		return fmt.Errorf("settle dead job: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("settle dead job: %w", err)
	} else if n == 0 {
		return errs.E(errs.Conflict, "state", "job %s is no longer dead", id)
	}
	return nil
}
