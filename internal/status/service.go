package status

import (
	"context"
	"crypto/rand"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
)

// HistoryDays is how far back the public page and feed look.
const HistoryDays = 90

// Query selects public incidents.
type Query struct {
	Public bool      // leave out the hidden ones (see Incident.RestrictedOK)
	Active bool      // only unresolved incidents and maintenances not completed
	Since  time.Time // only those updated since, or still active; zero for all
	Limit  int       // at most this many, newest first; 0 for 200
}

// Store keeps the status page. The store package implements it on SQLite
// and PostgreSQL.
type Store interface {
	// StatusPage returns the page's settings, storing fresh() the first time.
	StatusPage(ctx context.Context, fresh func() Page) (Page, error)
	PutStatusPage(ctx context.Context, p Page) error

	StatusComponents(ctx context.Context) ([]Component, error)
	// CreateStatusComponent is a Conflict when the name is taken.
	CreateStatusComponent(ctx context.Context, c Component) error
	// UpdateStatusComponent changes a component; the change fn returns, if
	// any, is recorded in the history in the same transaction.
	UpdateStatusComponent(ctx context.Context, id string, fn func(*Component) (*Change, error)) (Component, error)
	DeleteStatusComponent(ctx context.Context, id string) error
	// StatusChanges lists every component state change at or after since,
	// oldest first.
	StatusChanges(ctx context.Context, since time.Time) ([]Change, error)

	// CreatePublicIncident stores inc with its effects (its first update,
	// component changes, and a delivery job per confirmed subscriber when
	// fx.Notify) in one transaction; a Conflict when inc's internal
	// incident already has a public incident.
	CreatePublicIncident(ctx context.Context, inc Incident, fx Effects) error
	// UpdatePublicIncident changes a public incident and writes the effects
	// fn returns in one transaction; fn sees the components as they are.
	UpdatePublicIncident(ctx context.Context, id string, fn func(inc *Incident, comps []Component) (Effects, error)) (Incident, error)
	DeletePublicIncident(ctx context.Context, id string) error
	// PublicIncident returns one with its updates, Hidden and Restricted set.
	PublicIncident(ctx context.Context, id string) (Incident, error)
	// PublicIncidentFor returns the public incident of an internal one.
	PublicIncidentFor(ctx context.Context, incidentID string) (Incident, error)
	PublicIncidents(ctx context.Context, q Query) ([]Incident, error)
	PublicUpdate(ctx context.Context, id string) (Update, error)

	// AddStatusSubscriber stores a pending subscription with the hash of
	// its confirmation token, or renews the pending one of the address. An
	// address already confirmed is returned unchanged.
	AddStatusSubscriber(ctx context.Context, s Subscriber, tokenHash string) (Subscriber, error)
	// PendingStatusSubscriber finds a pending subscription by its token's
	// hash.
	PendingStatusSubscriber(ctx context.Context, tokenHash string) (Subscriber, error)
	// ConfirmStatusSubscriber confirms the pending subscription whose token
	// hashes to tokenHash and forgets the hash, so the link works once.
	ConfirmStatusSubscriber(ctx context.Context, tokenHash string, at time.Time) (Subscriber, error)
	StatusSubscriber(ctx context.Context, id string) (Subscriber, error)
	DeleteStatusSubscriber(ctx context.Context, id string) error
	// StatusSubscribers lists up to limit subscribers, newest first, and
	// counts the confirmed ones.
	StatusSubscribers(ctx context.Context, limit int) ([]Subscriber, int, error)

	ServerKey(ctx context.Context, name string, size int) ([]byte, error)
}

// Incidents reads internal incidents.
type Incidents interface {
	Get(ctx context.Context, v incident.Viewer, ref string) (incident.Incident, error)
}

// Deps are what the service needs.
type Deps struct {
	Store     Store
	Incidents Incidents
	// Mail sends subscription email (the outbound relay); nil turns
	// subscriptions off.
	Mail   notify.Notifier
	Now    func() time.Time
	NewID  func() string
	Logger *slog.Logger
}

// Service runs the status page.
type Service struct {
	store     Store
	incidents Incidents
	mail      notify.Notifier
	now       func() time.Time
	newID     func() string
	log       *slog.Logger
	baseURL   atomic.Pointer[string]
	key       atomic.Pointer[[]byte]
}

// New builds the service.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{store: d.Store, incidents: d.Incidents, mail: d.Mail, now: d.Now, newID: d.NewID, log: d.Logger}
	s.SetBaseURL("http://localhost")
	return s
}

// SetBaseURL sets the URL people reach the server at (no trailing slash),
// for links in the page's documents and emails.
func (s *Service) SetBaseURL(u string) {
	u = strings.TrimRight(u, "/")
	s.baseURL.Store(&u)
}

// URL is the public page's absolute URL.
func (s *Service) URL() string { return *s.baseURL.Load() + "/status" }

// Subscriptions reports whether email subscriptions are on.
func (s *Service) Subscriptions() bool { return s.mail != nil }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// ---- the page ----

// DefaultName is a new page's name until an administrator sets it.
const DefaultName = "Service status"

// Page returns the page's settings.
func (s *Service) Page(ctx context.Context) (Page, error) {
	return s.store.StatusPage(ctx, func() Page {
		return Page{ID: pageID(), Name: DefaultName, TimeZone: "Etc/UTC", UpdatedAt: s.now()}
	})
}

// pageID is a 12-character random ID, as Statuspage's.
func pageID() string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 12)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// PageInput changes the page's settings; nil fields stay.
type PageInput struct {
	Name     *string `json:"name,omitempty"`
	TimeZone *string `json:"time_zone,omitempty"`
}

// SetPage changes the page's name or time zone; administrators only.
func (s *Service) SetPage(ctx context.Context, a Actor, in PageInput) (Page, error) {
	if !a.Admin {
		return Page{}, errs.E(errs.Forbidden, "", "only an administrator may change the status page's settings")
	}
	p, err := s.Page(ctx)
	if err != nil {
		return p, err
	}
	var pr problems
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		pr.text("name", name, true, MaxName)
		p.Name = name
	}
	if in.TimeZone != nil {
		if _, err := time.LoadLocation(*in.TimeZone); err != nil || *in.TimeZone == "" || *in.TimeZone == "Local" {
			pr.add("time_zone", "unknown time zone %q; use an IANA name such as Europe/Berlin or Etc/UTC", *in.TimeZone)
		}
		p.TimeZone = *in.TimeZone
	}
	if err := pr.err(); err != nil {
		return Page{}, err
	}
	p.UpdatedAt = s.now()
	return p, s.store.PutStatusPage(ctx, p)
}

// ---- components ----

// Components lists the components in display order.
func (s *Service) Components(ctx context.Context) ([]Component, error) {
	c, err := s.store.StatusComponents(ctx)
	return Sorted(c), err
}

func adminOnly(a Actor, what string) error {
	if !a.Admin {
		return errs.E(errs.Forbidden, "", "only an administrator may %s", what)
	}
	return nil
}

// CreateComponent adds a component; administrators only.
func (s *Service) CreateComponent(ctx context.Context, a Actor, in ComponentInput) (Component, error) {
	if err := adminOnly(a, "add components"); err != nil {
		return Component{}, err
	}
	c := Component{ID: s.newID()}
	if in.Position == nil {
		comps, err := s.store.StatusComponents(ctx)
		if err != nil {
			return c, err
		}
		for _, o := range comps {
			c.Position = max(c.Position, o.Position+1)
		}
	}
	if _, err := in.Apply(&c, true, s.now()); err != nil {
		return Component{}, err
	}
	return c, s.store.CreateStatusComponent(ctx, c)
}

// UpdateComponent changes a component; a change of state is kept in the
// history. Administrators only: responders change states through their
// incident's updates.
func (s *Service) UpdateComponent(ctx context.Context, a Actor, id string, in ComponentInput) (Component, error) {
	if err := adminOnly(a, "change components"); err != nil {
		return Component{}, err
	}
	now := s.now()
	return s.store.UpdateStatusComponent(ctx, id, func(c *Component) (*Change, error) { return in.Apply(c, false, now) })
}

// DeleteComponent removes a component and its history; administrators only.
func (s *Service) DeleteComponent(ctx context.Context, a Actor, id string) error {
	if err := adminOnly(a, "remove components"); err != nil {
		return err
	}
	return s.store.DeleteStatusComponent(ctx, id)
}

// ---- public incidents ----

// linked reads the internal incident behind ref as the system (restricted
// ones included) and checks a may see it. Restricted incidents do not
// exist for those who may not see them: one answer, worded and placed
// alike, for those and for a ref that names nothing.
func (s *Service) linked(ctx context.Context, a Actor, ref string) (incident.Incident, error) {
	inc, err := s.incidents.Get(ctx, incident.Viewer{User: a.User, SeeAll: true}, ref)
	if errs.CodeOf(err) == errs.NotFound || err == nil && !(incident.Viewer{User: a.User, SeeAll: a.Admin}).CanSee(&inc) {
		return incident.Incident{}, noIncident(ref)
	}
	return inc, err
}

// noIncident is the answer for an internal incident that does not exist,
// or that the actor may not see.
func noIncident(ref string) error { return errs.E(errs.NotFound, "incident", "no incident %s", ref) }

// noPublicIncident is the answer for a public incident that does not
// exist, or whose restricted internal incident the actor may not see.
func noPublicIncident(id string) error {
	return errs.E(errs.NotFound, "id", "no public incident %s", id)
}

// Publish puts a public incident or maintenance on the page, with its first
// update; linked to an internal incident when in.Incident names one.
// Nothing of the internal incident is copied: the public title and text
// are written for customers.
func (s *Service) Publish(ctx context.Context, a Actor, in PublishInput) (Incident, error) {
	var link incident.Incident
	confirmNow := false
	if in.Incident != "" {
		var err error
		if link, err = s.linked(ctx, a, in.Incident); err != nil {
			return Incident{}, err
		}
		if confirmNow, err = CheckRestricted(a, link.Ref, link.Restricted, false, in.ConfirmRestricted); err != nil {
			return Incident{}, err
		}
		if in.Kind == KindMaintenance {
			return Incident{}, errs.E(errs.Invalid, "kind", "an internal incident is published as an incident, not a maintenance")
		}
	}
	comps, err := s.store.StatusComponents(ctx)
	if err != nil {
		return Incident{}, err
	}
	inc, fx, err := NewIncident(in, comps, s.newID(), s.newID(), a.User, s.now())
	if err != nil {
		return Incident{}, err
	}
	inc.IncidentID, inc.IncidentRef, inc.RestrictedOK, inc.Restricted = link.ID, link.Ref, confirmNow, link.Restricted
	fx.Notify = fx.Notify && s.mail != nil
	if err := s.store.CreatePublicIncident(ctx, inc, fx); err != nil {
		return Incident{}, err
	}
	return inc, nil
}

// Post adds an update to a public incident. When its internal incident is
// restricted, only an administrator may, confirming it the first time.
func (s *Service) Post(ctx context.Context, a Actor, id string, in UpdateInput) (Incident, error) {
	cur, err := s.store.PublicIncident(ctx, id)
	if notFound(err) {
		return Incident{}, noPublicIncident(id)
	}
	if err != nil {
		return Incident{}, err
	}
	confirmNow := false
	if cur.IncidentID != "" {
		link, err := s.incidents.Get(ctx, incident.Viewer{SeeAll: true}, cur.IncidentID)
		if err != nil {
			return Incident{}, err
		}
		if !(incident.Viewer{User: a.User, SeeAll: a.Admin}).CanSee(&link) {
			// Not "INC-8 is restricted": it does not exist for a.
			return Incident{}, noPublicIncident(id)
		}
		if confirmNow, err = CheckRestricted(a, link.Ref, link.Restricted, cur.RestrictedOK, in.ConfirmRestricted); err != nil {
			return Incident{}, err
		}
	}
	now := s.now()
	updateID := s.newID()
	return s.store.UpdatePublicIncident(ctx, id, func(inc *Incident, comps []Component) (Effects, error) {
		fx, err := ApplyUpdate(inc, in, comps, updateID, a.User, now)
		if confirmNow {
			inc.RestrictedOK = true
		}
		fx.Notify = fx.Notify && s.mail != nil
		return fx, err
	})
}

// Unpublish removes a public incident and its updates; administrators only.
func (s *Service) Unpublish(ctx context.Context, a Actor, id string) error {
	if err := adminOnly(a, "remove an incident from the status page"); err != nil {
		return err
	}
	return s.store.DeletePublicIncident(ctx, id)
}

// ForIncident returns the public incident of an internal one, if any
// (NotFound otherwise).
func (s *Service) ForIncident(ctx context.Context, incidentID string) (Incident, error) {
	return s.store.PublicIncidentFor(ctx, incidentID)
}

// Get returns a public incident for staff.
func (s *Service) Get(ctx context.Context, a Actor, id string) (Incident, error) {
	inc, err := s.store.PublicIncident(ctx, id)
	if notFound(err) {
		return Incident{}, noPublicIncident(id)
	}
	if err != nil {
		return inc, err
	}
	if !s.staffMaySee(ctx, a, inc) {
		return Incident{}, noPublicIncident(id)
	}
	return inc, nil
}

// Staff lists public incidents for the console, hidden ones included,
// leaving out those whose restricted internal incident a may not see.
func (s *Service) Staff(ctx context.Context, a Actor, q Query) ([]Incident, error) {
	q.Public = false
	all, err := s.store.PublicIncidents(ctx, q)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, inc := range all {
		if s.staffMaySee(ctx, a, inc) {
			out = append(out, inc)
		}
	}
	return out, nil
}

func (s *Service) staffMaySee(ctx context.Context, a Actor, inc Incident) bool {
	if !inc.Restricted || a.Admin {
		return true
	}
	_, err := s.linked(ctx, a, inc.IncidentID)
	return err == nil
}

// ---- what the public sees ----

// Public loads what the public sees: the page, its components, and the
// public incidents q selects (never hidden ones).
func (s *Service) Public(ctx context.Context, q Query) (Public, error) {
	q.Public = true
	p := Public{URL: s.URL(), Now: s.now()}
	var err error
	if p.Page, err = s.Page(ctx); err != nil {
		return p, err
	}
	if p.Components, err = s.Components(ctx); err != nil {
		return p, err
	}
	p.Incidents, err = s.store.PublicIncidents(ctx, q)
	return p, err
}

// PublicIncident is one public incident as the public sees it; hidden
// ones do not exist.
func (s *Service) PublicIncident(ctx context.Context, id string) (Public, error) {
	p, err := s.Public(ctx, Query{Active: true, Limit: 1})
	if err != nil {
		return p, err
	}
	inc, err := s.store.PublicIncident(ctx, id)
	if err != nil || inc.Hidden {
		return p, errs.E(errs.NotFound, "id", "no incident %s on this status page", id)
	}
	p.Incidents = []Incident{inc}
	return p, nil
}

// Histories returns each component's last HistoryDays days.
func (s *Service) Histories(ctx context.Context, p Public) (map[string][]Day, error) {
	loc := p.Location()
	n := p.Now.In(loc)
	since := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, -HistoryDays)
	changes, err := s.store.StatusChanges(ctx, since)
	if err != nil {
		return nil, err
	}
	by := map[string][]Change{}
	for _, c := range changes {
		by[c.ComponentID] = append(by[c.ComponentID], c)
	}
	out := map[string][]Day{}
	for _, c := range p.Components {
		out[c.ID] = History(c, by[c.ID], p.Now, HistoryDays, loc)
	}
	return out, nil
}

// notFound reports whether err is a not-found error.
func notFound(err error) bool { return errs.CodeOf(err) == errs.NotFound }
