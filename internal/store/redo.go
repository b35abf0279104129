package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/firebreak-ir/firebreak/internal/telemetry"
)

// Redone bookkeeping is the engine's writes that may be lost in a crash of
// the database server without harm, because what they record is redone: a
// job's claim (lost, the job is due again and runs again, as after any
// crash: handlers are idempotent) and a job's completion, retry or snooze
// (lost, the job runs again and finds its work done). On PostgreSQL they
// commit without waiting for the WAL flush: the commit is visible at once
// and durable within a few wal_writer_delay, and any later durable commit
// flushes it first, so nothing that depends on it can survive it. Never
// use it for what a client or a receiver was told happened. On SQLite
// they are grouped transactions like any write (the group shares one
// fsync among concurrent writers already).

// redoConns bounds the redo pool: one claiming loop and the completions
// of the engine's workers, each a single statement.
const redoConns = 8

// openRedo opens the PostgreSQL pool for redone bookkeeping. Its sessions run with synchronous_commit off, set when they
// connect, so a claim or a completion is one statement committing on its
// own: one round trip, where a transaction that relaxes its own commit
// takes four (begin, SET LOCAL, the statement, commit), and at a page per
// alert the engine makes several such writes per alert. Being the
// engine's own, the pool also keeps its claims from waiting for a
// connection behind intake requests holding every one of the main pool's.
func openRedo(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	cfg.RuntimeParams["synchronous_commit"] = "off"
	p := stdlib.OpenDB(*cfg)
	p.SetMaxOpenConns(redoConns)
	p.SetMaxIdleConns(redoConns)
	return p, nil
}

// redoExec runs one write statement of redone bookkeeping and returns the rows it changed: on PostgreSQL on its own
// on the redo pool, on SQLite in a grouped transaction.
func (db *DB) redoExec(ctx context.Context, what, query string, args ...any) (int64, error) {
	if db.redo.DB == nil {
		return db.execWith(ctx, db.tx, what, query, args...)
	}
	ctx, span := telemetry.Start(ctx, "store.tx")
	n, err := func() (int64, error) {
		res, err := db.redo.ExecContext(ctx, db.dialect.q(query), args...)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", what, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("%s: %w", what, err)
		}
		return n, nil
	}()
	telemetry.End(span, err)
	return n, err
}
