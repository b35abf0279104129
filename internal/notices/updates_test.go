package notices_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

func reminders(t *testing.T, w *world, user string) int {
	t.Helper()
	n := 0
	for _, m := range w.inbox.take(user) {
		if !strings.Contains(m.Title, "stakeholder update is due") {
			t.Errorf("%s got %q", user, m.Title)
		}
		n++
	}
	return n
}

// A SEV1 incident's comms lead is reminded 30 minutes after it was
// declared; an update resets the clock; reminders repeat while none comes
// and stop when the incident closes. A SEV2 incident without a comms lead
// or commander reminds its IR lead after an hour.
func TestCadence(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b storetest.Backend) {
		w := newWorld(t, b, notices.Config{})
		for _, u := range []string{"bob", "carol"} {
			w.reachable(t, u)
		}
		inc := w.declare(t, incident.DeclareInput{Title: "Checkout down", Severity: "SEV1"})
		sev2 := w.declare(t, incident.DeclareInput{Title: "Slow search", Severity: "SEV2"})
		if _, err := w.app.Services.Incidents.Assign(w.ctx, cmd("alice", inc.Ref), incident.CommsLead, "bob"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.app.Services.Incidents.Assign(w.ctx, cmd("alice", sev2.Ref), incident.IRLead, "carol"); err != nil {
			t.Fatal(err)
		}
		w.run(t)
		v, err := w.svc.Updates(w.ctx, viewer("bob"), inc.Ref)
		if err != nil || v.EveryMinutes != 30 || v.NextDue == nil || !v.NextDue.Equal(start.Add(30*time.Minute)) || v.Overdue {
			t.Fatalf("updates view %+v %v", v, err)
		}
		w.advanceTo(t, 29*time.Minute)
		if n := reminders(t, w, "bob"); n != 0 {
			t.Fatalf("reminded %d times before the update was due", n)
		}
		w.advanceTo(t, 30*time.Minute)
		if n := reminders(t, w, "bob"); n != 1 {
			t.Fatalf("at 30 min: %d reminders, want 1", n)
		}
		w.advanceTo(t, 40*time.Minute)
		if _, err := w.svc.Post(w.ctx, viewer("bob"), inc.Ref, "Payments failing for 40% of users; rollback under way."); err != nil {
			t.Fatal(err)
		}
		v, _ = w.svc.Updates(w.ctx, viewer("bob"), inc.Ref)
		if len(v.Updates) != 1 || v.NextDue == nil || !v.NextDue.Equal(start.Add(70*time.Minute)) || v.Reminders != 0 {
			t.Fatalf("after the update: %+v", v)
		}
		w.advanceTo(t, 60*time.Minute) // the reminder repeated from the first one is stale now
		if n := reminders(t, w, "bob") + reminders(t, w, "carol"); n != 1 {
			t.Fatalf("at 60 min: %d reminders, want only carol's for the SEV2", n)
		}
		w.advanceTo(t, 70*time.Minute)
		if n := reminders(t, w, "bob"); n != 1 {
			t.Fatalf("at 70 min: %d reminders, want 1", n)
		}
		w.advanceTo(t, 100*time.Minute) // no update: reminded again one interval later
		if n := reminders(t, w, "bob"); n != 1 {
			t.Fatalf("at 100 min: %d reminders, want 1", n)
		}
		closeIncident(t, w, inc.Ref)
		w.advanceTo(t, 300*time.Minute)
		if n := reminders(t, w, "bob"); n != 0 {
			t.Fatalf("after closing: %d reminders", n)
		}
		v, _ = w.svc.Updates(w.ctx, viewer("bob"), inc.Ref)
		if v.NextDue != nil || v.Overdue {
			t.Fatalf("closed incident still due: %+v", v)
		}
	})
}

// closeIncident walks a SEV1 incident to closed.
func closeIncident(t *testing.T, w *world, ref string) {
	t.Helper()
	s := w.app.Services.Incidents
	c := cmd("alice", ref)
	rc := "CI token leaked"
	steps := []func() error{
		func() error { _, err := s.Assign(w.ctx, c, incident.IRLead, "alice"); return err },
		func() error { _, err := s.Transition(w.ctx, c, incident.Active, ""); return err },
		func() error { _, err := s.Assign(w.ctx, c, incident.IncidentCommander, "carol"); return err },
		func() error { _, err := s.Transition(w.ctx, c, incident.Contained, ""); return err },
		func() error { _, err := s.Update(w.ctx, c, incident.UpdateInput{RootCause: &rc}); return err },
		func() error { _, err := s.Transition(w.ctx, c, incident.Eradicated, ""); return err },
		func() error { _, err := s.Transition(w.ctx, c, incident.Recovered, ""); return err },
		func() error {
			_, err := s.SavePostmortem(w.ctx, c, incident.PostmortemInput{Doc: incident.PostmortemDoc{Summary: "Review"}})
			return err
		},
		func() error { _, err := s.RequestPostmortemReview(w.ctx, c, nil); return err },
		func() error {
			_, err := s.ReviewPostmortem(w.ctx, cmd("carol", ref), incident.Approve, "")
			return err
		},
		func() error { _, err := s.PublishPostmortem(w.ctx, c); return err },
		func() error { waiveOpenDuties(t, w.app.Services.Duties, ref); return nil },
		func() error { _, err := s.Transition(w.ctx, c, incident.Closed, ""); return err },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("close step %d: %v", i, err)
		}
	}
	w.run(t)
}

// An update goes to the incident's own channels and the global ones; a
// restricted incident's only to its own. A failing channel is retried by
// its job.
func TestUpdateSubscriptions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b storetest.Backend) {
		w := newWorld(t, b, notices.Config{})
		hook := func(path string) notify.Target {
			return notify.Target{Kind: notify.KindWebhook, Address: w.inbox.srv.URL + "/" + path, Secret: hookKey}
		}
		open := w.declare(t, incident.DeclareInput{Title: "Checkout down", Severity: "SEV2"})
		secret := w.declare(t, incident.DeclareInput{Title: "Insider", Severity: "SEV1", Restricted: true})
		root := incident.Viewer{User: "root", SeeAll: true}
		if _, err := w.svc.Subscribe(w.ctx, root, "", "leadership", hook("leads")); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Subscribe(w.ctx, viewer("alice"), open.Ref, "war room", hook("war-room")); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Subscribe(w.ctx, viewer("alice"), secret.Ref, "legal", hook("legal")); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Subscribe(w.ctx, viewer("bob"), secret.Ref, "leak", hook("leak")); err == nil {
			t.Fatal("bob subscribed to a restricted incident he cannot see")
		}
		if _, err := w.svc.Subscribe(w.ctx, viewer("alice"), open.Ref, "bad", notify.Target{Kind: notify.KindWebhook, Address: "ftp://x"}); err == nil {
			t.Fatal("an ftp webhook was accepted")
		}
		u, err := w.svc.Post(w.ctx, viewer("alice"), open.Ref, "Rolled back; error rate falling.")
		if err != nil || strings.Join(u.Channels, ",") != "leadership,war room" {
			t.Fatalf("post: %+v %v", u, err)
		}
		for _, path := range []string{"leads", "war-room"} {
			got := w.inbox.take(path)
			if len(got) != 1 || got[0].Body != "Rolled back; error rate falling." || !strings.Contains(got[0].Title, open.Ref) {
				t.Fatalf("%s received %+v", path, got)
			}
		}
		if _, err := w.svc.Post(w.ctx, viewer("alice"), secret.Ref, "Account disabled."); err != nil {
			t.Fatal(err)
		}
		if got := w.inbox.take("leads"); len(got) != 0 {
			t.Fatalf("a global channel received a restricted incident's update: %+v", got)
		}
		if got := w.inbox.take("legal"); len(got) != 1 || got[0].Body != "Account disabled." {
			t.Fatalf("legal received %+v", got)
		}
		v, _ := w.svc.Updates(w.ctx, viewer("alice"), open.Ref)
		if len(v.Deliveries) != 2 || v.Deliveries[0].State != notices.DeliverySent || v.Deliveries[1].State != notices.DeliverySent {
			t.Fatalf("deliveries %+v", v.Deliveries)
		}
		types := eventTypes(t, w, open.Ref)
		if types[len(types)-1] != incident.EvUpdatePosted {
			t.Fatalf("events %v", types)
		}
		// A channel that answers 503 is retried by the delivery's job.
		var calls atomic.Int32
		flaky := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				http.Error(rw, "busy", http.StatusServiceUnavailable)
			}
		}))
		t.Cleanup(flaky.Close)
		if _, err := w.svc.Subscribe(w.ctx, viewer("alice"), open.Ref, "flaky", notify.Target{Kind: notify.KindSlack, Address: flaky.URL + "/services/T/B/XXXXXXXX"}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Post(w.ctx, viewer("alice"), open.Ref, "Second update."); err != nil {
			t.Fatal(err)
		}
		var d notices.UpdateDelivery
		last := func() notices.UpdateDelivery {
			v, _ := w.svc.Updates(w.ctx, viewer("alice"), open.Ref)
			for _, x := range v.Deliveries {
				if x.Name == "flaky" {
					d = x
				}
			}
			return d
		}
		if d = last(); d.State != notices.DeliveryPending || d.Attempts != 1 || !strings.Contains(d.LastError, "503") {
			t.Fatalf("after a 503: %+v", d)
		}
		w.clock.Advance(time.Minute)
		w.run(t)
		if d = last(); d.State != notices.DeliverySent || d.Attempts != 2 || calls.Load() != 2 {
			t.Fatalf("after the retry: %+v (%d calls)", d, calls.Load())
		}
	})
}
