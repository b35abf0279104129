package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/telemetry"
)

// Durable jobs (see package engine). Other store code writes jobs inside
// its own transactions with insertJobs and calls jobsAdded once they have
// committed, so the engine looks at once instead of at its next poll.

var _ engine.Store = (*DB)(nil)

// jobsHook holds the callback set by OnJobs. It is atomic because the
// engine is wired after the store is open and may be in use.
type jobsHook struct{ fn atomic.Pointer[func()] }

// OnJobs sets fn to be called after jobs were committed (typically the
// engine's Notify, which must not block). nil removes it.
func (db *DB) OnJobs(fn func()) {
	if fn == nil {
		db.onJobs.fn.Store(nil)
		return
	}
	db.onJobs.fn.Store(&fn)
}

// jobsAdded tells the engine that jobs were committed. Call it after the
// commit, never inside the transaction: the engine must be able to see them.
func (db *DB) jobsAdded() {
	if fn := db.onJobs.fn.Load(); fn != nil {
		(*fn)()
	}
}

// jobColumns are read into an engine.Job by scanJob, in this order.
const jobColumns = `id, kind, args, run_at, attempt, max_attempts, state, last_error`

func scanJob(s interface{ Scan(...any) error }) (engine.Job, error) {
	var j engine.Job
	var args, state string
	var runAt dbTime
	if err := s.Scan(&j.ID, &j.Kind, &args, &runAt, &j.Attempt, &j.MaxAttempts, &state, &j.LastError); err != nil {
		return engine.Job{}, err
	}
	j.Args, j.RunAt, j.State = json.RawMessage(args), runAt.Time, engine.State(state)
	return j, nil
}

// Enqueue stores jobs in a transaction of their own and wakes the engine.
func (db *DB) Enqueue(ctx context.Context, jobs ...engine.Job) error {
	if len(jobs) == 0 {
		return nil
	}
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return db.insertJobs(ctx, tx, jobs...)
	})
	if err != nil {
		return err
	}
	db.jobsAdded()
	return nil
}

// insertJobs writes jobs as pending in tx. An empty ID gets a UUIDv7, a
// zero RunAt means now, a zero MaxAttempts engine.DefaultMaxAttempts, and
// empty Args {}. The caller's jobs are not modified. A job whose ID is
// stored already is a conflict.
func (db *DB) insertJobs(ctx context.Context, tx *sql.Tx, jobs ...engine.Job) error {
	return db.writeJobs(ctx, tx, insertJobSQL, jobs)
}

// insertJobsIfAbsent is insertJobs leaving a job whose ID is stored
// already as it is: triggers name their jobs by what they are about
// (a task's reminder at its due time), so the same job derived again from
// a later event is written once.
func (db *DB) insertJobsIfAbsent(ctx context.Context, tx *sql.Tx, jobs ...engine.Job) error {
	return db.writeJobs(ctx, tx, insertJobIfAbsentSQL, jobs)
}

func (db *DB) writeJobs(ctx context.Context, tx *sql.Tx, query string, jobs []engine.Job) error {
	now := db.now()
	for _, j := range jobs {
		r, err := db.storedJobOf(j, now)
		if err != nil {
			return err
		}
		_, err = db.execTx(ctx, tx, query,
			r.id, r.kind, r.args, db.dialect.t(r.runAt), r.state, r.attempt, r.maxAttempts, db.dialect.t(now), r.lockedBy, r.lockedUntil)
		if db.dialect.isUnique(err) {
			return errs.E(errs.Conflict, "id", "job %s already exists", r.id)
		}
		if err != nil {
			return fmt.Errorf("insert job: %w", err)
		}
	}
	return nil
}

// storedJob is a job as insertJobs stores it, written at now.
type storedJob struct {
	id, kind, args, state string
	runAt                 time.Time
	attempt, maxAttempts  int
	lockedBy              any // string, or nil when not leased
	lockedUntil           any // dialect.t's value, or nil when not leased
}

// storedJobOf fills in j's defaults (see insertJobs) and checks it.
func (db *DB) storedJobOf(j engine.Job, now time.Time) (storedJob, error) {
	if j.Kind == "" {
		return storedJob{}, errs.E(errs.Invalid, "kind", "a job needs a kind")
	}
	if len(j.Args) == 0 {
		j.Args = json.RawMessage("{}")
	} else if !json.Valid(j.Args) {
		return storedJob{}, errs.E(errs.Invalid, "args", "the arguments of a %s job are not JSON", j.Kind)
	}
	if j.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return storedJob{}, fmt.Errorf("job id: %w", err)
		}
		j.ID = id.String()
	}
	if j.RunAt.IsZero() {
		j.RunAt = now
	}
	if j.MaxAttempts <= 0 {
		j.MaxAttempts = engine.DefaultMaxAttempts
	}
	r := storedJob{id: j.ID, kind: j.Kind, args: string(j.Args), state: string(engine.Pending), runAt: j.RunAt, attempt: j.Attempt, maxAttempts: j.MaxAttempts}
	if j.Holder != "" {
		// Leased to its holder until RunAt, and due the moment the
		// lease ends or is released.
		r.runAt, r.state, r.lockedUntil, r.lockedBy = now, string(engine.Running), db.dialect.t(j.RunAt), j.Holder
	}
	return r, nil
}

// The claim queries lease the due jobs in one statement. PostgreSQL locks
// the chosen rows with SKIP LOCKED, so concurrent claimers take disjoint
// sets; SQLite has one writer, so the subquery and the update cannot
// interleave with another claim.
const claimWhere = `(state = 'pending' AND run_at <= ?) OR (state = 'running' AND locked_until <= ?)`

var (
	claimSQLite = hot(`UPDATE jobs SET state = 'running', locked_by = ?, locked_until = ?
		WHERE id IN (SELECT id FROM jobs WHERE ` + claimWhere + ` ORDER BY run_at, id LIMIT ?)
		RETURNING ` + jobColumns)
	claimPostgres = `WITH due AS (
			SELECT id FROM jobs WHERE ` + claimWhere + ` ORDER BY run_at, id LIMIT ? FOR UPDATE SKIP LOCKED
		)
		UPDATE jobs SET state = 'running', locked_by = ?, locked_until = ?
		FROM due WHERE jobs.id = due.id
		RETURNING ` + prefixed("jobs.", jobColumns)
)

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}

// Claim leases up to limit due jobs to worker until now+lease, earliest
// RunAt first.
func (db *DB) Claim(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]engine.Job, error) {
	if limit <= 0 {
		return nil, nil
	}
	n, until := db.dialect.t(now), db.dialect.t(now.Add(lease))
	query, args := claimSQLite, []any{worker, until, n, n, limit}
	if db.dialect.postgres() {
		query, args = claimPostgres, []any{n, n, limit, worker, until}
	}
	var jobs []engine.Job
	read := func(rows *sql.Rows, err error) error {
		jobs = jobs[:0]
		if err != nil {
			return fmt.Errorf("claim jobs: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			j, err := scanJob(rows)
			if err != nil {
				return fmt.Errorf("claim jobs: %w", err)
			}
			jobs = append(jobs, j)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("claim jobs: %w", err)
		}
		return nil
	}
	var err error
	if db.redo.DB != nil {
		// One statement committing on its own (redo.go).
		ctx, span := telemetry.Start(ctx, "store.tx")
		err = read(db.redo.QueryContext(ctx, db.dialect.q(query), args...))
		telemetry.End(span, err)
	} else {
		err = db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
			return read(db.queryTx(ctx, tx, query, args...))
		})
	}
	if err != nil {
		return nil, err
	}
	// RETURNING follows no ORDER BY.
	slices.SortFunc(jobs, func(a, b engine.Job) int {
		if c := a.RunAt.Compare(b.RunAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return jobs, nil
}

// exec runs one write statement in a transaction and returns the rows it
// changed.
func (db *DB) exec(ctx context.Context, what, query string, args ...any) (int64, error) {
	return db.execWith(ctx, db.tx, what, query, args...)
}

// execWith is exec in a transaction run by txFn.
func (db *DB) execWith(ctx context.Context, txFn func(context.Context, func(context.Context, *sql.Tx) error) error, what, query string, args ...any) (int64, error) {
	var n int64
	err := txFn(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := db.execTx(ctx, tx, query, args...)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		n, err = res.RowsAffected()
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	})
	return n, err
}

// execJob runs a write on one job; a missing job is NotFound. It is
// bookkeeping of the engine's, redone after a crash (redo.go): a completion, retry or snooze
// lost with the last moments before a crash of PostgreSQL runs the job
// again, which every handler allows. A job buried by the engine is not
// redone, and is written by exec.
func (db *DB) execJob(ctx context.Context, what, id, query string, args ...any) error {
	n, err := db.redoExec(ctx, what, query, args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound("id", "no job %s", id)
	}
	return nil
}

// Complete removes a finished job.
func (db *DB) Complete(ctx context.Context, id string) error {
	return db.execJob(ctx, "complete job", id, deleteJobSQL, id)
}

// Retry puts a failed job back to pending at runAt, one more attempt
// counted and errText kept.
func (db *DB) Retry(ctx context.Context, id string, runAt time.Time, errText string) error {
	return db.execJob(ctx, "retry job", id, `UPDATE jobs SET state = 'pending', run_at = ?, attempt = attempt + 1,
		last_error = ?, locked_by = NULL, locked_until = NULL WHERE id = ?`,
		db.dialect.t(runAt), errText, id)
}

// Snooze puts a job back to pending at runAt, no attempt counted.
func (db *DB) Snooze(ctx context.Context, id string, runAt time.Time) error {
	return db.execJob(ctx, "snooze job", id, `UPDATE jobs SET state = 'pending', run_at = ?,
		locked_by = NULL, locked_until = NULL WHERE id = ? AND state IN ('pending', 'running')`,
		db.dialect.t(runAt), id)
}

// Bury marks a job dead, one more attempt counted and errText kept. A job
// its handler already buried in its own transaction (buryJobSQL) is left
// as it is, and NotFound.
func (db *DB) Bury(ctx context.Context, id string, now time.Time, errText string) error {
	n, err := db.exec(ctx, "bury job", buryJobSQL, db.dialect.t(now), errText, id)
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound("id", "no job %s", id)
	}
	return nil
}

// buryJobSQL marks a job dead (now, last error, id) unless it already is.
const buryJobSQL = `UPDATE jobs SET state = 'dead', attempt = attempt + 1, finished_at = ?,
		last_error = ?, locked_by = NULL, locked_until = NULL WHERE id = ? AND state <> 'dead'`

// NextRunAt is the earliest RunAt of a pending job or lease end of a
// running one.
func (db *DB) NextRunAt(ctx context.Context) (time.Time, bool, error) {
	var t nullTime
	err := db.read.QueryRowContext(ctx, `SELECT MIN(t) FROM (
		SELECT MIN(run_at) AS t FROM jobs WHERE state = 'pending'
		UNION ALL
		SELECT MIN(locked_until) AS t FROM jobs WHERE state = 'running'
	) AS next`).Scan(&t)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next job: %w", err)
	}
	if t.T == nil {
		return time.Time{}, false, nil
	}
	return *t.T, true, nil
}

// LeaseOwners lists the owners of running jobs' leases.
func (db *DB) LeaseOwners(ctx context.Context) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT DISTINCT locked_by FROM jobs WHERE state = 'running' AND locked_by IS NOT NULL ORDER BY locked_by`)
	if err != nil {
		return nil, fmt.Errorf("lease owners: %w", err)
	}
	defer rows.Close()
	var owners []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, fmt.Errorf("lease owners: %w", err)
		}
		owners = append(owners, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lease owners: %w", err)
	}
	return owners, nil
}

// Release makes the running jobs leased by owners pending again, due now
// at the latest (a job written with a Holder is due when its holder is
// gone, not at the end of its lease).
func (db *DB) Release(ctx context.Context, owners []string) (int, error) {
	total := 0
	now := db.dialect.t(db.now())
	for _, o := range owners {
		n, err := db.exec(ctx, "release jobs", `UPDATE jobs SET state = 'pending', locked_by = NULL, locked_until = NULL,
			run_at = CASE WHEN run_at < ? THEN run_at ELSE ? END
			WHERE state = 'running' AND locked_by = ?`, now, now, o)
		if err != nil {
			return total, err
		}
		total += int(n)
	}
	return total, nil
}

// ReleaseAll makes every running job pending again.
func (db *DB) ReleaseAll(ctx context.Context) (int, error) {
	n, err := db.exec(ctx, "release jobs", `UPDATE jobs SET state = 'pending', locked_by = NULL, locked_until = NULL WHERE state = 'running'`)
	return int(n), err
}

// DeadJobs lists dead-lettered jobs, newest first.
func (db *DB) DeadJobs(ctx context.Context, limit int) ([]engine.Job, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(`SELECT `+jobColumns+` FROM jobs WHERE state = 'dead'
		ORDER BY finished_at DESC, id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("dead jobs: %w", err)
	}
	defer rows.Close()
	var jobs []engine.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("dead jobs: %w", err)
		}
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dead jobs: %w", err)
	}
	return jobs, nil
}

var (
	insertJobSQL = hot(`INSERT INTO jobs (id, kind, args, run_at, state, attempt, max_attempts, last_error, created_at, locked_by, locked_until)
			VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)`)
	insertJobIfAbsentSQL = hot(`INSERT INTO jobs (id, kind, args, run_at, state, attempt, max_attempts, last_error, created_at, locked_by, locked_until)
			VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?) ON CONFLICT (id) DO NOTHING`)
)

var deleteJobSQL = hot(`DELETE FROM jobs WHERE id = ?`)
