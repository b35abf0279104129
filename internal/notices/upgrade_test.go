package notices_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/outbox"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// A server upgraded in the middle of delivering: a notice with one email
// sent and one still to go, an update with one channel sent and one to
// go, and a reminder to a person still to go, all recorded the way they
// were before migration 00023 (the notice's deliveries in its document,
// update_deliveries rows, jobs of the old kinds). After the upgrade the
// outbox shows what was sent and delivers the rest, and the notice is
// recorded sent with one notice.sent event for the email sent now.
func TestUpgradeMidDelivery(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn, driver := storetest.SQLiteDSN(t), "sqlite"
			if b.Name == "postgres" {
				dsn, driver = storetest.PostgresDSN(t), "pgx"
			}
			clock := storetest.NewClock(start)
			in := newInbox(t, clock.Now)
			r := &relay{sent: map[string]notify.Document{}}
			cfg := notices.Config{Approval: map[notices.Audience]bool{notices.Customer: false}}

			w := openWorld(t, dsn, clock, in)
			for _, u := range []string{"alice", "bob"} {
				if _, err := w.app.Services.Auth.CreateUser(ctx, auth.UserInput{Username: u, Role: auth.Responder}); err != nil {
					t.Fatal(err)
				}
			}
			w.reachable(t, "alice")
			w.svc.Configure(cfg, r)
			inc := w.declare(t, incident.DeclareInput{Title: "Outage"})
			n, err := w.svc.Draft(ctx, viewer("alice"), inc.Ref, notices.DraftInput{Audience: notices.Customer, Title: "Notice", Body: "Exact text.\n"})
			if err != nil {
				t.Fatal(err)
			}
			u, err := w.svc.Post(ctx, viewer("alice"), inc.Ref, "Rolled back.")
			if err != nil {
				t.Fatal(err)
			}
			sub, err := w.svc.Subscribe(ctx, viewer("alice"), inc.Ref, "ops", notify.Target{Kind: notify.KindWebhook, Address: in.srv.URL + "/ops", Secret: hookKey})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.app.Stop(ctx); err != nil {
				t.Fatal(err)
			}

			// Back to the schema before, and the old records.
			raw, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			p, err := goose.NewProvider(map[string]goose.Dialect{"sqlite": goose.DialectSQLite3, "pgx": goose.DialectPostgres}[driver], raw,
				os.DirFS("../store/migrations/"+b.Name))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.DownTo(ctx, 22); err != nil {
				t.Fatal(err)
			}
			old := oldDB{t: t, db: raw, pg: driver == "pgx"}
			at := start.Add(-time.Minute)
			old.sendingNotice(n.ID, notices.Email{Subject: "Notice", From: r.Sender(), RequestedBy: "alice", RequestedAt: at, TextSHA256: n.TextSHA256,
				Deliveries: []notices.EmailDelivery{
					{ID: "d-sent", To: "a@x.test", State: notices.DeliverySent, Attempts: 1, MessageID: "m-a@example.com", Reply: "250 OK", SentAt: &at,
						MessageSHA256: "abc123", MessageSize: 321},
					{ID: "d-pending", To: "b@x.test", State: notices.DeliveryPending, Attempts: 1, LastError: "421 try again later"},
				}})
			old.job("d-pending", "notices.send", map[string]string{"notice": n.ID, "delivery": "d-pending"}, at)
			for i, state := range []notices.DeliveryState{notices.DeliverySent, notices.DeliveryPending} {
				d := notices.UpdateDelivery{ID: fmt.Sprintf("ud-%d", i), UpdateID: u.ID, IncidentID: inc.ID, SubscriptionID: sub.ID, Name: "ops",
					Channel: notify.KindWebhook, Target: sub.Address, State: state, CreatedAt: at.Add(time.Duration(i) * time.Second)}
				if state == notices.DeliverySent {
					d.Attempts, d.StatusCode, d.SentAt = 1, 200, &at
				}
				doc, _ := json.Marshal(d)
				old.exec(`INSERT INTO update_deliveries (id, incident_id, update_id, state, created_at, doc) VALUES (?, ?, ?, ?, ?, ?)`,
					d.ID, d.IncidentID, d.UpdateID, string(d.State), old.ts(d.CreatedAt), string(doc))
			}
			old.job("ud-1", "updates.deliver", map[string]string{"id": "ud-1"}, at)
			old.job("rm-1", "updates.remind_user", map[string]any{"incident": inc.ID, "user": "alice", "due": at, "last": at.Add(-time.Hour)}, at)
			if err := raw.Close(); err != nil {
				t.Fatal(err)
			}

			// The upgraded server.
			w = openWorld(t, dsn, clock, in)
			w.svc.Configure(cfg, r)
			w.run(t)

			got, err := w.svc.Get(ctx, viewer("alice"), inc.Ref, n.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != notices.Sent || got.Email == nil || got.Email.CompletedAt == nil || len(got.Email.Deliveries) != 2 {
				t.Fatalf("the notice after the upgrade: %s %+v", got.Status, got.Email)
			}
			if d := got.Email.Deliveries[0]; d.ID != "d-sent" || d.State != notices.DeliverySent || d.MessageID != "m-a@example.com" ||
				d.MessageSHA256 != "abc123" || d.MessageSize != 321 || d.SentAt == nil || !d.SentAt.Equal(at) {
				t.Fatalf("the email sent before: %+v", d)
			}
			if d := got.Email.Deliveries[1]; d.ID != "d-pending" || d.To != "b@x.test" || d.State != notices.DeliverySent || d.Attempts != 2 ||
				d.MessageID != "notice.d-pending@example.com" {
				t.Fatalf("the email sent after: %+v", d)
			}
			if r.count() != 1 || r.sent["b@x.test"].Text != "Exact text.\n" {
				t.Fatalf("the relay got %v", r.sent)
			}
			if c := count(eventTypes(t, w, inc.Ref), incident.EvNoticeSent); c != 1 {
				t.Fatalf("%d notice.sent events, want the one of the email sent now", c)
			}

			if msgs := in.take("ops"); len(msgs) != 1 || msgs[0].Body != "Rolled back." {
				t.Fatalf("the channel received %+v", msgs)
			}
			v, err := w.svc.Updates(ctx, viewer("alice"), inc.Ref)
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Deliveries) != 2 || v.Deliveries[0].ID != "ud-0" || v.Deliveries[1].ID != "ud-1" {
				t.Fatalf("update deliveries %+v", v.Deliveries)
			}
			for _, d := range v.Deliveries {
				if d.State != notices.DeliverySent || d.Name != "ops" || d.SubscriptionID != sub.ID || d.UpdateID != u.ID || d.Target != sub.Address {
					t.Fatalf("update delivery %+v", d)
				}
			}

			msgs := in.take("alice")
			if len(msgs) != 1 || !strings.Contains(msgs[0].Title, "a stakeholder update is due") {
				t.Fatalf("alice received %+v", msgs)
			}
			ds, err := w.app.DB.OutboxDeliveries(ctx, outbox.Query{Kind: notices.KindUpdateReminder})
			if err != nil || len(ds) != 1 || ds[0].State != outbox.Sent || ds[0].Subject.Incident != inc.ID || !strings.HasPrefix(ds[0].ID, "rm-1.") {
				t.Fatalf("reminder deliveries %+v %v", ds, err)
			}
		})
	}
}

// openWorld starts a server on dsn (migrating it) with the inbox.
func openWorld(t *testing.T, dsn string, clock *storetest.Clock, in *inbox) *world {
	t.Helper()
	ctx := context.Background()
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: dsn, Version: "test", Now: clock.Now, PublicURL: "http://firebreak.test",
		Outbound: outbound.LoopbackPolicy()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	w := &world{app: a, svc: a.Services.Notices, clock: clock, inbox: in, ctx: ctx}
	for _, s := range []interface{ SetBaseURL(string) }{a.Services.Roster, a.Services.Contacts, a.Services.Escalations, w.svc} {
		s.SetBaseURL("http://firebreak.test")
	}
	return w
}

// oldDB writes rows the way the server did before migration 00023.
type oldDB struct {
	t  *testing.T
	db *sql.DB
	pg bool
}

func (o oldDB) exec(query string, args ...any) {
	o.t.Helper()
	if o.pg {
		for i := 1; strings.Contains(query, "?"); i++ {
			query = strings.Replace(query, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	if _, err := o.db.Exec(query, args...); err != nil {
		o.t.Fatalf("%s: %v", query, err)
	}
}

// ts is a time as the store writes it.
func (o oldDB) ts(v time.Time) any {
	if o.pg {
		return v.UTC()
	}
	return v.UTC().Format("2006-01-02T15:04:05.000000Z")
}

func (o oldDB) job(id, kind string, args any, at time.Time) {
	o.t.Helper()
	b, _ := json.Marshal(args)
	o.exec(`INSERT INTO jobs (id, kind, args, run_at, state, attempt, max_attempts, last_error, created_at) VALUES (?, ?, ?, ?, 'pending', 0, 10, '', ?)`,
		id, kind, string(b), o.ts(at), o.ts(at))
}

// sendingNotice makes a draft notice one being emailed, its deliveries in
// its document.
func (o oldDB) sendingNotice(id string, e notices.Email) {
	o.t.Helper()
	var doc string
	var version int64
	if err := o.db.QueryRow(map[bool]string{false: `SELECT doc, version FROM notices WHERE id = ?`, true: `SELECT doc, version FROM notices WHERE id = $1`}[o.pg], id).
		Scan(&doc, &version); err != nil {
		o.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		o.t.Fatal(err)
	}
	email, _ := json.Marshal(e)
	m["email"], m["status"], m["version"], m["final_at"] = json.RawMessage(email), string(notices.Sending), version+1, e.RequestedAt
	m["recipients"] = []string{"a@x.test", "b@x.test"}
	b, _ := json.Marshal(m)
	o.exec(`UPDATE notices SET doc = ?, status = ?, version = ? WHERE id = ?`, string(b), string(notices.Sending), version+1, id)
}
