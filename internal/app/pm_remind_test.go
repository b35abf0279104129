package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/calendar"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestPostmortemReminders: a recovered incident's post-mortem reminds the
// IR Lead half-way to its due time and one business day before it (on
// the configured German calendar, over Christmas), and when overdue the
// IR Lead and the commander, each on their verified webhook (a real
// receiver on loopback), with the engine run on an injected clock. A
// published post-mortem stops its reminders; recovering again re-dates
// them and the old ones find nothing to do.
func TestPostmortemReminders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t0 := time.Date(2026, 12, 18, 9, 0, 0, 0, time.UTC) // a Friday
	clock := storetest.NewClock(t0)
	var mu sync.Mutex
	var gotten []string
	var last notify.WebhookPayload
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
		gotten = append(gotten, strings.TrimPrefix(r.URL.Path, "/")+" "+p.Fields["mark"]+" "+p.Fields["incident"])
		last = p
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	take := func() []string {
		mu.Lock()
		defer mu.Unlock()
		// The review meeting's task has reminders of its own (the tasks'
		// before-due ones); this test is about the deadline's.
		out := slices.DeleteFunc(gotten, func(g string) bool { return !strings.Contains(g, " postmortem_") })
		gotten = nil
		slices.Sort(out)
		return out
	}
	de, err := calendar.ByCode("DE")
	if err != nil {
		t.Fatal(err)
	}
	policy := incident.DefaultPolicy()
	policy.Calendar = de
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: storetest.SQLiteDSN(t), Version: "test", Now: clock.Now,
		Outbound: outbound.LoopbackPolicy(), Policy: policy})
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
		take()
		run()
		mu.Lock()
		code := verifyCode.FindStringSubmatch(last.Title)
		gotten = nil
		mu.Unlock()
		if _, err := a.Services.Contacts.VerifyContact(ctx, me, c.ID, code[1]); err != nil {
			t.Fatal(err)
		}
	}
	recoverOne := func(title string) incident.Incident {
		t.Helper()
		inc, err := a.Services.Incidents.Declare(ctx, "lena", incident.DeclareInput{Title: title, Severity: "SEV3", Source: incident.SourceInternal})
		if err != nil {
			t.Fatal(err)
		}
		c := incident.Command{Actor: incident.Viewer{User: "lena"}, Ref: inc.Ref}
		for i, step := range []func() (incident.Incident, error){
			func() (incident.Incident, error) { return a.Services.Incidents.Assign(ctx, c, incident.IRLead, "lena") },
			func() (incident.Incident, error) { return a.Services.Incidents.Transition(ctx, c, incident.Active, "") },
			func() (incident.Incident, error) {
				return a.Services.Incidents.Assign(ctx, c, incident.IncidentCommander, "bob")
			},
			func() (incident.Incident, error) {
				return a.Services.Incidents.Transition(ctx, c, incident.Contained, "")
			},
			func() (incident.Incident, error) {
				return a.Services.Incidents.Update(ctx, c, incident.UpdateInput{RootCause: new("phished password")})
			},
			func() (incident.Incident, error) {
				return a.Services.Incidents.Transition(ctx, c, incident.Eradicated, "")
			},
			func() (incident.Incident, error) {
				return a.Services.Incidents.Transition(ctx, c, incident.Recovered, "")
			},
		} {
			if inc, err = step(); err != nil {
				t.Fatalf("%s step %d: %v", title, i, err)
			}
		}
		return inc
	}
	incA, incB, incC := recoverOne("A"), recoverOne("B"), recoverOne("C")
	// Five German business days from Friday 18 December: 21, 22, 23, 24
	// and (past Christmas) 28 December.
	if want := time.Date(2026, 12, 28, 9, 0, 0, 0, time.UTC); !incA.PostmortemDue.Equal(want) {
		t.Fatalf("due %s, want %s", incA.PostmortemDue, want)
	}
	at := func(when time.Time, what string, want ...string) {
		t.Helper()
		if d := when.Sub(clock.Now()); d > 0 {
			clock.Advance(d - time.Second)
			run()
			if got := take(); len(got) > 0 {
				t.Fatalf("a second before %s: %q", what, got)
			}
			clock.Advance(time.Second)
		}
		run()
		got := take()
		slices.Sort(want)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("%s: reminders %q, want %q", what, got, want)
		}
	}
	// C goes back to eradicated and recovers again on Monday noon: due
	// Tuesday 29 December noon; its first jobs find the due time moved.
	clock.Advance(75 * time.Hour)
	cC := incident.Command{Actor: incident.Viewer{User: "lena"}, Ref: incC.Ref}
	if _, err := a.Services.Incidents.Transition(ctx, cC, incident.Eradicated, "reinfected"); err != nil {
		t.Fatal(err)
	}
	if incC, err = a.Services.Incidents.Transition(ctx, cC, incident.Recovered, ""); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 29, 12, 0, 0, 0, time.UTC); !incC.PostmortemDue.Equal(want) {
		t.Fatalf("C due %s, want %s", incC.PostmortemDue, want)
	}
	at(time.Date(2026, 12, 23, 9, 0, 0, 0, time.UTC), "half-way", "lena postmortem_half "+incA.Ref, "lena postmortem_half "+incB.Ref)
	if !strings.Contains(last.Body, "Due: 2026-12-28T09:00:00Z (due in ") || last.URL != "http://firebreak.test/incidents/"+last.Fields["incident"]+"/postmortem" {
		t.Fatalf("half-way reminder: %+v", last)
	}
	// B's post-mortem: lena writes it, bob (the commander) approves it, lena
	// publishes it.
	lena, bobB := incident.Command{Actor: incident.Viewer{User: "lena"}, Ref: incB.Ref}, incident.Command{Actor: incident.Viewer{User: "bob"}, Ref: incB.Ref}
	if _, err := a.Services.Incidents.SavePostmortem(ctx, lena, incident.PostmortemInput{Doc: incident.PostmortemDoc{Summary: "what happened"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Services.Incidents.RequestPostmortemReview(ctx, lena, []string{"bob"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Services.Incidents.ReviewPostmortem(ctx, bobB, incident.Approve, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Services.Incidents.PublishPostmortem(ctx, lena); err != nil {
		t.Fatal(err)
	}
	// Thursday 24 December: the business day before Monday 28 (25 and 26
	// are holidays); B is published and hears no more.
	at(time.Date(2026, 12, 24, 9, 0, 0, 0, time.UTC), "the business day before", "lena postmortem_day_before "+incA.Ref)
	at(time.Date(2026, 12, 28, 9, 0, 0, 0, time.UTC), "overdue", "bob postmortem_overdue "+incA.Ref, "lena postmortem_overdue "+incA.Ref)
	if !strings.Contains(last.Body, "overdue") || !strings.Contains(last.Title, incA.Ref+": post-mortem overdue by") {
		t.Fatalf("overdue reminder: %+v", last)
	}
	// C's half-way falls on the business day before, which says it.
	at(time.Date(2026, 12, 28, 12, 0, 0, 0, time.UTC), "C's business day before", "lena postmortem_day_before "+incC.Ref)
	at(time.Date(2026, 12, 29, 12, 0, 0, 0, time.UTC), "C overdue", "bob postmortem_overdue "+incC.Ref, "lena postmortem_overdue "+incC.Ref)

	// The overdue list shows A and C to lena, not B.
	clock.Advance(time.Second)
	p, err := a.Services.Incidents.List(ctx, incident.Filter{Viewer: incident.Viewer{User: "lena"}, PostmortemOverdue: true})
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, i := range p.Items {
		refs = append(refs, i.Ref)
	}
	if strings.Join(refs, ",") != incC.Ref+","+incA.Ref {
		t.Fatalf("overdue post-mortems %v", refs)
	}
}
