package store

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// TestUnreachableClassification: errors the drivers really return when
// the database cannot be reached are unreachable; statements that fail
// on their own (syntax, constraints, a deadline) are not.
func TestUnreachableClassification(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	lite, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "ok.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	if _, err := lite.Exec(`CREATE TABLE t (k TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	if _, err := lite.Exec(`INSERT INTO t VALUES ('a')`); err != nil {
		t.Fatal(err)
	}
	gone, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "no-such-dir", "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer gone.Close()
	conn, err := lite.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	deadline, cancel := context.WithTimeout(ctx, time.Nanosecond)
	defer cancel()
	<-deadline.Done()

	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"sqlite: directory gone (CANTOPEN)", gone.PingContext(ctx), true},
		{"database/sql: connection already closed", conn.PingContext(ctx), true},
		{"sqlite: syntax error", execErr(lite, `SELEC 1`), false},
		{"sqlite: unique violation", execErr(lite, `INSERT INTO t VALUES ('a')`), false},
		{"sqlite: deadline passed", lite.PingContext(deadline), false},
		{"no error", nil, false},
	}
	if base := os.Getenv(postgresEnv); base != "" {
		cases = append(cases, postgresCases(t, base)...)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Logf("error: %v", c.err)
			if c.want && c.err == nil {
				t.Fatal("the driver returned no error")
			}
			if got := isUnreachable(c.err); got != c.want {
				t.Errorf("isUnreachable(%v) = %v, want %v", c.err, got, c.want)
			}
			got := unreachable(c.err)
			if c.want {
				e, ok := errs.As(got)
				if !ok || e.Code != errs.Unavailable || e.RetryAfter != 5*time.Second || !errors.Is(got, c.err) {
					t.Errorf("unreachable(%v) = %v, want errs.Unavailable after 5s wrapping the cause", c.err, got)
				}
			} else if got != c.err {
				t.Errorf("unreachable(%v) = %v, want it unchanged", c.err, got)
			}
		})
	}
}

func execErr(db *sql.DB, q string) error {
	_, err := db.Exec(q)
	return err
}

// postgresCases are the errors of a server that refuses, a connection the
// server cut, and statements that fail on their own.
func postgresCases(t *testing.T, base string) []struct {
	name string
	err  error
	want bool
} {
	ctx := context.Background()
	pg, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // a port nothing listens on
	closed, err := sql.Open("pgx", "postgres://postgres@127.0.0.1:"+strconv.Itoa(port)+"/x?sslmode=disable&connect_timeout=5")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closed.Close() })

	// A connection whose backend is terminated by another.
	victim, err := pg.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { victim.Close() })
	var pid int
	if err := victim.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := pg.Exec(`SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	var one int
	cut := victim.QueryRowContext(ctx, `SELECT 1`).Scan(&one)

	tx, err := pg.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	_, err = tx.Exec(`CREATE TEMP TABLE u (k text PRIMARY KEY); INSERT INTO u VALUES ('a')`)
	if err != nil {
		t.Fatal(err)
	}
	_, dup := tx.Exec(`INSERT INTO u VALUES ('a')`)
	return []struct {
		name string
		err  error
		want bool
	}{
		{"postgres: connection refused", closed.PingContext(ctx), true},
		{"postgres: backend terminated (57P01)", cut, true},
		{"postgres: syntax error", execErr(pg, `SELEC 1`), false},
		{"postgres: unique violation", dup, false},
	}
}

// TestSQLiteFileGone: when the database's directory is gone and the read
// pool needs a new connection (SQLITE_CANTOPEN), reads answer
// errs.Unavailable with a RetryAfter; once the directory is back they
// work again. (Connections already open keep reading and writing the
// moved file: SQLite holds it open, so for them it is not gone.)
func TestSQLiteFileGone(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	db, err := Open(ctx, filepath.Join(dir, "firebreak.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.CountUsers(ctx); err != nil {
		t.Fatal(err)
	}
	db.read.SetMaxIdleConns(0) // every read opens a new connection
	if err := os.Rename(dir, dir+".moved"); err != nil {
		t.Fatal(err)
	}
	_, err = db.CountUsers(ctx)
	if e, ok := errs.As(err); !ok || e.Code != errs.Unavailable || errs.RetryAfter(err) != "5" {
		t.Fatalf("read with the directory gone: %v, want errs.Unavailable with Retry-After 5", err)
	}
	if err := db.Ready(ctx); errs.CodeOf(err) != errs.Unavailable {
		t.Errorf("Ready with the directory gone: %v", err)
	}
	if err := os.Rename(dir+".moved", dir); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CountUsers(ctx); err != nil {
		t.Errorf("read with the directory back: %v", err)
	}
}
