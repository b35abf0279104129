package status

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Limits on what people write.
const (
	MaxTitle       = 200
	MaxBody        = 10000
	MaxName        = 100
	MaxDescription = 500
	MaxEmail       = 254
)

// problems collects every problem with an input, each by its field.
type problems []errs.Detail

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, errs.Detail{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &errs.Error{Code: errs.Invalid, Field: p[0].Field, Message: p[0].Message, Details: p}
}

func (p *problems) text(field, v string, required bool, limit int) {
	switch {
	case required && strings.TrimSpace(v) == "":
		p.add(field, "%s is required", field)
	case utf8.RuneCountInString(v) > limit:
		p.add(field, "%s is longer than %d characters", field, limit)
	case !utf8.ValidString(v):
		p.add(field, "%s is not valid UTF-8", field)
	}
}

// ComponentInput creates or changes a component; on a change, nil fields
// stay as they are.
type ComponentInput struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	Group       *string `json:"group,omitempty"`
	Position    *int    `json:"position,omitempty"`
	State       *State  `json:"state,omitempty"`
}

// Apply validates in and applies it to c. It returns the state change,
// if any.
func (in ComponentInput) Apply(c *Component, creating bool, now time.Time) (*Change, error) {
	var p problems
	if in.Name != nil || creating {
		name := ""
		if in.Name != nil {
			name = strings.TrimSpace(*in.Name)
		}
		p.text("name", name, true, MaxName)
		c.Name = name
	}
	if in.Description != nil {
		p.text("description", *in.Description, false, MaxDescription)
		c.Description = strings.TrimSpace(*in.Description)
	}
	if in.Group != nil {
		p.text("group", *in.Group, false, MaxName)
		c.Group = strings.TrimSpace(*in.Group)
	}
	if in.Position != nil {
		if *in.Position < 0 || *in.Position > 10000 {
			p.add("position", "position must be between 0 and 10000")
		}
		c.Position = *in.Position
	}
	old := c.State
	if creating && in.State == nil {
		c.State = Operational
	}
	if in.State != nil {
		if !in.State.Valid() {
			p.add("state", "unknown state %q; one of %s", *in.State, joinStates())
		}
		c.State = *in.State
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	c.UpdatedAt = now
	if creating {
		c.CreatedAt = now
		return nil, nil
	}
	if c.State != old {
		return &Change{ComponentID: c.ID, Old: old, New: c.State, At: now}, nil
	}
	return nil, nil
}

func joinStates() string {
	var s []string
	for _, st := range States {
		s = append(s, string(st))
	}
	return strings.Join(s, ", ")
}

// PublishInput puts an incident (or a maintenance) on the status page.
type PublishInput struct {
	// Incident is the internal incident this is the public face of (INC-7);
	// empty for a standalone one.
	Incident string `json:"incident,omitempty"`
	// ConfirmRestricted must be true to publish a restricted incident, and
	// only an administrator may.
	ConfirmRestricted bool   `json:"confirm_restricted,omitempty"`
	Kind              Kind   `json:"kind,omitempty"` // incident (default) or maintenance
	Title             string `json:"title"`          // the public title; never taken from the internal one
	Impact            Impact `json:"impact,omitempty"`
	Status            Status `json:"status,omitempty"`
	Body              string `json:"body"` // the first update's text
	// Components are the affected components' IDs.
	Components []string `json:"components,omitempty"`
	// States sets affected components' states (by ID).
	States         map[string]State `json:"component_states,omitempty"`
	ScheduledFor   *time.Time       `json:"scheduled_for,omitempty"`
	ScheduledUntil *time.Time       `json:"scheduled_until,omitempty"`
	// Notify emails subscribers; true when nil.
	Notify *bool `json:"notify,omitempty"`
}

// UpdateInput posts an update to a public incident.
type UpdateInput struct {
	Status            Status           `json:"status"`
	Body              string           `json:"body"`
	Title             string           `json:"title,omitempty"`  // a new public title; "" keeps it
	Impact            Impact           `json:"impact,omitempty"` // a new impact; "" keeps it
	States            map[string]State `json:"component_states,omitempty"`
	Notify            *bool            `json:"notify,omitempty"`
	ConfirmRestricted bool             `json:"confirm_restricted,omitempty"`
}

// NewIncident decides a new public incident and its first update.
func NewIncident(in PublishInput, comps []Component, id, updateID, actor string, now time.Time) (Incident, Effects, error) {
	var p problems
	kind := in.Kind
	if kind == "" {
		kind = KindIncident
	}
	if kind != KindIncident && kind != KindMaintenance {
		p.add("kind", "unknown kind %q; one of incident, maintenance", kind)
	}
	title := strings.TrimSpace(in.Title)
	p.text("title", title, true, MaxTitle)
	impact, status := in.Impact, in.Status
	if kind == KindMaintenance {
		if impact != "" && impact != ImpactMaintenance {
			p.add("impact", "a maintenance has the impact maintenance")
		}
		impact = ImpactMaintenance
		if status == "" {
			status = Scheduled
		}
		switch {
		case in.ScheduledFor == nil:
			p.add("scheduled_for", "a maintenance needs scheduled_for, when it starts")
		case in.ScheduledUntil == nil:
			p.add("scheduled_until", "a maintenance needs scheduled_until, when it ends")
		case !in.ScheduledUntil.After(*in.ScheduledFor):
			p.add("scheduled_until", "scheduled_until must be after scheduled_for")
		}
	} else {
		if impact == "" {
			p.add("impact", "impact is required: one of none, minor, major, critical")
		} else if !slices.Contains(Impacts, impact) {
			p.add("impact", "unknown impact %q; one of none, minor, major, critical", impact)
		}
		if status == "" {
			status = Investigating
		}
		if in.ScheduledFor != nil || in.ScheduledUntil != nil {
			p.add("scheduled_for", "only a maintenance is scheduled")
		}
	}
	if kind.valid() && !slices.Contains(Statuses(kind), status) {
		p.add("status", "unknown status %q for %s; one of %s", status, kind.noun(), joinStatuses(kind))
	}
	p.text("body", in.Body, true, MaxBody)
	affected := checkComponents(&p, in.Components, comps)
	changes, cus := checkStates(&p, in.States, affected, comps, now)
	if err := p.err(); err != nil {
		return Incident{}, Effects{}, err
	}
	inc := Incident{ID: id, Kind: kind, Title: title, Impact: impact, Status: status, Components: affected,
		CreatedBy: actor, CreatedAt: now, UpdatedAt: now}
	if kind == KindMaintenance {
		f, u := in.ScheduledFor.UTC(), in.ScheduledUntil.UTC()
		inc.ScheduledFor, inc.ScheduledUntil = &f, &u
	}
	stamp(&inc, now)
	up := Update{ID: updateID, IncidentID: id, Status: status, Body: strings.TrimSpace(in.Body), Components: cus,
		Notify: in.Notify == nil || *in.Notify, CreatedBy: actor, CreatedAt: now}
	inc.Updates = []Update{up}
	return inc, Effects{Update: up, Changes: changes, Notify: up.Notify}, nil
}

// ApplyUpdate decides an update to inc.
func ApplyUpdate(inc *Incident, in UpdateInput, comps []Component, updateID, actor string, now time.Time) (Effects, error) {
	var p problems
	if !slices.Contains(Statuses(inc.Kind), in.Status) {
		p.add("status", "unknown status %q for %s; one of %s", in.Status, inc.Kind.noun(), joinStatuses(inc.Kind))
	}
	p.text("body", in.Body, true, MaxBody)
	if in.Title != "" {
		p.text("title", strings.TrimSpace(in.Title), true, MaxTitle)
	}
	if in.Impact != "" {
		if inc.Kind == KindMaintenance && in.Impact != ImpactMaintenance {
			p.add("impact", "a maintenance has the impact maintenance")
		} else if inc.Kind == KindIncident && !slices.Contains(Impacts, in.Impact) {
			p.add("impact", "unknown impact %q; one of none, minor, major, critical", in.Impact)
		}
	}
	changes, cus := checkStates(&p, in.States, inc.Components, comps, now)
	if err := p.err(); err != nil {
		return Effects{}, err
	}
	if in.Title != "" {
		inc.Title = strings.TrimSpace(in.Title)
	}
	if in.Impact != "" {
		inc.Impact = in.Impact
	}
	inc.Status = in.Status
	inc.UpdatedAt = now
	stamp(inc, now)
	up := Update{ID: updateID, IncidentID: inc.ID, Status: in.Status, Body: strings.TrimSpace(in.Body), Components: cus,
		Notify: in.Notify == nil || *in.Notify, CreatedBy: actor, CreatedAt: now}
	inc.Updates = append([]Update{up}, inc.Updates...)
	return Effects{Update: up, Changes: changes, Notify: up.Notify}, nil
}

// stamp keeps monitoring_at and resolved_at in step with the status: set
// when it is first reached, cleared when the incident is reopened.
func stamp(inc *Incident, now time.Time) {
	if inc.Status == Monitoring && inc.MonitoringAt == nil {
		t := now
		inc.MonitoringAt = &t
	}
	if inc.Status.Done() {
		if inc.ResolvedAt == nil {
			t := now
			inc.ResolvedAt = &t
		}
	} else {
		inc.ResolvedAt = nil
	}
}

func (k Kind) noun() string {
	if k == KindMaintenance {
		return "a maintenance"
	}
	return "an incident"
}

func (k Kind) valid() bool { return k == KindIncident || k == KindMaintenance }

func joinStatuses(k Kind) string {
	var s []string
	for _, st := range Statuses(k) {
		s = append(s, string(st))
	}
	return strings.Join(s, ", ")
}

// checkComponents checks the affected components exist and drops repeats.
func checkComponents(p *problems, ids []string, comps []Component) []string {
	out := []string{}
	for i, id := range ids {
		if !slices.ContainsFunc(comps, func(c Component) bool { return c.ID == id }) {
			p.add(fmt.Sprintf("components[%d]", i), "no component %q", id)
			continue
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// checkStates checks new states for affected components and returns the
// changes and what the update says about each affected component.
func checkStates(p *problems, states map[string]State, affected []string, comps []Component, now time.Time) ([]Change, []ComponentUpdate) {
	byID := map[string]Component{}
	for _, c := range comps {
		byID[c.ID] = c
	}
	for _, id := range sortedKeys(states) {
		st := states[id]
		field := "component_states." + id
		switch {
		case !slices.Contains(affected, id):
			if _, ok := byID[id]; ok {
				p.add(field, "%s is not an affected component of this incident", byID[id].Name)
			} else {
				p.add(field, "no component %q", id)
			}
		case !st.Valid():
			p.add(field, "unknown state %q; one of %s", st, joinStates())
		}
	}
	var changes []Change
	cus := []ComponentUpdate{}
	for _, id := range affected {
		c, ok := byID[id]
		if !ok {
			continue // deleted since
		}
		cu := ComponentUpdate{ID: id, Name: c.Name, Old: c.State, New: c.State}
		if st, ok := states[id]; ok && st.Valid() {
			cu.New = st
			if st != c.State {
				changes = append(changes, Change{ComponentID: id, Old: c.State, New: st, At: now})
			}
		}
		cus = append(cus, cu)
	}
	return changes, cus
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Actor is who changes the status page. Reading the console and posting
// need at least a responder, which the edges check; the rules here decide
// what only an administrator may do.
type Actor struct {
	User  string
	Admin bool
}

// CheckRestricted decides whether a may publish, or post to, the public
// face of an internal incident that is restricted: only an administrator,
// and the first time (until an administrator confirmed it) only with the
// explicit confirmation. It returns whether this confirms it now. The
// caller has checked a may see the incident: to anyone else it does not
// exist, and its ref must not be named.
func CheckRestricted(a Actor, ref string, restricted, confirmed, confirm bool) (bool, error) {
	if !restricted {
		return false, nil
	}
	if !a.Admin {
		return false, errs.E(errs.Forbidden, "incident", "%s is restricted: only an administrator may publish it or update its public page", ref)
	}
	if confirmed {
		return false, nil
	}
	if !confirm {
		return false, errs.E(errs.Invalid, "confirm_restricted",
			"%s is restricted: publishing shows its public title and updates to everyone; set confirm_restricted to publish it", ref)
	}
	return true, nil
}

// NormaliseEmail checks an address typed into the subscribe form and
// returns it lower-cased, the form subscriptions are kept in.
func NormaliseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	bad := errs.E(errs.Invalid, "email", "enter an email address such as name@example.com")
	if s == "" || len(s) > MaxEmail {
		return "", bad
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", bad
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", bad
	}
	return strings.ToLower(s), nil
}
