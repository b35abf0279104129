package escalation_test

import (
	"os"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/roster"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// amBody is a webhook body captured from a real Alertmanager (see
// ../shared/data/samples): 01 two alerts firing, 02 one of them resolved,
// 03 both resolved.
func amBody(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../intake/testdata/alertmanager-" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestResolvedAlertsStopPaging is issue 12 defect 4: when every alert of
// a queue entry nobody acknowledged has resolved, its escalation stops at
// once, recorded as "stopped: alerts resolved", and no later step pages —
// unless the service keeps paging when resolved.
func TestResolvedAlertsStopPaging(t *testing.T) {
	for _, b := range storetest.Backends() {
		for _, keep := range []bool{false, true} {
			name := b.Name + "/stops"
			if keep {
				name = b.Name + "/keep_paging_when_resolved"
			}
			t.Run(name, func(t *testing.T) {
				dsn := storetest.SQLiteDSN(t)
				if b.Name == "postgres" {
					dsn = storetest.PostgresDSN(t)
				}
				w := newWorld(t, dsn)
				w.setup(t)
				if keep {
					if err := w.svc.Roster.Put(w.ctx, "admin", roster.Service{Name: "checkout", Policy: "checkout", KeepPagingWhenResolved: true}); err != nil {
						t.Fatal(err)
					}
				}
				q := w.app.Services.Triage
				_, secret, err := q.CreateIntegration(w.ctx, "admin", triage.IntegrationInput{Kind: alert.SourceAlertmanager, Name: "am", Service: "checkout"})
				if err != nil {
					t.Fatal(err)
				}
				receive := func(name string) triage.Receipt {
					t.Helper()
					r, err := q.Receive(w.ctx, alert.SourceAlertmanager, secret, amBody(t, name))
					if err != nil {
						t.Fatal(err)
					}
					return r
				}
				if r := receive("01-firing-first-notification"); r.NewGroups != 1 {
					t.Fatalf("firing: %+v", r)
				}
				w.run(t)
				if n := paged(w.inbox.take("alice")); n != 1 {
					t.Fatalf("step 1: alice got %d pages, want 1", n)
				}
				entries, err := q.Queue(w.ctx, incident.Viewer{User: "admin", SeeAll: true}, true, 10)
				if err != nil || len(entries) != 1 {
					t.Fatalf("queue: %v %+v", err, entries)
				}
				entry := entries[0].Group.ID
				current := func() escalation.EscalationView {
					t.Helper()
					views, err := w.svc.Escalations.For(w.ctx, escalation.SubjectQueue, entry)
					if err != nil || len(views) != 1 {
						t.Fatalf("escalations of the entry: %v %d", err, len(views))
					}
					return views[0]
				}

				// One of two alerts resolves a second later: one still fires,
				// paging goes on.
				w.advance(t, time.Second)
				if r := receive("02-one-resolved-one-firing"); r.Resolved != 1 {
					t.Fatalf("one resolved: %+v", r)
				}
				w.run(t)
				if e := current(); e.State != escalation.Open {
					t.Fatalf("with an alert still firing the escalation is %s", e.State)
				}
				// The other resolves: the escalation stops now, before its
				// next step is due.
				if r := receive("03-all-resolved"); r.Resolved != 1 || r.Ignored != 1 {
					t.Fatalf("all resolved: %+v", r)
				}
				w.run(t)
				e := current()
				last := e.Log[len(e.Log)-1]
				if keep {
					if e.State != escalation.Open {
						t.Fatalf("keep_paging_when_resolved: the escalation is %s (%+v)", e.State, last)
					}
				} else if e.State != escalation.Resolved || last.Action != "stopped" || last.Detail != "alerts resolved" || e.NextAt != nil {
					t.Fatalf("after every alert resolved: %s, last log %+v, next %v", e.State, last, e.NextAt)
				}
				// Step 2 is due five minutes after step 1: carol is paged only
				// when the service keeps paging.
				w.advance(t, 5*time.Minute)
				want := 0
				if keep {
					want = 1
				}
				if n := paged(w.inbox.take("carol")); n != want {
					t.Fatalf("step 2 after the alerts resolved: carol got %d pages, want %d", n, want)
				}
				w.advance(t, time.Hour)
				if n := paged(w.inbox.take("alice")) + paged(w.inbox.take("carol")); !keep && n != 0 {
					t.Fatalf("%d pages after the escalation stopped", n)
				}
				// The entry stays in the queue for someone to assess.
				d, err := q.Get(w.ctx, incident.Viewer{User: "admin", SeeAll: true}, entry)
				if err != nil || d.Status != triage.New || d.Group.Firing != 0 || d.Group.Resolved != 2 {
					t.Fatalf("entry: %v %+v", err, d.Entry)
				}
			})
		}
	}
}

// TestResolvedBeforePagingBegan: an alert that fired and resolved before
// its queue entry's paging job ran pages nobody.
func TestResolvedBeforePagingBegan(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t))
	w.setup(t)
	q := w.app.Services.Triage
	_, secret, err := q.CreateIntegration(w.ctx, "admin", triage.IntegrationInput{Kind: alert.SourceAlertmanager, Name: "am", Service: "checkout"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"01-firing-first-notification", "03-all-resolved"} {
		if _, err := q.Receive(w.ctx, alert.SourceAlertmanager, secret, amBody(t, f)); err != nil {
			t.Fatal(err)
		}
	}
	w.run(t)
	w.advance(t, time.Hour)
	for _, u := range []string{"alice", "bob", "carol"} {
		if n := paged(w.inbox.take(u)); n != 0 {
			t.Fatalf("%s got %d pages for alerts resolved before paging began", u, n)
		}
	}
	if open, err := w.svc.Escalations.List(w.ctx, true, 10); err != nil || len(open) != 0 {
		t.Fatalf("open escalations: %v %d", err, len(open))
	}
}
