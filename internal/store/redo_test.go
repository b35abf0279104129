package store

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/engine"
)

// TestRedoRelaxesOnlyBookkeeping: on PostgreSQL the engine's claims and
// completions commit without waiting for the WAL flush, and every other
// write still waits for it.
func TestRedoRelaxesOnlyBookkeeping(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skip(postgresEnv + " is not set: PostgreSQL tests skipped")
	}
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, freshPostgres(t), Options{Now: func() time.Time { return jobsT0 }})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })

	setting := func(q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) string {
		t.Helper()
		var v string
		if err := q.QueryRowContext(ctx, `SHOW synchronous_commit`).Scan(&v); err != nil {
			t.Fatalf("show synchronous_commit: %v", err)
		}
		return v
	}
	if db.redo.DB == nil {
		t.Fatal("no redo pool on PostgreSQL")
	}
	if got := setting(db.redo.DB); got != "off" {
		t.Errorf("redo pool: synchronous_commit = %s, want off", got)
	}
	err = db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if got := setting(tx); got != "on" {
			t.Errorf("a durable write: synchronous_commit = %s, want on", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := setting(db.read.DB); got != "on" {
		t.Errorf("main pool: synchronous_commit = %s, want on", got)
	}

	// The redo pool works in the store's schema: a job enqueued through
	// the main pool is claimed and completed through it.
	enqueue(t, db, engine.Job{ID: "j1", Kind: "k"})
	jobs, err := db.Claim(ctx, "w", jobsT0, time.Minute, 10)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %v, %d jobs", err, len(jobs))
	}
	if err := db.Complete(ctx, "j1"); err != nil {
		t.Fatalf("complete: %v", err)
	}
	if err := db.Complete(ctx, "j1"); err == nil {
		t.Fatal("completing a job twice: no error")
	}
}
