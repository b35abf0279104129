package store

import (
	"context"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

// TestDeadJobsRetryDiscard: dead jobs are listed newest first with their
// times and count; a retry makes one pending, due now, attempts afresh;
// a discard keeps it, listed only as discarded; neither touches a job
// that is not dead. Snooze moves a job without counting an attempt, and
// Bury leaves a job already buried as it is.
func TestDeadJobsRetryDiscard(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e jobsEnv) {
		ctx := context.Background()
		if err := e.db.Enqueue(ctx, engine.Job{ID: "a", Kind: "k.a"}, engine.Job{ID: "b", Kind: "k.b"}, engine.Job{ID: "c", Kind: "k.c"}); err != nil {
			t.Fatal(err)
		}
		if got := claim(t, e.db, "w", e.now, time.Minute, 10); len(got) != 3 {
			t.Fatalf("claimed %v", got)
		}
		if err := e.db.Bury(ctx, "a", e.now.Add(time.Second), "receiver answered 410 Gone"); err != nil {
			t.Fatal(err)
		}
		if err := e.db.Bury(ctx, "b", e.now.Add(2*time.Second), "no handler"); err != nil {
			t.Fatal(err)
		}
		// Buried twice (by a handler's transaction, then by the engine):
		// counted and stamped once.
		if err := e.db.Bury(ctx, "b", e.now.Add(3*time.Second), "again"); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("second Bury = %v, want NotFound", err)
		}
		if err := e.db.Snooze(ctx, "c", e.now.Add(5*time.Second)); err != nil {
			t.Fatal(err)
		}
		if state, by, _, _, attempt := jobRow(t, e.db, "c"); state != "pending" || by != "" || attempt != 0 || !runAtOf(t, e.db, "c").Equal(e.now.Add(5*time.Second)) {
			t.Fatalf("snoozed row: %s by %q at %v attempt %d", state, by, runAtOf(t, e.db, "c"), attempt)
		}
		if err := e.db.Snooze(ctx, "a", e.now); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("Snooze of a dead job = %v, want NotFound", err)
		}

		dead, total, err := e.db.ListDeadJobs(ctx, engine.Dead, 1)
		if err != nil {
			t.Fatal(err)
		}
		if total != 2 || len(dead) != 1 || dead[0].ID != "b" || dead[0].Kind != "k.b" || dead[0].Attempts != 1 ||
			dead[0].LastError != "no handler" || dead[0].FinishedAt == nil || !dead[0].FinishedAt.Equal(e.now.Add(2*time.Second)) ||
			!dead[0].CreatedAt.Equal(e.now) || dead[0].MaxAttempts != engine.DefaultMaxAttempts {
			t.Fatalf("ListDeadJobs = %+v, %d", dead, total)
		}
		if _, _, err := e.db.ListDeadJobs(ctx, engine.Pending, 10); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("list pending = %v, want Invalid", err)
		}

		if err := e.db.RetryDeadJob(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if state, _, _, fin, attempt := jobRow(t, e.db, "a"); state != "pending" || !runAtOf(t, e.db, "a").Equal(e.now) || fin != nil || attempt != 0 {
			t.Fatalf("retried row: %s finished %v attempt %d", state, fin, attempt)
		}
		if err := e.db.DiscardDeadJob(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			id   string
			code errs.Code
		}{{"a", errs.Conflict}, {"b", errs.Conflict}, {"c", errs.Conflict}, {"nope", errs.NotFound}} {
			if err := e.db.RetryDeadJob(ctx, tc.id); errs.CodeOf(err) != tc.code {
				t.Errorf("RetryDeadJob(%s) = %v, want %s", tc.id, err, tc.code)
			}
			if err := e.db.DiscardDeadJob(ctx, tc.id); errs.CodeOf(err) != tc.code {
				t.Errorf("DiscardDeadJob(%s) = %v, want %s", tc.id, err, tc.code)
			}
		}
		if dead, total, _ := e.db.ListDeadJobs(ctx, engine.Dead, 10); total != 0 || len(dead) != 0 {
			t.Fatalf("dead after retry and discard: %+v", dead)
		}
		if gone, total, _ := e.db.ListDeadJobs(ctx, engine.Discarded, 10); total != 1 || gone[0].ID != "b" || gone[0].State != engine.Discarded {
			t.Fatalf("discarded: %+v", gone)
		}
		// Only the retried job runs again; the discarded one never does.
		if got := claim(t, e.db, "w", e.now.Add(time.Hour), time.Minute, 10); len(got) != 2 || got[0] != "a" {
			t.Fatalf("claim after retry = %v, want a and the snoozed c", got)
		}
	})
}

func runAtOf(t *testing.T, db *DB, id string) time.Time {
	t.Helper()
	var at dbTime
	if err := db.read.QueryRowContext(context.Background(), db.dialect.q(`SELECT run_at FROM jobs WHERE id = ?`), id).Scan(&at); err != nil {
		t.Fatal(err)
	}
	return at.Time
}
