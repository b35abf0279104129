package httpapi_test

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// syncBuffer is a bytes.Buffer safe for the logger and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A revoked bootstrap token must neither stop the next start nor work
// again: the server starts, says why it ignores the variable, and the
// token stays refused.
func TestRevokedBootstrapTokenIsIgnoredWithAWarning(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			dsn := storetest.SQLiteDSN(t)
			if b.Name == "postgres" {
				dsn = storetest.PostgresDSN(t)
			}
			start := func(out, logs *syncBuffer) *setup {
				t.Helper()
				a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DSN: dsn, BootstrapToken: adminToken, Version: "test",
					Out: out, Logger: slog.New(slog.NewTextHandler(logs, nil))})
				if err != nil {
					t.Fatalf("start with a revoked bootstrap token: %v", err)
				}
				if err := a.Start(context.Background()); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { a.Stop(context.Background()) })
				return &setup{url: a.URL(), app: a, tokens: map[string]string{"admin": adminToken}}
			}
			s := start(&syncBuffer{}, &syncBuffer{})
			me := s.call(t, "admin", "GET", "/api/v1/me", "")
			id, _ := me.body["token_id"].(string)
			if me.status != 200 || id == "" {
				t.Fatalf("me: %d %s", me.status, me.raw)
			}
			if a := s.call(t, "admin", "DELETE", "/api/v1/tokens/"+id, ""); a.status != 204 {
				t.Fatalf("revoke the bootstrap token: %d %s", a.status, a.raw)
			}
			if err := s.app.Stop(context.Background()); err != nil {
				t.Fatal(err)
			}

			out, logs := &syncBuffer{}, &syncBuffer{}
			s = start(out, logs)
			want := "the bootstrap token (FIREBREAK_BOOTSTRAP_ADMIN_TOKEN, token " + id + ") was revoked at "
			for name, text := range map[string]string{"printed": out.String(), "logged": logs.String()} {
				if !strings.Contains(text, want) || !strings.Contains(text, "it is ignored — unset FIREBREAK_BOOTSTRAP_ADMIN_TOKEN") {
					t.Errorf("%s at start, want the warning %q…:\n%s", name, want, text)
				}
			}
			if !strings.Contains(logs.String(), "level=WARN") {
				t.Errorf("the warning is not logged at WARN:\n%s", logs)
			}
			if a := s.call(t, "admin", "GET", "/api/v1/me", ""); a.status != 401 {
				t.Fatalf("the revoked bootstrap token works again after a restart: %d %s", a.status, a.raw)
			}
			// A third start says the same and still works.
			if err := s.app.Stop(context.Background()); err != nil {
				t.Fatal(err)
			}
			out = &syncBuffer{}
			start(out, &syncBuffer{})
			if !strings.Contains(out.String(), want) {
				t.Fatalf("third start: %s", out)
			}
		})
	}
}

// Deactivating a user revokes their tokens; reactivating them brings back
// the account, not the old tokens.
func TestTokensStayRevokedAfterReactivation(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	old := s.tokens["rita"]
	second := s.call(t, "admin", "POST", "/api/v1/tokens", `{"user":"rita","name":"ci"}`)
	if second.status != 201 {
		t.Fatalf("second token: %d %s", second.status, second.raw)
	}
	s.tokens["rita-ci"] = second.body["secret"].(string)
	for _, u := range []string{"rita", "rita-ci"} {
		if a := s.call(t, u, "GET", "/api/v1/me", ""); a.status != 200 {
			t.Fatalf("%s before: %d %s", u, a.status, a.raw)
		}
	}
	if a := s.call(t, "admin", "PATCH", "/api/v1/users/rita", `{"active":false}`); a.status != 200 {
		t.Fatalf("deactivate: %d %s", a.status, a.raw)
	}
	for _, u := range []string{"rita", "rita-ci"} {
		if a := s.call(t, u, "GET", "/api/v1/me", ""); a.status != 401 {
			t.Fatalf("%s while deactivated: %d %s", u, a.status, a.raw)
		}
	}
	list := s.call(t, "admin", "GET", "/api/v1/tokens?user=rita", "")
	if !strings.Contains(list.raw, `"revoked_at"`) || strings.Count(list.raw, `"revoked_at"`) != 2 {
		t.Fatalf("the tokens of a deactivated user are not marked revoked: %s", list.raw)
	}
	if a := s.call(t, "admin", "PATCH", "/api/v1/users/rita", `{"active":true}`); a.status != 200 {
		t.Fatalf("reactivate: %d %s", a.status, a.raw)
	}
	for _, u := range []string{"rita", "rita-ci"} {
		if a := s.call(t, u, "GET", "/api/v1/me", ""); a.status != 401 {
			t.Fatalf("%s's old token came back with the reactivation: %d %s", u, a.status, a.raw)
		}
	}
	fresh := s.call(t, "admin", "POST", "/api/v1/tokens", `{"user":"rita","name":"after"}`)
	if fresh.status != 201 {
		t.Fatalf("new token after reactivation: %d %s", fresh.status, fresh.raw)
	}
	s.tokens["rita"] = fresh.body["secret"].(string)
	if a := s.call(t, "rita", "GET", "/api/v1/me", ""); a.status != 200 || s.tokens["rita"] == old {
		t.Fatalf("the new token: %d %s", a.status, a.raw)
	}
}

// openRO opens the test's SQLite database read-only, to look at what the
// server stored.
func openRO(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+dsn+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
