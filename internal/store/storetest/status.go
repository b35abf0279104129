package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbox"
	"github.com/firebreak-ir/firebreak/internal/status"
)

// RunStatus runs the status page's part of the contract against backend b:
// settings, components and their history, public incidents with their
// effects (component changes, one delivery job per confirmed subscriber),
// the rule that hides a restricted incident nobody confirmed, and
// subscriptions.
func RunStatus(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *Setup)
	}{
		{"PageIsCreatedOnce", testStatusPage},
		{"ComponentsAndHistory", testStatusComponents},
		{"PublishWritesEffectsAndJobs", testStatusPublish},
		{"RestrictedIsHiddenUntilConfirmed", testStatusHidden},
		{"Subscribers", testStatusSubscribers},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, NewSetup(t, b))
		})
	}
}

// must(f())(t) is f's value, failing t on f's error.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func testStatusPage(t *testing.T, s *Setup) {
	n := 0
	fresh := func() status.Page {
		n++
		return status.Page{ID: "pg1", Name: "Acme status", TimeZone: "Etc/UTC", UpdatedAt: s.Clock.Now()}
	}
	p := must(s.DB.StatusPage(ctx, fresh))(t)
	again := must(s.DB.StatusPage(ctx, fresh))(t)
	if p.ID != "pg1" || again != p || n != 1 {
		t.Fatalf("page %+v then %+v, fresh called %d times", p, again, n)
	}
	p.Name, p.TimeZone = "Acme", "Europe/Berlin"
	if err := s.DB.PutStatusPage(ctx, p); err != nil {
		t.Fatal(err)
	}
	if got := must(s.DB.StatusPage(ctx, fresh))(t); got.Name != "Acme" || got.TimeZone != "Europe/Berlin" || got.ID != "pg1" {
		t.Fatalf("after put: %+v", got)
	}
}

func component(t *testing.T, s *Setup, id, name string, pos int) status.Component {
	t.Helper()
	now := s.Clock.Now()
	c := status.Component{ID: id, Name: name, Position: pos, State: status.Operational, CreatedAt: now, UpdatedAt: now}
	if err := s.DB.CreateStatusComponent(ctx, c); err != nil {
		t.Fatal(err)
	}
	return c
}

func testStatusComponents(t *testing.T, s *Setup) {
	component(t, s, "c2", "Website", 2)
	component(t, s, "c1", "API", 1)
	err := s.DB.CreateStatusComponent(ctx, status.Component{ID: "c3", Name: "API", State: status.Operational, CreatedAt: s.Clock.Now(), UpdatedAt: s.Clock.Now()})
	wantCode(t, err, errs.Conflict)
	comps := must(s.DB.StatusComponents(ctx))(t)
	if len(comps) != 2 || comps[0].Name != "API" || comps[1].Name != "Website" {
		t.Fatalf("components %+v", comps)
	}
	start := s.Clock.Now()
	s.Clock.Advance(time.Hour)
	at := s.Clock.Now()
	c, err := s.DB.UpdateStatusComponent(ctx, "c1", func(c *status.Component) (*status.Change, error) {
		c.State, c.Description, c.UpdatedAt = status.MajorOutage, "the public API", at
		return &status.Change{ComponentID: c.ID, Old: status.Operational, New: status.MajorOutage, At: at}, nil
	})
	if err != nil || c.State != status.MajorOutage || c.Description != "the public API" {
		t.Fatalf("update: %+v %v", c, err)
	}
	_, err = s.DB.UpdateStatusComponent(ctx, "c1", func(c *status.Component) (*status.Change, error) {
		c.Name = "Website"
		return nil, nil
	})
	wantCode(t, err, errs.Conflict)
	_, err = s.DB.UpdateStatusComponent(ctx, "nope", func(*status.Component) (*status.Change, error) { return nil, nil })
	wantCode(t, err, errs.NotFound)
	changes := must(s.DB.StatusChanges(ctx, start))(t)
	if len(changes) != 1 || changes[0].ComponentID != "c1" || changes[0].New != status.MajorOutage || !changes[0].At.Equal(at) {
		t.Fatalf("changes %+v", changes)
	}
	if got := must(s.DB.StatusChanges(ctx, at.Add(time.Second)))(t); len(got) != 0 {
		t.Fatalf("changes after: %+v", got)
	}
	if err := s.DB.DeleteStatusComponent(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DB.DeleteStatusComponent(ctx, "c1"), errs.NotFound)
	if got := must(s.DB.StatusChanges(ctx, start))(t); len(got) != 0 {
		t.Fatalf("history kept after delete: %+v", got)
	}
}

// subscribe adds a confirmed subscriber (and a pending one when pending).
func subscribe(t *testing.T, s *Setup, id, email string, confirm bool) {
	t.Helper()
	exp := s.Clock.Now().Add(time.Hour)
	if _, err := s.DB.AddStatusSubscriber(ctx, status.Subscriber{ID: id, Email: email, State: status.Pending, CreatedAt: s.Clock.Now(), ExpiresAt: &exp}, "hash-"+id); err != nil {
		t.Fatal(err)
	}
	if confirm {
		if _, err := s.DB.ConfirmStatusSubscriber(ctx, "hash-"+id, s.Clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
}

// later is a claim time after every job written so far: the store stamps
// jobs with the real clock, the services with the test clock.
func later(s *Setup) time.Time {
	t := time.Now()
	if c := s.Clock.Now(); c.After(t) {
		t = c
	}
	return t.Add(time.Hour)
}

func newStatusService(s *Setup) *status.Service {
	return status.New(status.Deps{Store: s.DB, Incidents: s.Incidents, Now: s.Clock.Now, NewID: IDs("st"), Mail: noMail{}})
}

func testStatusPublish(t *testing.T, s *Setup) {
	component(t, s, "c1", "API", 1)
	subscribe(t, s, "s1", "one@example.com", true)
	subscribe(t, s, "s2", "two@example.com", false)
	subscribe(t, s, "s3", "three@example.com", true)
	inc := declare(t, s, incident.DeclareInput{Title: "Internal: db01 disk full"})
	svc := newStatusService(s)
	alice := status.Actor{User: "alice"}
	pub, err := svc.Publish(ctx, alice, status.PublishInput{Incident: inc.Ref, Title: "Slow API", Impact: status.ImpactMinor,
		Body: "We are looking into slow responses.", Components: []string{"c1"}, States: map[string]status.State{"c1": status.Degraded}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Publish(ctx, alice, status.PublishInput{Incident: inc.Ref, Title: "Again", Impact: status.ImpactMinor, Body: "x"})
	wantCode(t, err, errs.Conflict)

	got := must(s.DB.PublicIncidentFor(ctx, inc.ID))(t)
	if got.ID != pub.ID || got.Title != "Slow API" || got.IncidentRef != inc.Ref || len(got.Updates) != 1 || got.Hidden || got.Restricted {
		t.Fatalf("public incident %+v", got)
	}
	if u := got.Updates[0]; len(u.Components) != 1 || u.Components[0].Old != status.Operational || u.Components[0].New != status.Degraded || !u.Notify {
		t.Fatalf("first update %+v", u)
	}
	if c := must(s.DB.StatusComponents(ctx))(t); c[0].State != status.Degraded {
		t.Fatalf("component state %s", c[0].State)
	}
	up0 := got.Updates[0]
	want := []string{status.EmailDelivery(up0, "s1", "").ID, status.EmailDelivery(up0, "s3", "").ID}
	var ids []string
	for _, j := range must(s.DB.Claim(ctx, "w", later(s), time.Minute, 100))(t) {
		if j.Kind == outbox.JobDeliver {
			ids = append(ids, j.ID)
		}
	}
	slices.Sort(ids)
	if !slices.Equal(ids, want) {
		t.Fatalf("delivery jobs %v, want %v (the pending subscriber gets none)", ids, want)
	}
	ds := must(s.DB.OutboxDeliveries(ctx, outbox.Query{Kind: status.KindEmail}))(t)
	if len(ds) != 2 || ds[0].Target.Address != "three@example.com" || ds[0].Subject.ID != up0.ID || ds[1].Ref != "s1" || ds[1].State != outbox.Pending {
		t.Fatalf("deliveries %+v", ds)
	}

	s.Clock.Advance(time.Minute)
	no := false
	up, err := svc.Post(ctx, alice, pub.ID, status.UpdateInput{Status: status.Resolved, Body: "Fixed.", Notify: &no,
		States: map[string]status.State{"c1": status.Operational}})
	if err != nil {
		t.Fatal(err)
	}
	if up.Status != status.Resolved || up.ResolvedAt == nil || len(up.Updates) != 2 || up.Updates[0].Body != "Fixed." {
		t.Fatalf("after update %+v", up)
	}
	if j := must(s.DB.Claim(ctx, "w", later(s), time.Minute, 100))(t); len(j) != 0 {
		t.Fatalf("an update without notify wrote jobs: %+v", j)
	}
	active := must(s.DB.PublicIncidents(ctx, status.Query{Public: true, Active: true}))(t)
	recent := must(s.DB.PublicIncidents(ctx, status.Query{Public: true, Since: s.Clock.Now().Add(-time.Hour)}))(t)
	old := must(s.DB.PublicIncidents(ctx, status.Query{Public: true, Since: s.Clock.Now().Add(time.Hour)}))(t)
	if len(active) != 0 || len(recent) != 1 || len(old) != 0 {
		t.Fatalf("active %d, recent %d, since later %d", len(active), len(recent), len(old))
	}
	if err := svc.Unpublish(ctx, status.Actor{User: "root", Admin: true}, pub.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.DB.PublicUpdate(ctx, up.Updates[0].ID)
	wantCode(t, err, errs.NotFound)
}

func testStatusHidden(t *testing.T, s *Setup) {
	svc := newStatusService(s)
	alice, root := status.Actor{User: "alice"}, status.Actor{User: "root", Admin: true}
	secret := declare(t, s, incident.DeclareInput{Title: "Breach of the billing database", Restricted: true})
	in := status.PublishInput{Incident: secret.Ref, Title: "Billing delays", Impact: status.ImpactMajor, Body: "Invoices are delayed."}
	// alice declared it, so she can see it, but she is not an administrator.
	_, err := svc.Publish(ctx, alice, in)
	wantCode(t, err, errs.Forbidden)
	_, err = svc.Publish(ctx, root, in)
	wantCode(t, err, errs.Invalid)
	in.ConfirmRestricted = true
	pub, err := svc.Publish(ctx, root, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := must(s.DB.PublicIncidents(ctx, status.Query{Public: true}))(t); len(got) != 1 || got[0].ID != pub.ID {
		t.Fatalf("a confirmed restricted incident is public: got %+v", got)
	}
	_, err = svc.Post(ctx, alice, pub.ID, status.UpdateInput{Status: status.Identified, Body: "x"})
	wantCode(t, err, errs.Forbidden)

	// Published while open, restricted afterwards: hidden until an
	// administrator confirms.
	odd := declare(t, s, incident.DeclareInput{Title: "Odd logins"})
	pub2, err := svc.Publish(ctx, alice, status.PublishInput{Incident: odd.Ref, Title: "Sign-in trouble", Impact: status.ImpactMinor, Body: "Some sign-ins fail."})
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := s.Incidents.Update(ctx, incident.Command{Actor: incident.Viewer{User: "alice"}, Ref: odd.Ref}, incident.UpdateInput{Restricted: &yes}); err != nil {
		t.Fatal(err)
	}
	public := must(s.DB.PublicIncidents(ctx, status.Query{Public: true}))(t)
	if len(public) != 1 || public[0].ID != pub.ID {
		t.Fatalf("public list %+v: the newly restricted one must be hidden", public)
	}
	staff := must(s.DB.PublicIncidents(ctx, status.Query{}))(t)
	if len(staff) != 2 || staff[0].ID != pub2.ID || !staff[0].Hidden || !staff[0].Restricted || staff[1].Hidden {
		t.Fatalf("staff list %+v", staff)
	}
	_, err = svc.Post(ctx, root, pub2.ID, status.UpdateInput{Status: status.Identified, Body: "Found it."})
	wantCode(t, err, errs.Invalid)
	if _, err := svc.Post(ctx, root, pub2.ID, status.UpdateInput{Status: status.Identified, Body: "Found it.", ConfirmRestricted: true}); err != nil {
		t.Fatal(err)
	}
	if got := must(s.DB.PublicIncidents(ctx, status.Query{Public: true}))(t); len(got) != 2 {
		t.Fatalf("after confirming, both are public: %+v", got)
	}
	// bob sees neither restricted incident, so not their public faces
	// among staff either.
	if got := must(svc.Staff(ctx, status.Actor{User: "bob"}, status.Query{}))(t); len(got) != 0 {
		t.Fatalf("bob sees %+v", got)
	}
}

func testStatusSubscribers(t *testing.T, s *Setup) {
	now := s.Clock.Now()
	exp := now.Add(time.Hour)
	sub := status.Subscriber{ID: "s1", Email: "ann@example.com", State: status.Pending, CreatedAt: now, ExpiresAt: &exp}
	got := must(s.DB.AddStatusSubscriber(ctx, sub, "h1"))(t)
	if got.ID != "s1" || got.State != status.Pending {
		t.Fatalf("added %+v", got)
	}
	// Asking again renews the pending subscription under its ID; only the
	// newest link works.
	again := sub
	again.ID = "s1b"
	if got := must(s.DB.AddStatusSubscriber(ctx, again, "h2"))(t); got.ID != "s1" {
		t.Fatalf("renewed %+v", got)
	}
	_, err := s.DB.PendingStatusSubscriber(ctx, "h1")
	wantCode(t, err, errs.NotFound)
	if p := must(s.DB.PendingStatusSubscriber(ctx, "h2"))(t); p.ID != "s1" || p.ExpiresAt == nil {
		t.Fatalf("pending %+v", p)
	}
	c := must(s.DB.ConfirmStatusSubscriber(ctx, "h2", now))(t)
	if c.State != status.Confirmed || c.ConfirmedAt == nil {
		t.Fatalf("confirmed %+v", c)
	}
	_, err = s.DB.ConfirmStatusSubscriber(ctx, "h2", now)
	wantCode(t, err, errs.NotFound)
	if got := must(s.DB.AddStatusSubscriber(ctx, status.Subscriber{ID: "s9", Email: "ann@example.com", State: status.Pending, CreatedAt: now, ExpiresAt: &exp}, "h3"))(t); got.ID != "s1" || got.State != status.Confirmed {
		t.Fatalf("a confirmed address is returned unchanged: %+v", got)
	}
	// An expired pending subscription is dropped by the next one.
	old := now.Add(-time.Minute)
	must(s.DB.AddStatusSubscriber(ctx, status.Subscriber{ID: "s2", Email: "bo@example.com", State: status.Pending, CreatedAt: now.Add(-time.Hour), ExpiresAt: &old}, "h4"))(t)
	must(s.DB.AddStatusSubscriber(ctx, status.Subscriber{ID: "s3", Email: "cy@example.com", State: status.Pending, CreatedAt: now, ExpiresAt: &exp}, "h5"))(t)
	_, err = s.DB.StatusSubscriber(ctx, "s2")
	wantCode(t, err, errs.NotFound)
	list, n, err := s.DB.StatusSubscribers(ctx, 10)
	if err != nil || n != 1 || len(list) != 2 {
		t.Fatalf("list %+v, %d confirmed, %v", list, n, err)
	}
	if err := s.DB.DeleteStatusSubscriber(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DB.DeleteStatusSubscriber(ctx, "s1"), errs.NotFound)
}

// noMail is a relay that is configured but never used here: deliveries
// are only queued in the contract.
type noMail struct{}

func (noMail) Notify(context.Context, notify.Target, notify.Message) (notify.Result, error) {
	return notify.Result{}, nil
}
