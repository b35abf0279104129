package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

// These tests are in package store to reach insertJobs; they cannot use
// storetest (it imports store), so jobsSetup opens the backends itself the
// same way: SQLite in a temp dir, PostgreSQL in a fresh schema of
// FIREBREAK_TEST_POSTGRES_URL.

type jobsEnv struct {
	db  *DB
	now time.Time // the store's clock, fixed
}

var jobsT0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// forEachBackend runs fn on a fresh SQLite store, and on a fresh
// PostgreSQL schema when FIREBREAK_TEST_POSTGRES_URL is set.
func forEachBackend(t *testing.T, fn func(t *testing.T, e jobsEnv)) {
	t.Helper()
	t.Parallel()
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) {
			if b == "postgres" && os.Getenv(postgresEnv) == "" {
				t.Skip(postgresEnv + " is not set: PostgreSQL tests skipped")
			}
			t.Parallel()
			dsn := filepath.Join(t.TempDir(), "jobs.db")
			if b == "postgres" {
				dsn = freshPostgres(t)
			}
			db, err := Open(context.Background(), dsn, Options{Now: func() time.Time { return jobsT0 }})
			if err != nil {
				t.Fatalf("open %s: %v", b, err)
			}
			t.Cleanup(func() { db.Close() })
			fn(t, jobsEnv{db: db, now: jobsT0})
		})
	}
}

func freshPostgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(postgresEnv)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "fbt_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse postgres url: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func enqueue(t *testing.T, db *DB, jobs ...engine.Job) {
	t.Helper()
	if err := db.Enqueue(context.Background(), jobs...); err != nil {
		t.Fatalf("enqueue: %v", err)
	}
}

func claim(t *testing.T, db *DB, worker string, now time.Time, lease time.Duration, limit int) []string {
	t.Helper()
	jobs, err := db.Claim(context.Background(), worker, now, lease, limit)
	if err != nil {
		t.Fatalf("claim: %v", err)
	}
	ids := []string{}
	for _, j := range jobs {
		if j.State != engine.Running {
			t.Errorf("claimed job %s is %s, want running", j.ID, j.State)
		}
		ids = append(ids, j.ID)
	}
	return ids
}

// jobRow reads the columns a Job does not carry.
func jobRow(t *testing.T, db *DB, id string) (state, lockedBy string, lockedUntil, finished *time.Time, attempt int) {
	t.Helper()
	var by sql.NullString
	var until, fin nullTime
	err := db.read.QueryRow(db.dialect.q(`SELECT state, locked_by, locked_until, finished_at, attempt FROM jobs WHERE id = ?`), id).
		Scan(&state, &by, &until, &fin, &attempt)
	if err != nil {
		t.Fatalf("read job %s: %v", id, err)
	}
	return state, by.String, until.T, fin.T, attempt
}

func countJobs(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.read.QueryRow(`SELECT COUNT(*) FROM jobs`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestJobsEnqueueDefaults(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e jobsEnv) {
		ctx := context.Background()
		var woken atomic.Int32
		e.db.OnJobs(func() { woken.Add(1) })
		in := []engine.Job{{Kind: "page"}}
		enqueue(t, e.db, in...)
		if in[0].ID != "" {
			t.Error("Enqueue modified the caller's job")
		}
		if woken.Load() != 1 {
			t.Errorf("OnJobs callback ran %d times, want 1", woken.Load())
		}
		got, err := e.db.Claim(ctx, "w", e.now, time.Minute, 10)
		if err != nil || len(got) != 1 {
			t.Fatalf("claim: %v, %v", got, err)
		}
		j := got[0]
		if id, err := uuid.Parse(j.ID); err != nil || id.Version() != 7 {
			t.Errorf("ID %q is not a UUIDv7: %v", j.ID, err)
		}
		if !j.RunAt.Equal(e.now) || j.MaxAttempts != engine.DefaultMaxAttempts || j.Attempt != 0 || string(j.Args) != "{}" || j.Kind != "page" {
			t.Errorf("defaults not applied: %+v", j)
		}

		enqueue(t, e.db) // nothing: no transaction, no wake-up
		if woken.Load() != 1 {
			t.Error("an empty Enqueue woke the engine")
		}
		for _, tc := range []struct {
			job   engine.Job
			code  errs.Code
			field string
		}{
			{engine.Job{}, errs.Invalid, "kind"},
			{engine.Job{Kind: "x", Args: json.RawMessage(`{"a":`)}, errs.Invalid, "args"},
			{engine.Job{Kind: "x", ID: j.ID}, errs.Conflict, "id"},
		} {
			err := e.db.Enqueue(ctx, tc.job)
			var ee *errs.Error
			if !errors.As(err, &ee) || ee.Code != tc.code || ee.Field != tc.field {
				t.Errorf("Enqueue(%+v) = %v, want %s on %s", tc.job, err, tc.code, tc.field)
			}
		}
		if countJobs(t, e.db) != 1 {
			t.Error("a refused job was stored")
		}
	})
}

func TestJobsClaimOnlyDue(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e jobsEnv) {
		ctx := context.Background()
		now := e.now
		if _, ok, err := e.db.NextRunAt(ctx); ok || err != nil {
			t.Fatalf("NextRunAt on no jobs: %v, %v", ok, err)
		}
		enqueue(t, e.db,
			engine.Job{ID: "later", Kind: "k", RunAt: now.Add(10 * time.Second)},
			engine.Job{ID: "now", Kind: "k", RunAt: now},
			engine.Job{ID: "past", Kind: "k", RunAt: now.Add(-time.Minute), Args: json.RawMessage(`{"n":1}`)},
		)
		next, ok, err := e.db.NextRunAt(ctx)
		if err != nil || !ok || !next.Equal(now.Add(-time.Minute)) {
			t.Fatalf("NextRunAt = %v, %v, %v; want the past job's", next, ok, err)
		}
		if got := claim(t, e.db, "w1", now, 30*time.Second, 1); !slices.Equal(got, []string{"past"}) {
			t.Errorf("claim limit 1 = %v, want [past]", got)
		}
		if got := claim(t, e.db, "w1", now, 30*time.Second, 10); !slices.Equal(got, []string{"now"}) {
			t.Errorf("claim = %v, want [now]", got)
		}
		if got := claim(t, e.db, "w1", now.Add(9*time.Second), 30*time.Second, 10); len(got) != 0 {
			t.Errorf("claim before due = %v, want none", got)
		}
		// Pending "later" at +10s is before the leases' end at +30s.
		if next, _, _ := e.db.NextRunAt(ctx); !next.Equal(now.Add(10 * time.Second)) {
			t.Errorf("NextRunAt = %v, want +10s", next)
		}
		jobs, err := e.db.Claim(ctx, "w1", now.Add(10*time.Second), 30*time.Second, 10)
		if err != nil || len(jobs) != 1 || jobs[0].ID != "later" {
			t.Fatalf("claim when due = %v, %v", jobs, err)
		}
		// Only leases are left: the earliest ends at +30s.
		if next, _, _ := e.db.NextRunAt(ctx); !next.Equal(now.Add(30 * time.Second)) {
			t.Errorf("NextRunAt = %v, want the first lease end at +30s", next)
		}
		state, by, until, _, _ := jobRow(t, e.db, "past")
		if state != "running" || by != "w1" || until == nil || !until.Equal(now.Add(30*time.Second)) {
			t.Errorf("claimed row: %s by %q until %v", state, by, until)
		}
	})
}

func TestJobsLeaseExpiry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e jobsEnv) {
		now := e.now
		enqueue(t, e.db, engine.Job{ID: "j", Kind: "k", RunAt: now})
		if got := claim(t, e.db, "dead-worker", now, 30*time.Second, 10); len(got) != 1 {
			t.Fatalf("first claim = %v", got)
		}
		if got := claim(t, e.db, "w2", now.Add(29*time.Second), 30*time.Second, 10); len(got) != 0 {
			t.Errorf("claimed %v while the lease holds", got)
		}
		if got := claim(t, e.db, "w2", now.Add(30*time.Second), 30*time.Second, 10); !slices.Equal(got, []string{"j"}) {
			t.Errorf("claim after the lease ended = %v, want [j]", got)
		}
		_, by, until, _, attempt := jobRow(t, e.db, "j")
		if by != "w2" || !until.Equal(now.Add(60*time.Second)) || attempt != 0 {
			t.Errorf("reclaimed row: by %q until %v attempt %d", by, until, attempt)
		}
	})
}

func TestJobsRetryBuryComplete(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e jobsEnv) {
		ctx := context.Background()
		now := e.now
		enqueue(t, e.db, engine.Job{ID: "a", Kind: "k"}, engine.Job{ID: "b", Kind: "k"}, engine.Job{ID: "c", Kind: "k"})
		claim(t, e.db, "w", now, time.Minute, 10)

		if err := e.db.Retry(ctx, "a", now.Add(5*time.Second), "smtp: 451"); err != nil {
			t.Fatal(err)
		}
		state, by, until, _, attempt := jobRow(t, e.db, "a")
		if state != "pending" || by != "" || until != nil || attempt != 1 {
			t.Errorf("retried row: %s by %q until %v attempt %d", state, by, until, attempt)
		}
		if got := claim(t, e.db, "w", now.Add(4*time.Second), time.Minute, 10); len(got) != 0 {
			t.Errorf("claimed %v before the retry time", got)
		}
		jobs, err := e.db.Claim(ctx, "w", now.Add(5*time.Second), time.Minute, 10)
		if err != nil || len(jobs) != 1 || jobs[0].Attempt != 1 || jobs[0].LastError != "smtp: 451" {
			t.Errorf("claim of the retried job = %+v, %v", jobs, err)
		}

		if err := e.db.Bury(ctx, "b", now.Add(time.Second), "first"); err != nil {
			t.Fatal(err)
		}
		if err := e.db.Bury(ctx, "c", now.Add(2*time.Second), "second"); err != nil {
			t.Fatal(err)
		}
		state, _, until, fin, attempt := jobRow(t, e.db, "b")
		if state != "dead" || until != nil || fin == nil || !fin.Equal(now.Add(time.Second)) || attempt != 1 {
			t.Errorf("buried row: %s until %v finished %v attempt %d", state, until, fin, attempt)
		}
		dead, err := e.db.DeadJobs(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(dead) != 2 || dead[0].ID != "c" || dead[1].ID != "b" || dead[0].LastError != "second" || dead[0].State != engine.Dead {
			t.Errorf("DeadJobs = %+v, want c then b", dead)
		}
		if dead, _ := e.db.DeadJobs(ctx, 1); len(dead) != 1 {
			t.Errorf("DeadJobs limit 1 returned %d", len(dead))
		}
		if got := claim(t, e.db, "w", now.Add(time.Hour), time.Minute, 10); !slices.Equal(got, []string{"a"}) {
			t.Errorf("claim after bury = %v, want only the expired lease of a", got)
		}

		if err := e.db.Complete(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if countJobs(t, e.db) != 2 {
			t.Error("Complete did not delete the job")
		}
		for name, err := range map[string]error{
			"complete": e.db.Complete(ctx, "a"),
			"retry":    e.db.Retry(ctx, "nope", now, ""),
			"bury":     e.db.Bury(ctx, "nope", now, ""),
		} {
			if errs.CodeOf(err) != errs.NotFound {
				t.Errorf("%s of a missing job: %v, want not found", name, err)
			}
		}
	})
}

func TestJobsReleaseAll(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e jobsEnv) {
		ctx := context.Background()
		now := e.now
		enqueue(t, e.db, engine.Job{ID: "a", Kind: "k"}, engine.Job{ID: "b", Kind: "k"}, engine.Job{ID: "c", Kind: "k", RunAt: now.Add(time.Hour)})
		claim(t, e.db, "crashed", now, time.Hour, 10)
		n, err := e.db.ReleaseAll(ctx)
		if err != nil || n != 2 {
			t.Fatalf("ReleaseAll = %d, %v; want 2", n, err)
		}
		state, by, until, _, attempt := jobRow(t, e.db, "a")
		if state != "pending" || by != "" || until != nil || attempt != 0 {
			t.Errorf("released row: %s by %q until %v attempt %d", state, by, until, attempt)
		}
		if got := claim(t, e.db, "w", now, time.Minute, 10); !slices.Equal(got, []string{"a", "b"}) {
			t.Errorf("claim after release = %v, want [a b] at once", got)
		}
	})
}

// TestJobsInsertInRolledBackTx: jobs written in a transaction that fails
// are gone with it, and the engine is not woken.
func TestJobsInsertInRolledBackTx(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e jobsEnv) {
		ctx := context.Background()
		var woken atomic.Int32
		e.db.OnJobs(func() { woken.Add(1) })
		boom := errors.New("the incident write failed")
		err := e.db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
			if err := e.db.insertJobs(ctx, tx, engine.Job{Kind: "page"}, engine.Job{Kind: "escalate"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("tx = %v", err)
		}
		if n := countJobs(t, e.db); n != 0 || woken.Load() != 0 {
			t.Errorf("%d jobs stored, %d wake-ups after a rollback", n, woken.Load())
		}
		// And committed with it when it succeeds.
		err = e.db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
			return e.db.insertJobs(ctx, tx, engine.Job{Kind: "page"})
		})
		if err != nil || countJobs(t, e.db) != 1 {
			t.Errorf("committed tx: %v, %d jobs", err, countJobs(t, e.db))
		}
	})
}

// TestJobsConcurrentClaims: claimers racing over the same jobs never get
// the same one (SKIP LOCKED on PostgreSQL, one writer on SQLite).
func TestJobsConcurrentClaims(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e jobsEnv) {
		const n, claimers = 300, 8
		jobs := make([]engine.Job, n)
		for i := range jobs {
			jobs[i] = engine.Job{ID: fmt.Sprintf("j%03d", i), Kind: "k", RunAt: e.now.Add(-time.Duration(i) * time.Millisecond)}
		}
		enqueue(t, e.db, jobs...)
		var mu sync.Mutex
		seen := map[string]string{}
		var wg sync.WaitGroup
		for w := range claimers {
			worker := fmt.Sprintf("w%d", w)
			wg.Go(func() {
				for {
					got, err := e.db.Claim(context.Background(), worker, e.now, time.Minute, 7)
					if err != nil {
						t.Errorf("%s: claim: %v", worker, err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, j := range got {
						if prev, dup := seen[j.ID]; dup {
							t.Errorf("job %s claimed by %s and %s", j.ID, prev, worker)
						}
						seen[j.ID] = worker
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != n {
			t.Errorf("%d of %d jobs claimed", len(seen), n)
		}
	})
}
