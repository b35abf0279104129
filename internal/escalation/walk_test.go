package escalation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/roster"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// inbox is a loopback webhook receiver that checks every signature and
// keeps each user's messages (the URL path names the user).
type inbox struct {
	t   *testing.T
	srv *httptest.Server
	now func() time.Time
	mu  sync.Mutex
	got map[string][]notify.WebhookPayload
}

const hookKey = "0123456789abcdef-walk"

func newInbox(t *testing.T, now func() time.Time) *inbox {
	in := &inbox{t: t, now: now, got: map[string][]notify.WebhookPayload{}}
	in.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		err := notify.VerifySignature([]byte(hookKey), r.Header.Get("X-Firebreak-Timestamp"), r.Header.Get("X-Firebreak-Signature"), body, in.now(), 0)
		if err != nil {
			t.Errorf("webhook to %s: bad signature: %v", r.URL.Path, err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var p notify.WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		in.mu.Lock()
		in.got[strings.TrimPrefix(r.URL.Path, "/")] = append(in.got[strings.TrimPrefix(r.URL.Path, "/")], p)
		in.mu.Unlock()
	}))
	t.Cleanup(in.srv.Close)
	return in
}

// take returns and forgets the messages user received.
func (in *inbox) take(user string) []notify.WebhookPayload {
	in.mu.Lock()
	defer in.mu.Unlock()
	m := in.got[user]
	delete(in.got, user)
	return m
}

type world struct {
	app   *app.App
	svc   *app.Services
	clock *storetest.Clock
	inbox *inbox
	ctx   context.Context
}

func newWorld(t *testing.T, dsn string) *world {
	t.Helper()
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)) // a Wednesday
	w := &world{clock: clock, ctx: ctx}
	w.inbox = newInbox(t, clock.Now)
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: dsn, Version: "test", Now: clock.Now, PublicURL: "http://firebreak.test",
		Outbound: outbound.LoopbackPolicy()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	w.app, w.svc = a, a.Services
	for _, s := range []interface{ SetBaseURL(string) }{a.Services.Roster, a.Services.Contacts, a.Services.Escalations} {
		s.SetBaseURL("http://firebreak.test")
	}
	return w
}

var codeRE = regexp.MustCompile(`code (\d{6})`)

// person creates a user with one verified webhook contact.
func (w *world) person(t *testing.T, name string) contacts.Contact {
	t.Helper()
	if _, err := w.app.Services.Auth.CreateUser(w.ctx, auth.UserInput{Username: name, Role: auth.Responder}); err != nil {
		t.Fatal(err)
	}
	return w.contact(t, name, "hook", "/"+name)
}

func (w *world) contact(t *testing.T, user, name, path string) contacts.Contact {
	t.Helper()
	me := contacts.Actor{User: user}
	c, err := w.svc.Contacts.AddContact(w.ctx, me, user, contacts.ContactInput{Name: name,
		Target: notify.Target{Kind: notify.KindWebhook, Address: w.inbox.srv.URL + path, Secret: hookKey}})
	if err != nil {
		t.Fatal(err)
	}
	msgs := w.inbox.take(strings.TrimPrefix(path, "/"))
	if len(msgs) != 1 {
		t.Fatalf("%s: want one verification message, got %d", user, len(msgs))
	}
	m := codeRE.FindStringSubmatch(msgs[0].Title)
	if m == nil {
		t.Fatalf("no code in %q", msgs[0].Title)
	}
	if _, err := w.svc.Contacts.VerifyContact(w.ctx, me, c.ID, "000000x"); err == nil {
		t.Fatal("a wrong code verified the contact")
	}
	c, err = w.svc.Contacts.VerifyContact(w.ctx, me, c.ID, m[1])
	if err != nil || !c.Verified {
		t.Fatalf("verify: %v %+v", err, c)
	}
	return c
}

// run runs every job due now, as the engine's loop would.
func (w *world) run(t *testing.T) {
	t.Helper()
	for range 20 {
		n, err := w.app.Engine.RunDue(w.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("jobs keep coming")
}

func (w *world) advance(t *testing.T, d time.Duration) {
	t.Helper()
	w.clock.Advance(d)
	w.run(t)
}

// fire sends one generic alert for service and returns its queue entry ID.
func (w *world) fire(t *testing.T, service, key string) string {
	t.Helper()
	_, secret, err := w.app.Services.Triage.CreateIntegration(w.ctx, "admin", triage.IntegrationInput{Kind: alert.SourceGeneric, Name: "gen-" + key, Service: service})
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"dedup_key": %q, "action": "trigger", "summary": "Checkout errors above 5%%", "severity": "critical"}`, key)
	rec, err := w.app.Services.Triage.Receive(w.ctx, alert.SourceGeneric, secret, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	q, err := w.app.Services.Triage.Queue(w.ctx, incident.Viewer{User: "admin", SeeAll: true}, true, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range q {
		if e.Integration == "gen-"+key {
			return e.Group.ID
		}
	}
	t.Fatalf("no queue entry from gen-%s (%+v)", key, rec)
	return ""
}

func (w *world) setup(t *testing.T) {
	t.Helper()
	for _, u := range []string{"alice", "bob", "carol"} {
		w.person(t, u)
	}
	berlin := time.FixedZone("", 3600)
	sch := oncall.Schedule{Name: "primary", TimeZone: "Europe/Berlin", Layers: []oncall.Layer{{
		Name: "weekly", Users: []string{"alice", "bob"}, Start: time.Date(2026, 11, 23, 9, 0, 0, 0, berlin),
		Rotation: oncall.Rotation{Kind: oncall.Weekly}}}}
	pol := oncall.Policy{Name: "checkout", Repeat: 1, Steps: []oncall.Step{
		{Targets: []oncall.Target{{Kind: oncall.TargetSchedule, Name: "primary"}}, Delay: 5},
		{Targets: []oncall.Target{{Kind: oncall.TargetUser, Name: "carol"}}, Delay: 10},
	}}
	if err := w.svc.Roster.Change(w.ctx, "admin", []any{sch, pol, roster.Service{Name: "checkout", Policy: "checkout"}}, nil); err != nil {
		t.Fatal(err)
	}
}

func paged(ms []notify.WebhookPayload) int { return len(ms) }

func TestEscalationWalk(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			dsn := storetest.SQLiteDSN(t)
			if b.Name == "postgres" {
				dsn = storetest.PostgresDSN(t)
			}
			w := newWorld(t, dsn)
			w.setup(t)
			entry := w.fire(t, "checkout", "walk-1")
			w.run(t)

			// Step 1 pages whoever is on call in "primary": alice this week.
			if n := paged(w.inbox.take("alice")); n != 1 {
				t.Fatalf("step 1: alice got %d pages, want 1", n)
			}
			if n := paged(w.inbox.take("carol")); n != 0 {
				t.Fatalf("step 1 paged carol too early")
			}
			// Nobody acknowledges: step 2 after its 5 minutes, not before.
			w.advance(t, 4*time.Minute+59*time.Second)
			if n := paged(w.inbox.take("carol")); n != 0 {
				t.Fatal("step 2 fired before its delay")
			}
			w.advance(t, time.Second)
			if n := paged(w.inbox.take("carol")); n != 1 {
				t.Fatalf("step 2: carol got %d pages, want 1", n)
			}
			// Repeat: after step 2's 10 minutes the policy starts over.
			w.advance(t, 10*time.Minute)
			if n := paged(w.inbox.take("alice")); n != 1 {
				t.Fatalf("repeat: alice got %d pages, want 1", n)
			}
			w.advance(t, 5*time.Minute)
			ms := w.inbox.take("carol")
			if len(ms) != 1 || ms[0].AckURL == "" {
				t.Fatalf("repeat step 2: carol got %+v", ms)
			}
			// Carol acknowledges through her link: the escalation stops and
			// the queue entry is hers.
			token := ms[0].AckURL[strings.LastIndex(ms[0].AckURL, "/")+1:]
			if _, err := w.svc.Escalations.CheckAckLink(w.ctx, token); err != nil {
				t.Fatal(err)
			}
			e, err := w.svc.Escalations.AckByLink(w.ctx, token)
			if err != nil || e.State != escalation.Acknowledged || e.AckedBy != "carol" {
				t.Fatalf("ack: %v %+v", err, e)
			}
			if _, err := w.svc.Escalations.AckByLink(w.ctx, token); err == nil {
				t.Fatal("an ack link worked twice")
			}
			w.run(t)
			d, err := w.app.Services.Triage.Get(w.ctx, incident.Viewer{User: "admin", SeeAll: true}, entry)
			if err != nil || d.Entry.Status != triage.Acknowledged || d.Entry.AckedBy != "carol" {
				t.Fatalf("entry after ack: %v %+v", err, d.Entry)
			}
			w.advance(t, time.Hour)
			for _, u := range []string{"alice", "bob", "carol"} {
				if n := paged(w.inbox.take(u)); n != 0 {
					t.Fatalf("%s paged after the acknowledgement", u)
				}
			}
			views, err := w.svc.Escalations.For(w.ctx, escalation.SubjectQueue, entry)
			if err != nil || len(views) != 1 {
				t.Fatalf("escalations: %v %d", err, len(views))
			}
			if got := len(views[0].Deliveries); got != 4 {
				t.Fatalf("deliveries: %d, want 4", got)
			}
			for _, d := range views[0].Deliveries {
				if d.State != escalation.DeliverySent || len(d.History) != 1 || !d.History[0].OK || d.History[0].StatusCode != 200 {
					t.Fatalf("delivery not recorded as sent: %+v", d)
				}
			}
		})
	}
}

func TestEscalationExhaustsAndOverrideWins(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t))
	w.setup(t)
	// Bob covers for alice this morning.
	if _, err := w.svc.Roster.AddOverride(w.ctx, "admin", "primary", oncall.Override{User: "bob",
		From: w.clock.Now().Add(-time.Hour), To: w.clock.Now().Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	w.fire(t, "checkout", "walk-2")
	w.run(t)
	if a, b := paged(w.inbox.take("alice")), paged(w.inbox.take("bob")); a != 0 || b != 1 {
		t.Fatalf("with the override: alice %d, bob %d pages; want 0, 1", a, b)
	}
	// Nobody answers: 5 + 10 minutes, twice, then it is exhausted.
	for range 4 {
		w.advance(t, 10*time.Minute)
	}
	open, err := w.svc.Escalations.List(w.ctx, true, 10)
	if err != nil || len(open) != 0 {
		t.Fatalf("open escalations after exhaustion: %v %d", err, len(open))
	}
	all, err := w.app.DB.Escalations(w.ctx, "", "", false, 10)
	if err != nil || len(all) != 1 || all[0].State != escalation.Exhausted || all[0].StepsRun != 4 {
		t.Fatalf("want one exhausted escalation after 4 steps: %v %+v", err, all)
	}
}

func TestNotificationRulesAndLateAck(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t))
	w.setup(t)
	me := contacts.Actor{User: "alice"}
	cs, _ := w.svc.Contacts.Contacts(w.ctx, me, "alice")
	second := w.contact(t, "alice", "backup", "/alice-backup")
	if _, err := w.svc.Contacts.AddRule(w.ctx, me, "alice", cs[0].ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Contacts.AddRule(w.ctx, me, "alice", second.ID, 2); err != nil {
		t.Fatal(err)
	}
	entry := w.fire(t, "checkout", "walk-3")
	w.run(t)
	if a, b := paged(w.inbox.take("alice")), paged(w.inbox.take("alice-backup")); a != 1 || b != 0 {
		t.Fatalf("immediately: hook %d, backup %d; want 1, 0", a, b)
	}
	w.advance(t, 2*time.Minute)
	if b := paged(w.inbox.take("alice-backup")); b != 1 {
		t.Fatalf("after 2 min: backup %d, want 1", b)
	}
	// A second alert's escalation, acknowledged in Firebreak before the
	// 2-minute rule: the backup is skipped.
	if err := w.svc.Roster.Put(w.ctx, "admin", roster.Service{Name: "checkout-eu", Policy: "checkout"}); err != nil {
		t.Fatal(err)
	}
	entry2 := w.fire(t, "checkout-eu", "walk-4")
	w.run(t)
	w.inbox.take("alice")
	views, _ := w.svc.Escalations.For(w.ctx, escalation.SubjectQueue, entry2)
	if _, err := w.svc.Escalations.Acknowledge(w.ctx, "alice", views[0].ID); err != nil {
		t.Fatal(err)
	}
	w.advance(t, 3*time.Minute)
	if b := paged(w.inbox.take("alice-backup")); b != 0 {
		t.Fatal("the 2-minute rule fired after the acknowledgement")
	}
	views, _ = w.svc.Escalations.For(w.ctx, escalation.SubjectQueue, entry2)
	var skipped int
	for _, d := range views[0].Deliveries {
		if d.State == escalation.DeliverySkipped {
			skipped++
		}
	}
	if skipped != 1 {
		t.Fatalf("want the late delivery skipped: %+v", views[0].Deliveries)
	}
	_ = entry
}

func TestSignificantIncidentPagesCommander(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t))
	w.setup(t)
	ic := oncall.Policy{Name: "commanders", Steps: []oncall.Step{{Targets: []oncall.Target{{Kind: oncall.TargetUser, Name: "carol"}}, Delay: 5}}}
	if err := w.svc.Roster.Change(w.ctx, "admin", []any{ic, roster.IncidentRule{Severity: "SEV1", Policy: "commanders"}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Roster.Put(w.ctx, "admin", roster.IncidentRule{Severity: "SEV9", Policy: "commanders"}); err == nil {
		t.Fatal("a rule for an unknown severity was accepted")
	}
	admin := incident.Viewer{User: "admin", SeeAll: true}
	// SEV3: not significant here, nobody paged.
	inc, err := w.app.Services.Incidents.Declare(w.ctx, "admin", incident.DeclareInput{Title: "Card data in logs", Severity: "SEV3"})
	if err != nil {
		t.Fatal(err)
	}
	w.run(t)
	if n := paged(w.inbox.take("carol")); n != 0 {
		t.Fatalf("SEV3 paged the commanders: %d", n)
	}
	// Raised to SEV1 without a commander: carol is paged.
	if _, err := w.app.Services.Incidents.Update(w.ctx, incident.Command{Actor: admin, Ref: inc.Ref}, incident.UpdateInput{Severity: ptr("SEV1")}); err != nil {
		t.Fatal(err)
	}
	w.run(t)
	ms := w.inbox.take("carol")
	if len(ms) != 1 || !strings.Contains(ms[0].Title, inc.Ref) {
		t.Fatalf("SEV1 without a commander: carol got %+v", ms)
	}
	// The severity is its own field: each channel shows it once (a tag in
	// the title too made Slack and email read "[SEV1] [SEV1] INC-…").
	if m := ms[0]; m.Title != inc.Ref+" Card data in logs" || m.Severity != "SEV1" || m.Kind != "Page" {
		t.Errorf("page title %q severity %q kind %q", m.Title, m.Severity, m.Kind)
	}
	// Carol acknowledges: she becomes the Incident Commander.
	token := ms[0].AckURL[strings.LastIndex(ms[0].AckURL, "/")+1:]
	if _, err := w.svc.Escalations.AckByLink(w.ctx, token); err != nil {
		t.Fatal(err)
	}
	w.run(t)
	got, _ := w.app.Services.Incidents.Get(w.ctx, admin, inc.Ref)
	if h := got.Holders(incident.IncidentCommander); len(h) != 1 || h[0] != "carol" {
		t.Fatalf("commander after ack: %v", h)
	}
	// A SEV1 that gets its commander before anyone acknowledges stops
	// paging.
	inc2, err := w.app.Services.Incidents.Declare(w.ctx, "admin", incident.DeclareInput{Title: "Ransom note", Severity: "SEV1"})
	if err != nil {
		t.Fatal(err)
	}
	w.run(t)
	w.inbox.take("carol")
	if _, err := w.app.Services.Incidents.Assign(w.ctx, incident.Command{Actor: admin, Ref: inc2.Ref}, incident.IncidentCommander, "bob"); err != nil {
		t.Fatal(err)
	}
	w.run(t)
	views, _ := w.svc.Escalations.For(w.ctx, escalation.SubjectIncident, inc2.ID)
	if len(views) != 1 || views[0].State != escalation.Resolved {
		t.Fatalf("escalation after the commander was assigned: %+v", views)
	}
	w.advance(t, 10*time.Minute)
	if n := paged(w.inbox.take("carol")); n != 0 {
		t.Fatal("paged on after a commander was assigned")
	}
}

func ptr[T any](v T) *T { return &v }

func TestConfigDoesNotTakeOverAUsersContact(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t))
	w.person(t, "alice") // alice added "hook" herself
	spec := []roster.UserContacts{{User: "alice", Contacts: []roster.ContactSpec{{Name: "hook",
		Target: notify.Target{Kind: notify.KindEmail, Address: "alice@example.test"}}}}}
	for _, dry := range []bool{true, false} {
		_, err := w.svc.Roster.ApplyConfig(w.ctx, "admin", roster.ConfigInput{Contacts: spec, DryRun: dry})
		if e, ok := errs.As(err); !ok || e.Code != errs.Conflict {
			t.Fatalf("dry run %v: want a conflict, got %v", dry, err)
		}
	}
	cs, _ := w.svc.Contacts.Contacts(w.ctx, contacts.Actor{User: "alice"}, "alice")
	if len(cs) != 1 || cs[0].Kind != notify.KindWebhook || cs[0].Source != "api" {
		t.Fatalf("alice's own contact changed: %+v", cs)
	}
}

func TestSnoozePausesPaging(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t))
	w.setup(t)
	entry := w.fire(t, "checkout", "snooze-1")
	w.run(t)
	if n := paged(w.inbox.take("alice")); n != 1 {
		t.Fatalf("step 1: %d pages", n)
	}
	if _, err := w.app.Services.Triage.Snooze(w.ctx, incident.Viewer{User: "alice"}, entry, w.clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	w.advance(t, 5*time.Minute)
	if n := paged(w.inbox.take("carol")); n != 0 {
		t.Fatal("a snoozed entry paged step 2")
	}
	w.advance(t, 54*time.Minute)
	if n := paged(w.inbox.take("carol")); n != 0 {
		t.Fatal("paged before the snooze ended")
	}
	w.advance(t, time.Minute)
	if n := paged(w.inbox.take("carol")); n != 1 {
		t.Fatalf("after the snooze: carol got %d pages, want 1", n)
	}
}
