package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// RunNotices runs the notices' part of the contract against backend b:
// notices committed with their incident events under two optimistic
// versions (all or nothing), update cadences by generation, updates with
// their deliveries and jobs, templates and subscriptions.
func RunNotices(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *Setup)
	}{
		{"NoticeWithEvents", testNoticeWithEvents},
		{"StaleWritesChangeNothing", testNoticeStale},
		{"CadenceGenerations", testCadence},
		{"UpdatesDeliveriesAndJobs", testUpdates},
		{"Templates", testTemplates},
		{"Subscriptions", testSubscriptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, NewSetup(t, b))
		})
	}
}

// noticeBatch records changes on the incident as it is now.
func noticeBatch(t *testing.T, s *Setup, ref string, changes ...incident.Change) *incident.Batch {
	t.Helper()
	inc, err := s.Incidents.Get(context.Background(), incident.Viewer{SeeAll: true}, ref)
	if err != nil {
		t.Fatal(err)
	}
	next, events, err := incident.Record(inc, changes, "alice", s.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &incident.Batch{ExpectedVersion: inc.Version, Events: events, Next: next}
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func eventTypes(t *testing.T, s *Setup, id string) []string {
	t.Helper()
	evs, err := s.DB.Events(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

func testNoticeWithEvents(t *testing.T, s *Setup) {
	ctx := context.Background()
	inc := declare(t, s, incident.DeclareInput{Title: "Leak"})
	now := s.Clock.Now().UTC()
	n := notices.Notice{ID: "n1", IncidentID: inc.ID, Audience: notices.Regulator, Title: "T", Body: "exact text\n", TextSHA256: notices.Hash("exact text\n"),
		Status: notices.Draft, Version: 1, CreatedBy: "alice", CreatedAt: now, UpdatedAt: now, Editors: []string{"alice"}, Attachments: []notices.NoticeAttachment{}}
	fx := notices.Effects{Notice: &n, Batch: noticeBatch(t, s, inc.Ref, incident.Change{Type: incident.EvNoticeDrafted, Data: notices.NoticeDraftedData{Notice: "n1", Title: "T"}}),
		Jobs: []engine.Job{{ID: "job-n1", Kind: "test.notice", RunAt: now}}}
	if err := s.DB.Commit(ctx, fx); err != nil {
		t.Fatal(err)
	}
	got, err := s.DB.Notice(ctx, "n1")
	if err != nil {
		t.Fatal(err)
	}
	if asJSON(t, got) != asJSON(t, n) {
		t.Fatalf("notice read back as\n%s\nwant\n%s", asJSON(t, got), asJSON(t, n))
	}
	if types := eventTypes(t, s, inc.ID); types[len(types)-1] != incident.EvNoticeDrafted {
		t.Fatalf("events %v", types)
	}
	cur, _ := s.Incidents.Get(ctx, incident.Viewer{SeeAll: true}, inc.Ref)
	if cur.Version != 2 {
		t.Fatalf("incident version %d after the notice event", cur.Version)
	}
	// The job came with it; completing it in a later commit removes it.
	n.Version, n.Status = 2, notices.Submitted
	if err := s.DB.Commit(ctx, notices.Effects{Notice: &n, DoneJob: "job-n1"}); err != nil {
		t.Fatal(err)
	}
	if jobs, err := s.DB.Claim(ctx, "w", now.Add(time.Hour), time.Minute, 10); err != nil || len(jobs) != 0 {
		t.Fatalf("jobs left: %v %v", jobs, err)
	}
	list, err := s.DB.Notices(ctx, inc.ID)
	if err != nil || len(list) != 1 || list[0].Status != notices.Submitted {
		t.Fatalf("list %+v %v", list, err)
	}
	if _, err := s.DB.Notice(ctx, "nope"); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("missing notice: %v", err)
	}
	if other, err := s.DB.Notices(ctx, "other"); err != nil || len(other) != 0 {
		t.Fatalf("another incident's notices: %v %v", other, err)
	}
}

// A stale notice version or a stale incident version fails the whole
// commit: no event, no notice change, no job.
func testNoticeStale(t *testing.T, s *Setup) {
	ctx := context.Background()
	inc := declare(t, s, incident.DeclareInput{Title: "Leak"})
	now := s.Clock.Now()
	n := notices.Notice{ID: "n1", IncidentID: inc.ID, Title: "T", Body: "v1\n", Status: notices.Draft, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := s.DB.Commit(ctx, notices.Effects{Notice: &n}); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.Commit(ctx, notices.Effects{Notice: &n}); errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("a second version 1: %v", err)
	}
	before := eventTypes(t, s, inc.ID)
	stale := n
	stale.Version, stale.Body = 3, "v3\n" // the store holds 1, not 2
	err := s.DB.Commit(ctx, notices.Effects{Notice: &stale, Jobs: []engine.Job{{Kind: "test.never", RunAt: now}},
		Batch: noticeBatch(t, s, inc.Ref, incident.Change{Type: incident.EvNoticeApproved, Data: notices.NoticeApprovedData{Notice: "n1"}})})
	if errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("stale notice: %v", err)
	}
	// A stale incident: the batch was recorded on version 1, which moved.
	batch := noticeBatch(t, s, inc.Ref, incident.Change{Type: incident.EvNoticeApproved, Data: notices.NoticeApprovedData{Notice: "n1"}})
	if _, err := s.Incidents.AddEntry(ctx, cmd(inc.Ref), incident.KindNote, "meanwhile", nil); err != nil {
		t.Fatal(err)
	}
	next := n
	next.Version, next.Body = 2, "v2\n"
	if err := s.DB.Commit(ctx, notices.Effects{Notice: &next, Batch: batch}); errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("stale incident: %v", err)
	}
	got, _ := s.DB.Notice(ctx, "n1")
	if got.Version != 1 || got.Body != "v1\n" {
		t.Fatalf("notice changed by failed commits: %+v", got)
	}
	if after := eventTypes(t, s, inc.ID); len(after) != len(before)+1 { // only the note
		t.Fatalf("events %v after %v", after, before)
	}
	if jobs, _ := s.DB.Claim(ctx, "w", now.Add(time.Hour), time.Minute, 10); len(jobs) != 0 {
		t.Fatalf("a failed commit left jobs: %v", jobs)
	}
}

func testCadence(t *testing.T, s *Setup) {
	ctx := context.Background()
	c, err := s.DB.Cadence(ctx, "inc-x")
	if err != nil || c.Generation != 0 || c.IncidentID != "inc-x" {
		t.Fatalf("no cadence: %+v %v", c, err)
	}
	due := s.Clock.Now().Add(30 * time.Minute).UTC()
	c = notices.Cadence{IncidentID: "inc-x", Severity: "SEV1", Every: 30 * time.Minute, Basis: s.Clock.Now().UTC(), NextDue: &due, Generation: 1}
	if err := s.DB.Commit(ctx, notices.Effects{Cadence: &c}); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.Commit(ctx, notices.Effects{Cadence: &c}); errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("generation 1 twice: %v", err)
	}
	c.Generation, c.NextDue = 2, nil
	if err := s.DB.Commit(ctx, notices.Effects{Cadence: &c}); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.Commit(ctx, notices.Effects{Cadence: &c}); errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("generation 2 twice: %v", err)
	}
	got, err := s.DB.Cadence(ctx, "inc-x")
	if err != nil || asJSON(t, got) != asJSON(t, c) {
		t.Fatalf("cadence %+v %v", got, err)
	}
}

func testUpdates(t *testing.T, s *Setup) {
	ctx := context.Background()
	inc := declare(t, s, incident.DeclareInput{Title: "Outage"})
	now := s.Clock.Now().UTC()
	hook := notify.Target{Kind: notify.KindWebhook, Address: "https://hooks.example/ops/token", Secret: "0123456789abcdef-ops"}
	for i, text := range []string{"first", "second"} {
		at := now.Add(time.Duration(i) * time.Minute)
		u := notices.StakeholderUpdate{ID: "u" + text, IncidentID: inc.ID, Text: text, PostedBy: "alice", PostedAt: at, Channels: []string{"ops"}}
		sub := notices.UpdateSubscription{ID: "s1", Name: "ops", Target: hook}
		payload, _ := json.Marshal(map[string]string{"update": u.ID, "name": sub.Name, "channel": string(hook.Kind)})
		d := outbox.Delivery{ID: "d" + text, Kind: notices.KindStakeholderUpdate, Subject: outbox.Subject{Kind: "update", ID: u.ID, Incident: inc.ID},
			Target: hook, Ref: sub.ID, Payload: payload, CreatedAt: at}
		fx := notices.Effects{Update: &u, Outbox: outbox.Plan(at, d),
			Batch: noticeBatch(t, s, inc.Ref, incident.Change{Type: incident.EvUpdatePosted, Data: notices.UpdatePostedData{Update: u.ID, Text: text}})}
		if err := s.DB.Commit(ctx, fx); err != nil {
			t.Fatal(err)
		}
	}
	us, err := s.DB.Updates(ctx, inc.ID, 0)
	if err != nil || len(us) != 2 || us[0].Text != "second" {
		t.Fatalf("updates newest first: %+v %v", us, err)
	}
	if us, _ := s.DB.Updates(ctx, inc.ID, 1); len(us) != 1 || us[0].Text != "second" {
		t.Fatalf("last update: %+v", us)
	}
	d, err := s.DB.OutboxDelivery(ctx, "dfirst")
	if err != nil || d.State != outbox.Pending {
		t.Fatalf("delivery %+v %v", d, err)
	}
	sent := now.Add(time.Second)
	d.State, d.Attempts, d.SentAt = outbox.Sent, 1, &sent
	if err := s.DB.RecordOutbox(ctx, d, &outbox.Attempt{Delivery: d.ID, N: 1, At: sent, OK: true, StatusCode: 204}, true); err != nil {
		t.Fatal(err)
	}
	ds, err := s.DB.UpdateDeliveries(ctx, inc.ID)
	if err != nil || len(ds) != 2 || ds[0].State != notices.DeliverySent || ds[0].StatusCode != 204 || ds[1].State != notices.DeliveryPending || ds[1].StatusCode != 0 {
		t.Fatalf("deliveries %+v %v", ds, err)
	}
	if got := ds[0]; got.UpdateID != "ufirst" || got.SubscriptionID != "s1" || got.Name != "ops" || got.Channel != notify.KindWebhook ||
		got.Target != "https://hooks.example/…" || got.IncidentID != inc.ID || got.Attempts != 1 || got.SentAt == nil {
		t.Fatalf("first delivery as shown: %+v", got)
	}
	jobs, err := s.DB.Claim(ctx, "w", now.Add(time.Hour), time.Minute, 10)
	if err != nil || len(jobs) != 1 || jobs[0].ID != "dsecond" || jobs[0].Kind != outbox.JobDeliver {
		t.Fatalf("a settled delivery keeps its job, or the pending one lost it: %+v %v", jobs, err)
	}
	if other, _ := s.DB.UpdateDeliveries(ctx, "no-such-incident"); len(other) != 0 {
		t.Fatalf("another incident's deliveries: %+v", other)
	}
}

func testTemplates(t *testing.T, s *Setup) {
	ctx := context.Background()
	at := s.Clock.Now().UTC()
	tpl := notices.Template{Name: "acme", Audience: notices.Customer, Obligations: []string{"acme-24h"}, Title: "Notice", Body: "Hello {{.Incident.Ref}}\n",
		Source: notices.SourceCustom, UpdatedBy: "root", UpdatedAt: &at}
	if err := s.DB.PutTemplate(ctx, tpl); err != nil {
		t.Fatal(err)
	}
	tpl.Body = "Changed\n"
	if err := s.DB.PutTemplate(ctx, tpl); err != nil {
		t.Fatal(err)
	}
	got, err := s.DB.Templates(ctx)
	if err != nil || len(got) != 1 || asJSON(t, got[0]) != asJSON(t, tpl) {
		t.Fatalf("templates %+v %v", got, err)
	}
	if err := s.DB.DeleteTemplate(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.DeleteTemplate(ctx, "acme"); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("delete twice: %v", err)
	}
}

func testSubscriptions(t *testing.T, s *Setup) {
	ctx := context.Background()
	at := s.Clock.Now().UTC()
	hook := notify.Target{Kind: notify.KindSlack, Address: "https://hooks.slack.test/services/T000/B000/SECRETSECRET"}
	global := notices.UpdateSubscription{ID: "s1", Name: "leadership", Target: notify.Target{Kind: notify.KindEmail, Address: "leads@example.com"},
		Kind: notify.KindEmail, Address: "leads@example.com", CreatedBy: "root", CreatedAt: at}
	own := notices.UpdateSubscription{ID: "s2", IncidentID: "inc-1", Name: "war room", Target: hook, Kind: notify.KindSlack, Address: "https://hooks.slack.test/…", CreatedBy: "alice", CreatedAt: at.Add(time.Second)}
	other := notices.UpdateSubscription{ID: "s3", IncidentID: "inc-2", Name: "other", Target: hook, Kind: notify.KindSlack, CreatedAt: at}
	for _, sub := range []notices.UpdateSubscription{global, own, other} {
		if err := s.DB.PutSubscription(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DB.PutSubscription(ctx, global); errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("same ID twice: %v", err)
	}
	list, err := s.DB.Subscriptions(ctx, "inc-1")
	if err != nil || len(list) != 2 || list[0].ID != "s1" || list[1].ID != "s2" {
		t.Fatalf("incident's and global: %+v %v", list, err)
	}
	if list[1].Target != hook {
		t.Fatalf("target read back as %+v", list[1].Target)
	}
	if g, _ := s.DB.Subscriptions(ctx, ""); len(g) != 1 || g[0].ID != "s1" {
		t.Fatalf("global only: %+v", g)
	}
	if got, err := s.DB.Subscription(ctx, "s2"); err != nil || got.Target != hook || got.Name != "war room" {
		t.Fatalf("one: %+v %v", got, err)
	}
	if err := s.DB.DeleteSubscription(ctx, "s2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.Subscription(ctx, "s2"); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("deleted: %v", err)
	}
}
