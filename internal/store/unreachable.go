package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/telemetry"
)

// An unreachable database. When PostgreSQL is down, restarting, refusing
// connections or out of connection slots, or the SQLite file is gone or
// cannot be written, nothing a caller did is wrong and trying again later
// works: such errors leave the store as errs.Unavailable with a
// RetryAfter, which every edge answers with 503 and Retry-After, instead
// of an internal error. Every statement the store runs goes through a
// pool (below) or a write transaction (tx), which classify their errors;
// that keeps the decision in this one file.

// unreachableRetryAfter is what a caller is told to wait.
const unreachableRetryAfter = 5 * time.Second

// isUnreachable reports whether err means the database cannot be reached
// or is going away, as opposed to a statement that failed on its own
// (a syntax error, a constraint, a lock held too long).
func isUnreachable(err error) bool {
	if err == nil {
		return false
	}
	// database/sql's own: a connection the driver found broken after its
	// retries, or one already returned to the pool.
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true // pgconn could not open a connection at all
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "57P01", "57P02", "57P03", // admin shutdown, crash shutdown, cannot connect now
			"53300": // too many connections
			return true
		}
		return len(pe.Code) == 5 && pe.Code[:2] == "08" // connection exception
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY:
			// The file or its directory is gone, moved or not writable.
			return true
		}
		// SQLITE_BUSY past busy_timeout is a lock held too long, not a
		// database that is gone.
		return false
	}
	// A connection lost below the driver: refused, reset, cut.
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// unreachable turns an error meaning the database cannot be reached into
// errs.Unavailable, keeping the cause in the chain (for the logs; users
// see only the message), and leaves every other error as it is.
func unreachable(err error) error {
	if !isUnreachable(err) {
		return err
	}
	if _, ok := errs.As(err); ok {
		return err // already classified (a full disk)
	}
	e := errs.E(errs.Unavailable, "", "the database cannot be reached; retry in a moment")
	e.RetryAfter = unreachableRetryAfter
	return fmt.Errorf("%w: %w", e, err)
}

// pool is a *sql.DB whose statements classify their errors with
// unreachable. The rows of a query report their first error at the
// query or at the Scan of a single row, which is where a lost database
// shows.
// On the read pool (system set) each query is also a store.read span
// (readspan.go).
type pool struct {
	*sql.DB
	system string // db.system of the read pool's spans; "" for no spans
}

func (p pool) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	ctx, span := p.start(ctx, q)
	rows, err := p.DB.QueryContext(ctx, q, args...)
	err = unreachable(err)
	telemetry.End(span, err)
	return rows, err
}

func (p pool) QueryRowContext(ctx context.Context, q string, args ...any) row {
	ctx, span := p.start(ctx, q)
	r := row{p.DB.QueryRowContext(ctx, q, args...)}
	telemetry.End(span, r.Err()) // no rows is the caller's answer, not a failed read
	return r
}

func (p pool) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := p.DB.ExecContext(ctx, q, args...)
	return res, unreachable(err)
}

func (p pool) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	tx, err := p.DB.BeginTx(ctx, opts)
	return tx, unreachable(err)
}

func (p pool) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	s, err := p.DB.PrepareContext(ctx, q)
	return s, unreachable(err)
}

func (p pool) PingContext(ctx context.Context) error { return unreachable(p.DB.PingContext(ctx)) }

// row is a *sql.Row whose Scan classifies its error; sql.ErrNoRows passes
// through as it is.
type row struct{ r *sql.Row }

func (r row) Scan(dest ...any) error { return unreachable(r.r.Scan(dest...)) }

func (r row) Err() error { return unreachable(r.r.Err()) }
