package httpapi_test

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/store"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// A server killed after a command committed but before its answer was
// stored leaves the key as the command's own transaction marked it:
// applied, with what it created. A retry past the stale window is answered
// from that (a declare with the incident as it is now; other operations
// with a 409 naming what was created) and never runs the command again.
// Before this, the key stayed "processing" and the retry ran the command a
// second time.
func TestIdempotencyKeyAfterACrash(t *testing.T) {
	t.Parallel()
	dsn := storetest.SQLiteDSN(t)
	clock := storetest.NewClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	s := newSetupDSN(t, dsn, clock.Now)
	rw, err := sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rw.Close() })
	if a := s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"the incident notes go to"}`); a.status != 201 {
		t.Fatalf("declare: %d %s", a.status, a.raw)
	}
	// count reports how many of something exist, to see nothing doubled.
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := rw.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	tests := []struct {
		name, user, path, body string
		status                 int    // of the retry after the crash
		created                string // what the 409 names
		id                     func(first answer) string
		count                  func() int
	}{
		{"declare", "rita", "/api/v1/incidents", `{"title":"declared before the crash"}`, 201, "incident",
			func(a answer) string { return fmt.Sprint(a.body["ref"]) },
			func() int { return count(`SELECT count(*) FROM incidents WHERE title = 'declared before the crash'`) }},
		{"note", "rita", "/api/v1/incidents/INC-1/timeline", `{"kind":"note","body":"noted before the crash"}`, 409, "event",
			func(a answer) string { return fmt.Sprintf("INC-1/%v", a.body["seq"]) },
			func() int { return count(`SELECT count(*) FROM events WHERE data LIKE '%noted before the crash%'`) }},
		{"token", "admin", "/api/v1/tokens", `{"user":"rita","name":"made before the crash"}`, 409, "token",
			func(a answer) string { return fmt.Sprint(a.body["id"]) },
			func() int { return count(`SELECT count(*) FROM api_tokens WHERE name = 'made before the crash'`) }},
		{"report", "vera", "/api/v1/reports", `{"title":"reported before the crash"}`, 409, "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "crash-" + tt.name
			first := s.call(t, tt.user, "POST", tt.path, tt.body, "Idempotency-Key", key)
			if first.status != 201 {
				t.Fatalf("first request: %d %s", first.status, first.raw)
			}
			// kill -9 between the command's commit and the stored answer:
			// the answer is gone, the mark of the command's transaction is
			// not.
			if _, err := rw.Exec(`UPDATE idempotency_keys SET status = 0, content_type = '', body = x'' WHERE key = ?`, key); err != nil {
				t.Fatal(err)
			}
			if a := s.call(t, tt.user, "POST", tt.path, tt.body, "Idempotency-Key", key); a.status != 409 || !strings.Contains(a.raw, "still being processed") {
				t.Fatalf("retry within the stale window: %d %s", a.status, a.raw)
			}
			clock.Advance(store.DefaultIdempotencyStale)
			for range 2 {
				a := s.call(t, tt.user, "POST", tt.path, tt.body, "Idempotency-Key", key)
				if a.status != tt.status || a.header.Get("Idempotent-Replayed") != "true" {
					t.Fatalf("retry after the crash: %d (Idempotent-Replayed %q) %s", a.status, a.header.Get("Idempotent-Replayed"), a.raw)
				}
				switch a.status {
				case 201:
					if a.body["ref"] != first.body["ref"] || a.body["title"] != first.body["title"] || a.header.Get("ETag") != first.header.Get("ETag") {
						t.Fatalf("retry answered %v %v (ETag %s), the first %v %v (ETag %s)",
							a.body["ref"], a.body["title"], a.header.Get("ETag"), first.body["ref"], first.body["title"], first.header.Get("ETag"))
					}
				case 409:
					want := ""
					if tt.id != nil {
						want = tt.id(first)
					}
					if a.body["type"] != "https://firebreak.dev/problems/applied-answer-lost" || fmt.Sprint(a.body["created"]) != fmt.Sprint(orNil(tt.created)) ||
						fmt.Sprint(a.body["id"]) != fmt.Sprint(orNil(want)) || !strings.Contains(a.raw, "was applied") {
						t.Fatalf("retry after the crash, want a 409 naming %s %s: %s", tt.created, want, a.raw)
					}
					if sec, ok := first.body["secret"].(string); ok && strings.Contains(a.raw, sec) {
						t.Fatalf("the retry's answer holds the first answer's secret: %s", a.raw)
					}
				}
			}
			if tt.count != nil {
				if n := tt.count(); n != 1 {
					t.Fatalf("%d after the retries, want 1: the request ran again", n)
				}
			}
		})
	}
}

// orNil is v, or nil for "" (a field left out of the answer).
func orNil(v string) any {
	if v == "" {
		return nil
	}
	return v
}
