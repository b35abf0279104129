package app_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/outbox"
	"github.com/firebreak-ir/firebreak/internal/plan"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
	"github.com/firebreak-ir/firebreak/internal/tasks"
)

// TestTaskRemindersThroughThePager: an overdue required task reminds its
// assignee before and at its due time and, a grace later, the IR Lead,
// each on their verified webhook (a real receiver on loopback), with the
// engine run on an injected clock. A task done before its due time sends
// nothing: its jobs run and find it done.
func TestTaskRemindersThroughThePager(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	clock := storetest.NewClock(t0)
	type got struct {
		user string
		p    notify.WebhookPayload
	}
	var mu sync.Mutex
	var gotten []got
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := notify.VerifySignature([]byte(pagingHookKey), r.Header.Get("X-Firebreak-Timestamp"), r.Header.Get("X-Firebreak-Signature"), body, clock.Now(), 0); err != nil {
			t.Errorf("signature: %v", err)
		}
		var p notify.WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("payload: %v", err)
		}
		mu.Lock()
		gotten = append(gotten, got{strings.TrimPrefix(r.URL.Path, "/"), p})
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	take := func() []got {
		mu.Lock()
		defer mu.Unlock()
		out := gotten
		gotten = nil
		return out
	}
	dsn := storetest.SQLiteDSN(t)
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: dsn, Version: "test", Now: clock.Now,
		Outbound: outbound.LoopbackPolicy(), Tasks: tasks.Config{RemindBefore: 15 * time.Minute, EscalateAfter: 15 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	a.Services.Tasks.SetBaseURL("http://firebreak.test")
	run := func() {
		t.Helper()
		for range 20 {
			if n, err := a.Engine.RunDue(ctx); err != nil {
				t.Fatal(err)
			} else if n == 0 {
				return
			}
		}
		t.Fatal("jobs still due after 20 rounds")
	}
	for _, u := range []string{"lena", "bob"} {
		if _, err := a.Services.Auth.CreateUser(ctx, auth.UserInput{Username: u, Role: auth.Responder}); err != nil {
			t.Fatal(err)
		}
		me := contacts.Actor{User: u}
		c, err := a.Services.Contacts.AddContact(ctx, me, u, contacts.ContactInput{Name: "hook", Target: notify.Target{Kind: notify.KindWebhook, Address: srv.URL + "/" + u, Secret: pagingHookKey}})
		if err != nil {
			t.Fatal(err)
		}
		code := verifyCode.FindStringSubmatch(take()[0].p.Title)
		if _, err := a.Services.Contacts.VerifyContact(ctx, me, c.ID, code[1]); err != nil {
			t.Fatal(err)
		}
	}
	inc, err := a.Services.Incidents.Declare(ctx, "lena", incident.DeclareInput{Title: "Leaked deploy key", Severity: "SEV3", Source: incident.SourceInternal})
	if err != nil {
		t.Fatal(err)
	}
	cmd := incident.Command{Actor: incident.Viewer{User: "lena"}, Ref: inc.Ref}
	if _, err := a.Services.Incidents.Assign(ctx, cmd, incident.IRLead, "lena"); err != nil {
		t.Fatal(err)
	}
	due := t0.Add(time.Hour)
	for _, title := range []string{"Rotate the deploy key", "Revoke the old sessions"} {
		if _, err := a.Services.Incidents.AddTask(ctx, cmd, incident.TaskInput{Title: title, Phase: plan.Contain, Assignee: "bob", DueAt: &due, Required: true}); err != nil {
			t.Fatal(err)
		}
	}
	jobsOf := func(key string) int {
		t.Helper()
		db, err := sql.Open("sqlite", "file:"+dsn+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM jobs WHERE kind = ? AND id LIKE ?`, tasks.JobRemind, "%:"+inc.ID+":"+key+":%").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Before, overdue and escalate for each task; a later event deriving
	// the same jobs writes none again.
	if n := jobsOf("own-2"); n != 3 {
		t.Fatalf("%d reminder jobs for own-2, want 3", n)
	}
	// A role change re-derives every task's reminders; the commander is
	// the IR Lead too, who hears of the escalation once.
	if _, err := a.Services.Incidents.Assign(ctx, cmd, incident.IncidentCommander, "lena"); err != nil {
		t.Fatal(err)
	}
	done := incident.TaskDone
	if _, err := a.Services.Incidents.UpdateTask(ctx, cmd, "own-2", incident.TaskUpdate{State: &done}); err != nil {
		t.Fatal(err)
	}
	if n := jobsOf("own-1"); n != 3 {
		t.Fatalf("%d reminder jobs for own-1 after more events, want 3", n)
	}
	run()

	expect := func(at string, want ...string) {
		t.Helper()
		run()
		ms := take()
		var have []string
		for _, m := range ms {
			have = append(have, m.user+" "+m.p.Fields["mark"]+" "+m.p.Fields["task"])
		}
		if strings.Join(have, "|") != strings.Join(want, "|") {
			t.Fatalf("%s: reminders %q, want %q", at, have, want)
		}
	}
	clock.Advance(45*time.Minute - time.Second)
	expect("just before the lead time")
	clock.Advance(time.Second)
	expect("15 min before due", "bob before own-1")
	clock.Advance(15*time.Minute - time.Second)
	expect("a second before due")
	clock.Advance(time.Second)
	run()
	ms := take()
	if len(ms) != 1 || ms[0].user != "bob" || ms[0].p.Fields["mark"] != "overdue" {
		t.Fatalf("at due: %+v", ms)
	}
	m := ms[0].p
	if m.URL != "http://firebreak.test/incidents/"+inc.Ref+"/tasks" || !strings.Contains(m.Title, `"Rotate the deploy key"`) ||
		!strings.Contains(m.Body, "Leaked deploy key") || !strings.Contains(m.Body, "Due: 2026-12-07T10:00:00Z") {
		t.Fatalf("overdue reminder: %+v", m)
	}
	clock.Advance(15*time.Minute - time.Second)
	expect("a second before the grace ends")
	clock.Advance(time.Second)
	expect("the grace over", "lena escalate own-1")

	// Every reminder job ran, the done task's too, and it sent nothing.
	if n := jobsOf("own-1") + jobsOf("own-2"); n != 0 {
		t.Fatalf("%d reminder jobs left", n)
	}
	ds, err := a.DB.OutboxDeliveries(ctx, outbox.Query{Kind: tasks.KindReminder, Incident: inc.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Subject.ID != "own-1" || d.State != outbox.Sent {
			t.Errorf("delivery %+v", d)
		}
	}
	if len(ds) != 3 {
		t.Fatalf("%d deliveries, want 3", len(ds))
	}
}
