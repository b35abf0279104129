package app_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/outbox"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestPagesMigratedToOutbox: a database at the schema before migration
// 00024, with pages in the old deliveries tables (one pending with its
// paging.deliver job and one earlier failed attempt, one failed with its
// job dead), is migrated by the server's start: the pending page is sent
// as an outbox delivery with the same ID (its acknowledgement link names
// it), its old attempt kept beside the new one, shown where the
// escalation is; the dead one is listed as a dead outbox job of kind
// page. On SQLite, and on PostgreSQL when FIREBREAK_TEST_POSTGRES_URL is
// set.
func TestPagesMigratedToOutbox(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			dsn := storetest.SQLiteDSN(t)
			driver := "sqlite"
			if backend == "postgres" {
				dsn, driver = storetest.PostgresDSN(t), "pgx" // skips without the URL
			}
			var mu sync.Mutex
			var got []notify.WebhookPayload
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var p notify.WebhookPayload
				body, _ := io.ReadAll(r.Body)
				if err := json.Unmarshal(body, &p); err != nil {
					t.Errorf("page body: %v", err)
				}
				mu.Lock()
				got = append(got, p)
				mu.Unlock()
			}))
			t.Cleanup(recv.Close)
			oldPages(t, driver, backend, dsn, recv.URL+"/hook")

			ctx := context.Background()
			fb, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: dsn, Version: "test", BootstrapToken: adminToken,
				Outbound: outbound.LoopbackPolicy(), PublicURL: "https://fb.example"})
			if err != nil {
				t.Fatal(err)
			}
			if err := fb.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { fb.Stop(context.Background()) })

			t.Cleanup(func() {
				if t.Failed() {
					d, err := fb.DB.OutboxDelivery(ctx, "d-pending")
					t.Logf("d-pending: %+v %v", d, err)
					js, _ := fb.DB.DeadJobs(ctx, 10)
					t.Logf("dead: %+v", js)
				}
			})
			waitUntil(t, "the migrated page delivered", 15*time.Second, func() bool {
				d, err := fb.DB.OutboxDelivery(ctx, "d-pending")
				return err == nil && d.State == outbox.Sent
			})
			mu.Lock()
			if len(got) != 1 || !strings.Contains(got[0].AckURL, "https://fb.example/ack/d-pending.") || !strings.Contains(got[0].Title, "INC-1") {
				t.Errorf("pages received: %+v", got)
			}
			mu.Unlock()
			d, err := fb.DB.OutboxDelivery(ctx, "d-pending")
			if err != nil || d.Kind != escalation.KindPage || d.Subject != (outbox.Subject{Kind: escalation.SubjectEscalation, ID: "e-old", Incident: "inc-1"}) ||
				d.Ref != "c-ann" || d.Attempts != 2 {
				t.Fatalf("migrated delivery %+v, %v", d, err)
			}
			_, views, err := fb.Services.Escalations.Escalation(ctx, "e-old")
			if err != nil || len(views) != 2 {
				t.Fatalf("escalation's pages: %+v, %v", views, err)
			}
			byID := map[string]escalation.Delivery{}
			for _, v := range views {
				byID[v.ID] = v
			}
			p := byID["d-pending"]
			if p.User != "ann" || p.ContactID != "c-ann" || p.Channel != notify.KindWebhook || p.Target != "http://127.0.0.1/…" ||
				p.Step.Step != 0 || p.State != escalation.DeliverySent || len(p.History) != 2 || p.History[0].OK || p.History[0].StatusCode != 503 || !p.History[1].OK {
				t.Errorf("the pending page's view: %+v", p)
			}
			if f := byID["d-failed"]; f.State != escalation.DeliveryFailed || f.LastError != "410: Gone" || len(f.History) != 1 {
				t.Errorf("the failed page's view: %+v", f)
			}
			dead, err := fb.DB.DeadJobs(ctx, 10)
			if err != nil || len(dead) != 1 || dead[0].ID != "d-failed" || dead[0].Kind != outbox.JobDeliver || dead[0].LastError != "page: 410: Gone" {
				t.Fatalf("dead jobs: %+v, %v", dead, err)
			}
		})
	}
}

// oldPages writes a database at schema 00023 with pages in the old
// tables and their jobs.
func oldPages(t *testing.T, driver, backend, dsn, hook string) {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dialect := goose.DialectSQLite3
	if backend == "postgres" {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, db, os.DirFS(filepath.Join("..", "store", "migrations", backend)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 23); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Add(-time.Minute)
	at := func(d time.Duration) any {
		v := now.Add(d).Truncate(time.Microsecond)
		if backend == "postgres" {
			return v
		}
		return v.Format("2006-01-02T15:04:05.000000Z")
	}
	q := func(s string) string {
		if backend != "postgres" {
			return s
		}
		n := 0
		var b strings.Builder
		for _, r := range s {
			if r == '?' {
				n++
				fmt.Fprintf(&b, "$%d", n)
				continue
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	target, _ := json.Marshal(notify.Target{Kind: notify.KindWebhook, Address: hook, Secret: "0123456789abcdef-migrated"})
	esc := `{"id":"e-old","subject":{"kind":"incident","id":"inc-1","ref":"INC-1","title":"Checkout down","severity":"SEV1"},` +
		`"cause":"commander:SEV1","policy":{"name":"primary","steps":[{"targets":[{"kind":"user","name":"ann"}],"delay":5}]},` +
		`"state":"open","steps_run":1,"created_by":"system","created_at":"` + now.Format(time.RFC3339Nano) + `","log":[]}`
	for _, s := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO contacts (id, username, name, kind, target, verified_at, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			[]any{"c-ann", "ann", "hook", "webhook", string(target), at(0), "api", at(0)}},
		{`INSERT INTO escalations (id, subject_kind, subject_id, cause, state, created_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			[]any{"e-old", "incident", "inc-1", "commander:SEV1", "open", at(0), esc}},
		{`INSERT INTO deliveries (id, escalation_id, username, contact_id, channel, target, state, attempts, last_error, created_at, due_at, sent_at, doc)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
			[]any{"d-pending", "e-old", "ann", "c-ann", "webhook", "http://127.0.0.1/…", "pending", 1, "503: Service Unavailable", at(0), at(0),
				`{"id":"d-pending","escalation_id":"e-old","user":"ann","contact_id":"c-ann","channel":"webhook","target":"http://127.0.0.1/…","state":"pending","attempts":0,"step":{"round":0,"step":0},"kind":"page"}`}},
		{`INSERT INTO deliveries (id, escalation_id, username, contact_id, channel, target, state, attempts, last_error, created_at, due_at, sent_at, doc)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
			[]any{"d-failed", "e-old", "ann", "c-ann", "webhook", "http://127.0.0.1/…", "failed", 1, "410: Gone", at(time.Second), at(time.Second),
				`{"id":"d-failed","escalation_id":"e-old","user":"ann","contact_id":"c-ann","channel":"webhook","target":"http://127.0.0.1/…","state":"pending","attempts":0,"step":{"round":0,"step":0},"kind":"page"}`}},
		{`INSERT INTO delivery_attempts (delivery_id, attempt, at, ok, status_code, error, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			[]any{"d-pending", 1, at(0), false, 503, "503: Service Unavailable", 12.5}},
		{`INSERT INTO delivery_attempts (delivery_id, attempt, at, ok, status_code, error, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			[]any{"d-failed", 1, at(time.Second), false, 410, "410: Gone", 3.0}},
		{`INSERT INTO jobs (id, kind, args, run_at, state, attempt, max_attempts, last_error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			[]any{"d-pending", "paging.deliver", `{"id":"d-pending"}`, at(0), "pending", 1, 8, "503: Service Unavailable", at(0)}},
		{`INSERT INTO jobs (id, kind, args, run_at, state, attempt, max_attempts, last_error, created_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			[]any{"d-failed", "paging.deliver", `{"id":"d-failed"}`, at(time.Second), "dead", 1, 8, "410: Gone", at(time.Second), at(time.Second)}},
	} {
		if _, err := db.ExecContext(ctx, q(s.sql), s.args...); err != nil {
			t.Fatalf("%s: %v", s.sql, err)
		}
	}
}
