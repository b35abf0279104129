package duties_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/outbox"
	"github.com/firebreak-ir/firebreak/internal/store"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// fakeCatalog stands in for the obligation catalog with two duties whose
// dates are easy to check: a GDPR-like 72 h notice for controllers of
// personal data, and a NIS2-like chain for essential entities (24 h, 72 h,
// and a final report a month after the 72 h notice was submitted). The
// real catalog's vectors are tested in package comms.
type fakeCatalog struct{}

const (
	gdpr = "eu-gdpr-art33-supervisory-authority"
	nis2 = "eu-nis2-art23-significant-incident"
)

func (fakeCatalog) Evaluate(org comms.Organization, f comms.Facts, records []comms.Record, now time.Time) []comms.Item {
	type phase struct {
		obligation, name, anchor string
		due                      func(time.Time) time.Time
	}
	hours := func(h int) func(time.Time) time.Time {
		return func(t time.Time) time.Time { return t.Add(time.Duration(h) * time.Hour) }
	}
	var phases []phase
	if f.PersonalData && slices.Contains(org.Roles, "controller") {
		phases = append(phases, phase{gdpr, "initial_notification", "aware", hours(72)})
	}
	if slices.Contains(org.EntityTypes, "essential_entity") {
		phases = append(phases,
			phase{nis2, "early_warning", "aware", hours(24)},
			phase{nis2, "incident_notification", "aware", hours(72)},
			phase{nis2, "final_report", "incident_notification_submitted", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }})
	}
	anchors := map[string]time.Time{}
	for k, v := range f.Anchors {
		anchors[k] = v
	}
	for _, r := range records {
		if r.ObligationID == nis2 && r.Phase == "incident_notification" && r.Kind == comms.RecordSubmitted {
			anchors["incident_notification_submitted"] = r.At
		}
	}
	var out []comms.Item
	for _, p := range phases {
		it := comms.Item{ObligationID: p.obligation, Phase: p.name, Recipient: "authority", DeadlineKind: comms.CalendarHours,
			Status: comms.Pending, Basis: "basis of " + p.obligation, Anchor: p.anchor, Verified: true, LegalStatus: "in_force"}
		if at, ok := anchors[p.anchor]; ok {
			due := p.due(at)
			it.AnchorAt, it.DueAt = &at, &due
			switch {
			case !now.Before(due):
				it.Status = comms.Overdue
			case due.Sub(now) <= 6*time.Hour:
				it.Status = comms.DueSoon
			}
		}
		for _, r := range records {
			if r.ObligationID == p.obligation && r.Phase == p.name {
				r := r
				it.Record, it.Status = &r, comms.ItemStatus(r.Kind)
			}
		}
		out = append(out, it)
	}
	return out
}

// inbox receives webhook reminders; a path listed in failing answers 503
// that many times first.
type inbox struct {
	mu      sync.Mutex
	got     map[string][]string // user → titles
	failing map[string]int
	srv     *httptest.Server
}

func newInbox(t *testing.T) *inbox {
	in := &inbox{got: map[string][]string{}, failing: map[string]int{}}
	in.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p notify.WebhookPayload
		if err := decodeJSON(r, &p); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		user := strings.TrimPrefix(r.URL.Path, "/")
		in.mu.Lock()
		defer in.mu.Unlock()
		if in.failing[user] > 0 {
			in.failing[user]--
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		in.got[user] = append(in.got[user], p.Title)
	}))
	t.Cleanup(in.srv.Close)
	return in
}

func (in *inbox) take(user string) []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	m := in.got[user]
	delete(in.got, user)
	return m
}

// people gives every user one verified webhook contact to the inbox;
// "nobody" has none.
type people struct{ in *inbox }

func (p people) VerifiedContacts(_ context.Context, user string) ([]contacts.Contact, error) {
	if user == "nobody" {
		return nil, nil
	}
	return []contacts.Contact{{ID: "c-" + user, User: user, Name: "hook", Kind: notify.KindWebhook, Verified: true,
		Target: notify.Target{Kind: notify.KindWebhook, Address: p.in.srv.URL + "/" + user, Secret: "0123456789abcdef-duties"}}}, nil
}

type world struct {
	db     *store.DB
	clock  *storetest.Clock
	inc    *incident.Service
	duties *duties.Service
	engine *engine.Engine
	inbox  *inbox
	ctx    context.Context
}

func setup(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	db, err := store.Open(ctx, storetest.SQLiteDSN(t), store.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	as := auth.NewService(db, clock.Now, storetest.IDs("tok"))
	for _, u := range []auth.UserInput{{Username: "alice", Role: auth.Responder}, {Username: "bob", Role: auth.Responder},
		{Username: "carol", Role: auth.Responder}, {Username: "nobody", Role: auth.Responder}} {
		if _, err := as.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	w := &world{db: db, clock: clock, ctx: ctx, inbox: newInbox(t)}
	w.inc = incident.NewService(db, as, incident.DefaultPolicy(), clock.Now, storetest.IDs("inc"))
	wh := &notify.Webhook{HTTPConfig: notify.HTTPConfig{Outbound: outbound.LoopbackPolicy()}, Now: clock.Now}
	ob := outbox.New(outbox.Deps{Store: db, Notifier: wh, Now: clock.Now})
	w.duties = duties.New(duties.Deps{Store: db, Incidents: w.inc, Catalog: fakeCatalog{}, People: people{w.inbox}, Outbox: ob, Now: clock.Now})
	w.duties.SetBaseURL("http://firebreak.test")
	w.engine = engine.New(db, engine.Options{Now: clock.Now, Backoff: func(int) time.Duration { return time.Minute }})
	w.duties.Register(w.engine)
	w.duties.RegisterKinds(ob)
	ob.Register(w.engine)
	return w
}

// run runs every job due now.
func (w *world) run(t *testing.T) {
	t.Helper()
	for range 20 {
		n, err := w.engine.RunDue(w.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("jobs keep coming")
}

// advanceTo moves the clock to t and runs what is due.
func (w *world) advanceTo(t *testing.T, at time.Time) {
	t.Helper()
	w.clock.Advance(at.Sub(w.clock.Now()))
	w.run(t)
}

func (w *world) declare(t *testing.T, restricted bool) incident.Incident {
	t.Helper()
	inc, err := w.inc.Declare(w.ctx, "alice", incident.DeclareInput{Title: "Customer records exposed", Source: incident.SourceInternal, Restricted: restricted})
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

var alice = incident.Viewer{User: "alice"}

func (w *world) profile(t *testing.T, p duties.Profile) {
	t.Helper()
	if _, err := w.duties.PutProfile(w.ctx, "admin", p); err != nil {
		t.Fatal(err)
	}
	w.run(t) // the replan job
}

var nis2Profile = duties.Profile{Roles: []string{"controller"}, EntityTypes: []string{"essential_entity"}, Countries: []string{"DE"}}
