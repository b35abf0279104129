package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/telemetry"
)

// SQLite parses every statement it is given anew, and the parse costs more
// than running the small statements of a page or an alert. The statements
// on those paths are registered with hot and prepared once per connection
// at Open; all SQLite writes go through one connection, so a prepared
// write statement is reused by every transaction. PostgreSQL (pgx) caches
// prepared statements itself, so there the cache stays empty.

var hotQueries []string

// hot registers q as a statement worth preparing once.
func hot(q string) string {
	hotQueries = append(hotQueries, q)
	return q
}

// stmtCache holds the prepared hot statements: writes on the write pool,
// reads (SELECT) also on the read pool.
type stmtCache struct {
	write map[string]*sql.Stmt
	read  map[string]*sql.Stmt
}

func (db *DB) prepareHot(ctx context.Context) error {
	if db.dialect.postgres() {
		return nil
	}
	db.stmts = stmtCache{write: map[string]*sql.Stmt{}, read: map[string]*sql.Stmt{}}
	for _, q := range hotQueries {
		s, err := db.write.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		db.stmts.write[q] = s
		if strings.HasPrefix(strings.TrimSpace(q), "SELECT") {
			if s, err = db.read.PrepareContext(ctx, q); err != nil {
				return fmt.Errorf("prepare %q: %w", q, err)
			}
			db.stmts.read[q] = s
		}
	}
	for _, q := range db.searchHot() {
		s, err := db.read.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		db.stmts.read[q] = s
	}
	return nil
}

func (c stmtCache) close() {
	for _, m := range []map[string]*sql.Stmt{c.write, c.read} {
		for _, s := range m {
			_ = s.Close() // not cached, so dropped; closing only frees it
		}
	}
}

func (db *DB) execTx(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	if s := db.stmts.write[q]; s != nil {
		return tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, db.dialect.q(q), args...)
}

func (db *DB) queryTx(ctx context.Context, tx *sql.Tx, q string, args ...any) (*sql.Rows, error) {
	if s := db.stmts.write[q]; s != nil {
		return tx.StmtContext(ctx, s).QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, db.dialect.q(q), args...)
}

func (db *DB) queryRowTx(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	if s := db.stmts.write[q]; s != nil {
		return tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, db.dialect.q(q), args...)
}

func (db *DB) queryRead(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s := db.stmts.read[q]; s != nil {
		ctx, span := db.read.start(ctx, q)
		rows, err := s.QueryContext(ctx, args...)
		err = unreachable(err)
		telemetry.End(span, err)
		return rows, err
	}
	return db.read.QueryContext(ctx, db.dialect.q(q), args...)
}

func (db *DB) queryRowRead(ctx context.Context, q string, args ...any) row {
	if s := db.stmts.read[q]; s != nil {
		ctx, span := db.read.start(ctx, q)
		r := row{s.QueryRowContext(ctx, args...)}
		telemetry.End(span, r.Err())
		return r
	}
	return db.read.QueryRowContext(ctx, db.dialect.q(q), args...)
}
