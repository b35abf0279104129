package app_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// logRecords keeps every log record of an app, for counting.
type logRecords struct {
	mu  sync.Mutex
	all []slog.Record
}

func (l *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecords) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecords) WithGroup(string) slog.Handler            { return l }
func (l *logRecords) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, r.Clone())
	return nil
}

// with returns the records whose message is msg.
func (l *logRecords) with(msg string) []slog.Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []slog.Record
	for _, r := range l.all {
		if r.Message == msg {
			out = append(out, r)
		}
	}
	return out
}

func (l *logRecords) since(i int) []slog.Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]slog.Record(nil), l.all[min(i, len(l.all)):]...)
}

func (l *logRecords) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.all)
}

func recAttr(r slog.Record, key string) slog.Value {
	var v slog.Value
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value
			return false
		}
		return true
	})
	return v
}

// eventually waits up to d for cond, checking every 100 ms.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("after %s: %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

const (
	claimDown = "database unreachable: claiming jobs backs off until it answers"
	claimUp   = "database reachable again: claiming jobs resumes"
	claimMore = "claim jobs still failing"
)

// ownPostgresDatabase creates a database of its own for a test that takes
// it away (no other test shares it), and drops it afterwards; it returns
// its DSN and an admin connection to the server's base database.
func ownPostgresDatabase(t *testing.T) (string, string, *sql.DB) {
	t.Helper()
	base := os.Getenv(storetest.PostgresEnv)
	if base == "" {
		t.Skip(storetest.PostgresSkipped)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	rand.Read(b)
	name := "fbt_down_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`ALTER DATABASE ` + name + ` ALLOW_CONNECTIONS true`)
		if _, err := admin.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String(), name, admin
}

// TestDatabaseUnreachableOnPostgres: with the database refusing
// connections and the app's connections cut (pg_terminate_backend), the
// API, the console and the public status JSON answer 503 with
// Retry-After, not 500; the job claimer logs one warning and backs off
// (doubling waits), and when the database takes connections again
// everything answers 200 and the claimer logs once that it is back.
func TestDatabaseUnreachableOnPostgres(t *testing.T) {
	dsn, name, admin := ownPostgresDatabase(t)
	logs := &logRecords{}
	ctx := context.Background()
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: dsn, BootstrapToken: adminToken, Version: "test", Logger: slog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	s := &setup{app: a}
	console := signedIn(t, a, "admin")
	if code, body, _ := raw(t, s, "POST", "/api/v1/incidents", adminToken, `{"title":"before the outage"}`); code != http.StatusCreated {
		t.Fatalf("declare: %d %v", code, body)
	}

	// Down: no new connection, and the open ones cut.
	mark := logs.len()
	if _, err := admin.Exec(`ALTER DATABASE ` + name + ` ALLOW_CONNECTIONS false`); err != nil {
		t.Fatal(err)
	}
	restored := false
	restore := func() {
		if !restored {
			restored = true
			if _, err := admin.Exec(`ALTER DATABASE ` + name + ` ALLOW_CONNECTIONS true`); err != nil {
				t.Fatal(err)
			}
		}
	}
	defer restore()
	if _, err := admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, name); err != nil {
		t.Fatal(err)
	}
	downAt := time.Now()

	checkDown(t, s, console)

	// The claimer: one warning, then quiet retries at doubling waits.
	eventually(t, 20*time.Second, "the claimer retried three times", func() bool { return len(logs.with(claimMore)) >= 3 })
	if n := len(logs.with(claimDown)); n != 1 {
		t.Errorf("%d %q warnings, want 1", n, claimDown)
	}
	retries := logs.with(claimMore)
	for i, r := range retries {
		// Doubling from the poll (0.5 s), each wait spread ±20%.
		if d, want := recAttr(r, "retry_in").Duration(), time.Second<<i; d < want*8/10 || d > want*12/10 {
			t.Errorf("retry %d waits %s, want %s ±20%%", i+1, d, want)
		}
		if i > 0 {
			if gap, wait := r.Time.Sub(retries[i-1].Time), recAttr(retries[i-1], "retry_in").Duration(); gap < wait {
				t.Errorf("retry %d came %s after the one before, which said to wait %s", i+1, gap, wait)
			}
		}
	}

	// Back.
	restore()
	eventually(t, 20*time.Second, "the API answers again", func() bool {
		code, _, _ := raw(t, s, "GET", "/api/v1/incidents", adminToken, "")
		return code == http.StatusOK
	})
	if code, body, _ := raw(t, s, "POST", "/api/v1/incidents", adminToken, `{"title":"after the outage"}`); code != http.StatusCreated {
		t.Errorf("declare after the outage: %d %v", code, body)
	}
	if r := getDoc(t, s.app.URL()+"/status/api/v2/summary.json"); r.status != http.StatusOK {
		t.Errorf("status JSON after the outage: %d", r.status)
	}
	if r := browse(t, console, http.MethodGet, a.URL()+"/incidents", nil); r.status != http.StatusOK {
		t.Errorf("console after the outage: %d", r.status)
	}
	// The claimer's next try (its wait is at most 30 s) finds it back.
	eventually(t, 40*time.Second, "the claimer logged that the database is back", func() bool { return len(logs.with(claimUp)) > 0 })
	ups := logs.with(claimUp)
	if len(ups) != 1 {
		t.Errorf("%d %q lines, want 1", len(ups), claimUp)
	}
	if d := recAttr(ups[0], "down_for").Duration(); d <= 0 || d > time.Since(downAt) {
		t.Errorf("down_for = %s, want the outage's length (at most %s)", d, time.Since(downAt))
	}
	if n := len(logs.with(claimDown)); n != 1 {
		t.Errorf("%d %q warnings after recovery, want 1", n, claimDown)
	}
	logOutage(t, logs.since(mark))
}

// checkDown asserts what clients see while the database cannot be
// reached: the API (reads and writes), the console and the public status
// JSON answer 503 with Retry-After.
func checkDown(t *testing.T, s *setup, console *http.Client) {
	t.Helper()
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/incidents", ""},
		{"POST", "/api/v1/incidents", `{"title":"during the outage"}`},
	} {
		code, body, h := raw(t, s, c.method, c.path, adminToken, c.body)
		if code != http.StatusServiceUnavailable || h.Get("Retry-After") != "5" || !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s %s while down: %d Retry-After %q %s %v, want a 503 problem with Retry-After: 5", c.method, c.path, code, h.Get("Retry-After"), h.Get("Content-Type"), body)
		}
		if d, _ := body["detail"].(string); !strings.Contains(d, "database cannot be reached") {
			t.Errorf("%s %s while down: detail %q", c.method, c.path, d)
		}
	}
	if r := getDoc(t, s.app.URL()+"/status/api/v2/summary.json"); r.status != http.StatusServiceUnavailable || r.retryAfter != "5" {
		t.Errorf("status JSON while down: %d Retry-After %q %s, want 503 with Retry-After: 5", r.status, r.retryAfter, r.body)
	}
	resp, err := console.Get(s.app.URL() + "/incidents")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "5" {
		t.Errorf("console while down: %d Retry-After %q, want 503 with Retry-After: 5", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

type doc struct {
	status     int
	retryAfter string
	body       string
}

func getDoc(t *testing.T, u string) doc {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return doc{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: string(b)}
}

// logOutage shows what was logged during the outage, for whoever reads
// the test's output.
func logOutage(t *testing.T, recs []slog.Record) {
	t.Helper()
	n := map[string]int{}
	for _, r := range recs {
		if r.Level >= slog.LevelWarn {
			n[r.Level.String()+" "+r.Message]++
		}
	}
	t.Logf("warnings and errors logged during the outage and recovery: %v", n)
}
