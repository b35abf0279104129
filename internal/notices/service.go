package notices

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/markdown"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// Config is what the server's policy file sets.
type Config struct {
	// Organization is how notices name the organisation and its contacts.
	Organization Letterhead
	// Templates are the policy file's own; they take the place of built-in
	// ones of the same name, and stored ones take theirs.
	Templates []Template
	// Cadence is the stakeholder-update interval per severity; nil is
	// DefaultCadence, an empty map turns reminders off.
	Cadence map[string]time.Duration
	// Approval says per audience whether a second person must approve a
	// notice before it is sent or submitted; an audience left out takes
	// DefaultApproval's.
	Approval map[Audience]bool
}

// DefaultApproval: notices to regulators, customers and individuals need
// a second person's approval before they go; internal briefings do not.
func DefaultApproval() map[Audience]bool {
	return map[Audience]bool{Regulator: true, Customer: true, Individuals: true, Internal: false}
}

// ApprovalRequired reports whether a notice to a must be approved by a
// second person before it is sent or submitted.
func (c Config) ApprovalRequired(a Audience) bool {
	if v, ok := c.Approval[a]; ok {
		return v
	}
	return DefaultApproval()[a]
}

// DefaultCadence is SEV1 every 30 minutes and SEV2 every hour while open.
func DefaultCadence() map[string]time.Duration {
	return map[string]time.Duration{"SEV1": 30 * time.Minute, "SEV2": time.Hour}
}

// Deps are the service's collaborators; Duties, Mailer, Channels and
// People are optional.
type Deps struct {
	Store     Store
	Incidents Incidents
	Duties    Duties
	Mailer    Mailer
	Channels  notify.Notifier // internal channels that updates go to
	People    People
	Config    Config
	Now       func() time.Time
	NewID     func() string
	Logger    *slog.Logger
}

// Service carries out notices, the dossier and stakeholder updates.
type Service struct {
	Deps
	md      *markdown.Renderer // the HTML part of emailed notices
	cadence map[string]time.Duration
	baseURL atomic.Pointer[string]
	outbox  *outbox.Outbox // sends notices' messages (UseOutbox)
}

// New builds the service.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{Deps: d, md: markdown.New()}
	s.cadence = d.Config.Cadence
	if s.cadence == nil {
		s.cadence = DefaultCadence()
	}
	return s
}

// Configure sets what the policy file says and the outbound email relay
// (nil: notices cannot be emailed). Call it before serving.
func (s *Service) Configure(c Config, m Mailer) {
	s.Config, s.Mailer = c, m
	s.cadence = c.Cadence
	if s.cadence == nil {
		s.cadence = DefaultCadence()
	}
}

// SetDuties wires the obligation records. Call it before serving.
func (s *Service) SetDuties(d Duties) { s.Duties = d }

// SetBaseURL sets the URL links in reminders start with.
func (s *Service) SetBaseURL(u string) {
	u = strings.TrimRight(u, "/")
	s.baseURL.Store(&u)
}

func (s *Service) link(ref string) string {
	if u := s.baseURL.Load(); u != nil && *u != "" {
		return *u + "/incidents/" + ref
	}
	return ""
}

// CadenceFor returns the update interval of a severity; 0 is none.
func (s *Service) CadenceFor(severity string) time.Duration { return s.cadence[severity] }

// Cadences returns the configured intervals.
func (s *Service) Cadences() map[string]time.Duration { return maps.Clone(s.cadence) }

// HasMailer reports whether notices can be sent by email.
func (s *Service) HasMailer() bool { return s.Mailer != nil }

// decide works out a change on the incident as loaded: the records and
// jobs to write, and the events that record it.
type decide func(inc *incident.Incident, now time.Time) (Effects, []incident.Change, error)

// change loads the incident v may see, decides, and commits the effects
// with their events in one transaction (incident.Retry: a concurrent
// change to the incident or to the record makes it decide again on what
// is stored). The store wakes the engine when jobs were written.
func (s *Service) change(ctx context.Context, v incident.Viewer, ref string, fn decide) (Effects, error) {
	var fx Effects
	var next incident.Incident
	var events []incident.Event
	err := incident.Retry(ctx, func(ctx context.Context) (incident.Write, error) {
		inc, err := s.Incidents.Get(ctx, v, ref)
		if err != nil {
			return nil, err
		}
		now := incident.Now(s.Now())
		var changes []incident.Change
		if fx, changes, err = fn(&inc, now); err != nil {
			return nil, err
		}
		events = nil
		if len(changes) > 0 {
			if next, events, err = incident.Record(inc, changes, v.User, now); err != nil {
				return nil, err
			}
			fx.Batch = &incident.Batch{ExpectedVersion: inc.Version, Events: events, Next: next}
		}
		return func(ctx context.Context) error { return s.Store.Commit(ctx, fx) }, nil
	})
	if err != nil {
		return Effects{}, err
	}
	if len(events) > 0 {
		s.Incidents.Recorded(next, events)
	}
	return fx, nil
}

// ---- templates ----

// Templates lists every template in force by name: stored ones over the
// policy file's over the built-in ones.
func (s *Service) Templates(ctx context.Context) ([]Template, error) {
	byName := map[string]Template{}
	for _, t := range Builtin() {
		byName[t.Name] = t
	}
	for _, t := range s.Config.Templates {
		t.Source = SourceConfig
		byName[t.Name] = t
	}
	stored, err := s.Store.Templates(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range stored {
		t.Source = SourceCustom
		byName[t.Name] = t
	}
	out := slices.Collect(maps.Values(byName))
	slices.SortFunc(out, func(a, b Template) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Template returns the template in force named name.
func (s *Service) Template(ctx context.Context, name string) (Template, error) {
	all, err := s.Templates(ctx)
	if err != nil {
		return Template{}, err
	}
	for _, t := range all {
		if t.Name == name {
			return t, nil
		}
	}
	return Template{}, errs.E(errs.NotFound, "name", "no notice template %q", name)
}

// PutTemplate stores an organisation's template after checking it parses
// and runs; a problem names the field and the line.
func (s *Service) PutTemplate(ctx context.Context, actor string, t Template) (Template, error) {
	t.Title, t.Body = normalise(t.Title), normalise(t.Body)
	if err := t.Validate(); err != nil {
		return Template{}, err
	}
	now := s.Now().UTC()
	t.Source, t.UpdatedBy, t.UpdatedAt = SourceCustom, actor, &now
	if err := s.Store.PutTemplate(ctx, t); err != nil {
		return Template{}, err
	}
	return t, nil
}

// DeleteTemplate removes a stored template (a built-in or configured one
// of the same name is in force again).
func (s *Service) DeleteTemplate(ctx context.Context, name string) error {
	return s.Store.DeleteTemplate(ctx, name)
}

// Preview renders a template over an incident without storing anything.
func (s *Service) Preview(ctx context.Context, v incident.Viewer, ref string, t Template, obligationID, phase string) (title, body string, err error) {
	if err := t.Validate(); err != nil {
		return "", "", err
	}
	inc, err := s.Incidents.Get(ctx, v, ref)
	if err != nil {
		return "", "", err
	}
	d, err := s.data(ctx, v, inc, obligationID, phase)
	if err != nil {
		return "", "", err
	}
	return t.Render(d)
}
