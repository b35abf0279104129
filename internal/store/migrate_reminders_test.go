package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// TestMigrateRemindersToOutbox: migration 00025 turns every row of
// obligation_reminders into a duty_reminder delivery with its outcome,
// attempts, addressee and duty; a reminder waiting for its retry stays
// pending with an outbox job when its reminder job still waits, and is
// failed when nothing would have retried it.
func TestMigrateRemindersToOutbox(t *testing.T) {
	t.Parallel()
	backends := []string{"sqlite"}
	if os.Getenv("FIREBREAK_TEST_POSTGRES_URL") != "" {
		backends = append(backends, "postgres")
	}
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn, driver, gd := filepath.Join(t.TempDir(), "old.db"), "sqlite", goose.DialectSQLite3
			if b == "postgres" {
				dsn, driver, gd = freshPostgres(t), "pgx", goose.DialectPostgres
			}
			raw, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			sub, err := fs.Sub(migrations, "migrations/"+b)
			if err != nil {
				t.Fatal(err)
			}
			p, err := goose.NewProvider(gd, raw, sub)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(ctx, 24); err != nil {
				t.Fatal(err)
			}
			d := dialect{name: b}
			created := time.Date(2026, 11, 27, 21, 0, 0, 0, time.UTC)
			due := created.Add(3 * time.Hour)
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := raw.ExecContext(ctx, d.q(q), args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec(`INSERT INTO contacts (id, username, name, kind, target, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				"c-bob", "bob", "hook", "webhook", `{"kind":"webhook","address":"https://hooks.example/bob/s3cr3t"}`, "api", d.t(created))
			// Bob's reminder job still waits for its retry (plan 4).
			exec(`INSERT INTO jobs (id, kind, args, run_at, state, attempt, max_attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				"job-1", "duties.remind", `{"incident":"inc-1","plan":4,"obligation":"nis2","phase":"early_warning","mark":"2h_before","due_at":"2026-11-28T00:00:00Z"}`,
				d.t(created.Add(time.Minute)), "pending", 1, 8, d.t(created))
			sent := created.Add(time.Second)
			for _, r := range []struct {
				id, user, contact, channel, mark, state, lastError string
				attempts                                           int
				sentAt                                             any
			}{
				{"rem-sent", "alice", "c-alice", "email", "2h_before", "sent", "", 1, d.t(sent)},
				{"rem-retry", "bob", "c-bob", "webhook", "2h_before", "failed", "retrying: webhook: 503", 1, nil},
				{"rem-gone", "bob", "c-bob", "webhook", "half_time", "failed", "retrying: webhook: 503", 8, nil},
				{"rem-never", "carol", "c-carol", "webhook", "2h_before", "failed", "webhook: 410 Gone", 1, nil},
				{"rem-none", "nobody", "", "", "2h_before", "no_contact", "nobody has no verified contact method", 0, nil},
			} {
				exec(`INSERT INTO obligation_reminders (id, incident_id, obligation_id, phase, mark, due_at, username, contact_id, channel,
					state, attempts, last_error, sent_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					r.id, "inc-1", "nis2", "early_warning", r.mark, d.t(due), r.user, r.contact, r.channel, r.state, r.attempts, r.lastError,
					r.sentAt, d.t(created))
			}
			raw.Close()

			db, err := Open(ctx, dsn, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ds, err := db.OutboxDeliveries(ctx, outbox.Query{Kind: "duty_reminder", Incident: "inc-1"})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]outbox.Delivery{}
			for _, d := range ds {
				got[d.ID] = d
			}
			type payload struct {
				Incident   string    `json:"incident"`
				Plan       int64     `json:"plan"`
				Obligation string    `json:"obligation"`
				Phase      string    `json:"phase"`
				Mark       string    `json:"mark"`
				DueAt      time.Time `json:"due_at"`
				User       string    `json:"user"`
				Contact    string    `json:"contact"`
				Channel    string    `json:"channel"`
			}
			for _, want := range []struct {
				id, state, lastError, user, to string
				attempts                       int
				plan                           int64
			}{
				{"rem-sent", "sent", "", "alice", "", 1, 4},
				{"rem-retry", "pending", "webhook: 503", "bob", "https://hooks.example/…", 1, 4},
				{"rem-gone", "failed", "webhook: 503", "bob", "https://hooks.example/…", 8, 0},
				{"rem-never", "failed", "webhook: 410 Gone", "carol", "", 1, 4},
				{"rem-none", "skipped", "nobody has no verified contact method", "nobody", "", 0, 4},
			} {
				dl, ok := got[want.id]
				if !ok {
					t.Fatalf("%s not migrated: %+v", want.id, ds)
				}
				var p payload
				if err := json.Unmarshal(dl.Payload, &p); err != nil {
					t.Fatalf("%s: payload %s: %v", want.id, dl.Payload, err)
				}
				if string(dl.State) != want.state || dl.LastError != want.lastError || dl.Attempts != want.attempts || dl.To() != want.to ||
					dl.Subject != (outbox.Subject{Kind: "duty", ID: "nis2:early_warning", Incident: "inc-1"}) || !dl.CreatedAt.Equal(created) {
					t.Errorf("%s migrated as %+v (to %q), want %+v", want.id, dl, dl.To(), want)
				}
				if p.User != want.user || p.Obligation != "nis2" || p.Phase != "early_warning" || !p.DueAt.Equal(due) || p.Incident != "inc-1" ||
					p.Contact != dl.Ref || p.Plan != want.plan {
					t.Errorf("%s: payload %s", want.id, dl.Payload)
				}
			}
			if s := got["rem-sent"].SentAt; s == nil || !s.Equal(sent) {
				t.Errorf("sent at %v, want %v", s, sent)
			}
			if got["rem-retry"].Target.Address != "https://hooks.example/bob/s3cr3t" {
				t.Errorf("the pending reminder lost its target: %+v", got["rem-retry"].Target)
			}
			// Only the pending one has a job, due now, that says what it sends.
			rows, err := db.read.QueryContext(ctx, `SELECT id, args, state FROM jobs WHERE kind = 'outbox.deliver' ORDER BY id`)
			if err != nil {
				t.Fatal(err)
			}
			var jobs []string
			for rows.Next() {
				var id, args, state string
				if err := rows.Scan(&id, &args, &state); err != nil {
					t.Fatal(err)
				}
				var a map[string]string
				if err := json.Unmarshal([]byte(args), &a); err != nil {
					t.Fatalf("job args %s: %v", args, err)
				}
				jobs = append(jobs, id+" "+a["id"]+" "+a["kind"]+" "+state)
			}
			rows.Close()
			if want := []string{"rem-retry rem-retry duty_reminder pending"}; !slices.Equal(jobs, want) {
				t.Fatalf("outbox jobs %q, want %q", jobs, want)
			}
			var n int
			err = db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = 'duties.remind'`).Scan(&n)
			if err != nil || n != 1 {
				t.Fatalf("the reminder job: %d %v", n, err)
			}
		})
	}
}
