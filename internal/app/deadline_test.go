package app_test

import (
	"context"
	"database/sql"
	"net/http"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestDatabaseDeadlineOnPostgres: with the incidents table locked by
// another connection (a frozen database, without stopping the shared
// server), a read and a write of incidents answer 503 with Retry-After
// once the request deadline has passed — not a hang, not 500 — and
// /readyz fails; once the lock is gone the same requests succeed and
// /readyz passes, without a restart.
func TestDatabaseDeadlineOnPostgres(t *testing.T) {
	t.Parallel()
	dsn := storetest.PostgresDSN(t) // skips without FIREBREAK_TEST_POSTGRES_URL
	const deadline = time.Second
	a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DSN: dsn, BootstrapToken: adminToken, Version: "test",
		RequestTimeout: deadline})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	s := &setup{app: a}
	if code, body, _ := raw(t, s, "POST", "/api/v1/incidents", adminToken, `{"title":"before the freeze"}`); code != http.StatusCreated {
		t.Fatalf("declare: %d %v", code, body)
	}

	locker, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	lctx, cancel := context.WithTimeout(context.Background(), time.Minute) // the lock never outlives the test
	defer cancel()
	tx, err := locker.BeginTx(lctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(lctx, `LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/incidents", ""},
		{"POST", "/api/v1/incidents", `{"title":"during the freeze"}`},
	} {
		start := time.Now()
		code, body, h := raw(t, s, c.method, c.path, adminToken, c.body)
		took := time.Since(start)
		if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" {
			t.Errorf("%s %s while frozen: %d Retry-After %q %v, want 503 with Retry-After", c.method, c.path, code, h.Get("Retry-After"), body)
		}
		if took < deadline || took > deadline+3*time.Second {
			t.Errorf("%s %s answered after %s, want just after the %s deadline", c.method, c.path, took, deadline)
		}
		t.Logf("%s %s while frozen: %d after %s: %v", c.method, c.path, code, took.Round(time.Millisecond), body["detail"])
	}
	if code, _, h := raw(t, s, "GET", "/readyz", "", ""); code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" {
		t.Errorf("/readyz while frozen: %d, want 503 with Retry-After", code)
	}

	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if code, body, _ := raw(t, s, "POST", "/api/v1/incidents", adminToken, `{"title":"after the freeze"}`); code != http.StatusCreated {
		t.Errorf("declare after the freeze: %d %v", code, body)
	}
	code, body, _ := raw(t, s, "GET", "/api/v1/incidents", adminToken, "")
	if code != http.StatusOK {
		t.Fatalf("list after the freeze: %d %v", code, body)
	}
	items, _ := body["items"].([]any)
	if len(items) != 2 {
		t.Errorf("%d incidents after the freeze, want 2 (the one refused during it is not there)", len(items))
	}
	if code, _, _ := raw(t, s, "GET", "/readyz", "", ""); code != http.StatusOK {
		t.Errorf("/readyz after the freeze: %d", code)
	}
}
