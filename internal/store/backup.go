package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotSQLite is returned by Backup on PostgreSQL, which has its own
// tools (pg_dump, point-in-time recovery).
var ErrNotSQLite = errors.New("backup copies a SQLite database; back PostgreSQL up with pg_dump or point-in-time recovery (see the README's Operations section)")

// Backup writes a consistent copy of the live SQLite database to path with
// VACUUM INTO: one read transaction's snapshot, WAL included, so writes go
// on meanwhile and nothing committed before it started is missing — unlike
// copying firebreak.db, which leaves out what is still in firebreak.db-wal.
// path must not exist; the copy is written beside it first and renamed, so
// a failed backup never leaves a half file under the name.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.dialect.name != "sqlite" {
		return ErrNotSQLite
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s exists; choose a new file", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmp := path + ".partial"
	_ = os.Remove(tmp) // a leftover from an earlier try, usually absent
	// The checkpoint connection may write (VACUUM INTO is refused under
	// query_only); it is not the group-commit writer, so writers go on.
	if _, err := db.ckpt.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		_ = os.Remove(tmp) // the backup failure is the one to report
		return fmt.Errorf("backup: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		_ = os.Remove(tmp) // the backup failure is the one to report
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp) // the backup failure is the one to report
		return fmt.Errorf("backup: %w", err)
	}
	return syncFile(filepath.Dir(path))
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }() // opened only to fsync it; Sync reports
	return f.Sync()
}

// IntegrityCheck runs SQLite's integrity_check; nil on PostgreSQL.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	if db.dialect.name != "sqlite" {
		return nil
	}
	rows, err := db.read.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return fmt.Errorf("integrity check: %w", err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Holding counts what a database holds, for a backup's summary.
type Holding struct {
	Incidents, Events, Users, Alerts, Jobs int64
}

// Holdings counts the main records.
func (db *DB) Holdings(ctx context.Context) (Holding, error) {
	var h Holding
	for _, c := range []struct {
		table string
		n     *int64
	}{{"incidents", &h.Incidents}, {"events", &h.Events}, {"users", &h.Users}, {"alert_items", &h.Alerts}, {"jobs", &h.Jobs}} {
		if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM `+c.table).Scan(c.n); err != nil {
			return h, fmt.Errorf("count %s: %w", c.table, err)
		}
	}
	return h, nil
}
