package actions

import (
	"context"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// Create adds an action item to incident ref (action.created). The owner
// must be a user, the due date today or later in the organisation's time
// zone.
func (s *Service) Create(ctx context.Context, actor incident.Viewer, ref string, in Input) (Action, error) {
	cfg, _ := s.config()
	in.Title, in.Description, in.Owner, in.Team = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description), strings.TrimSpace(in.Owner), strings.TrimSpace(in.Team)
	in.Due = strings.TrimSpace(in.Due)
	if in.Priority == "" {
		in.Priority = P3
	}
	if in.Kind == "" {
		in.Kind = Prevent
	}
	var c checker
	c.line("title", in.Title, MaxTitle, true)
	c.text("description", in.Description, MaxDescription, false)
	c.line("owner", in.Owner, MaxName, true)
	c.line("team", in.Team, MaxName, false)
	due, at := c.due(in.Due, s.d.Now(), cfg.Zone)
	oneOf(&c, "priority", in.Priority, Priorities, true)
	oneOf(&c, "kind", in.Kind, Kinds, true)
	in.Tracker = c.tracker(in.Tracker)
	if err := c.err(); err != nil {
		return Action{}, err
	}
	if err := s.people(ctx, &c, &in.Owner, &in.Team); err != nil {
		return Action{}, err
	}
	if err := c.err(); err != nil {
		return Action{}, err
	}
	return s.change(ctx, actor, ref, func(inc incident.Incident, items []Action, now time.Time) (incident.Change, error) {
		if inc.State == incident.Merged {
			return incident.Change{}, errs.E(errs.Rule, "incident", "%s was merged into %s; add the action item there", inc.Ref, inc.MergedInto)
		}
		if len(items) >= MaxPerIncident {
			return incident.Change{}, errs.E(errs.Invalid, "incident", "%s has %d action items, the most one incident keeps", inc.Ref, MaxPerIncident)
		}
		n, err := s.d.Store.NextActionNumber(ctx)
		if err != nil {
			return incident.Change{}, err
		}
		a := Action{ID: IDOf(n), Number: n, Title: in.Title, Description: in.Description, Owner: in.Owner, Team: in.Team,
			Due: due, DueAt: at, Priority: in.Priority, Kind: in.Kind, State: Open, Tracker: in.Tracker}
		return incident.Change{Type: EvCreated, Data: dataOf(a, nil)}, nil
	})
}

// Update changes item id (action.updated): its fields, or its state. A
// new due date may not be past; a move to won't do needs a reason; a
// state may move only as CanMove allows. p.IfVersion, when set, is the
// version the change was made over: another is a conflict.
func (s *Service) Update(ctx context.Context, actor incident.Viewer, id string, p Patch) (Action, error) {
	cfg, _ := s.config()
	for _, f := range []*string{p.Title, p.Description, p.Owner, p.Team, p.Due, p.Reason} {
		trim(f)
	}
	var c checker
	var due string
	var at time.Time
	if p.Title != nil {
		c.line("title", *p.Title, MaxTitle, true)
	}
	if p.Description != nil {
		c.text("description", *p.Description, MaxDescription, false)
	}
	if p.Owner != nil {
		c.line("owner", *p.Owner, MaxName, true)
	}
	if p.Team != nil {
		c.line("team", *p.Team, MaxName, false)
	}
	if p.Priority != nil {
		oneOf(&c, "priority", *p.Priority, Priorities, true)
	}
	if p.Kind != nil {
		oneOf(&c, "kind", *p.Kind, Kinds, true)
	}
	if p.State != nil {
		oneOf(&c, "state", *p.State, States, true)
	}
	if p.Reason != nil {
		c.text("reason", *p.Reason, MaxReason, false)
	}
	if p.Tracker != nil {
		t := c.tracker(*p.Tracker)
		p.Tracker = &t
	}
	if err := c.err(); err != nil {
		return Action{}, err
	}
	if err := s.people(ctx, &c, p.Owner, p.Team); err != nil {
		return Action{}, err
	}
	if err := c.err(); err != nil {
		return Action{}, err
	}
	n, err := ParseID(id)
	if err != nil {
		return Action{}, err
	}
	row, err := s.d.Store.ActionByNumber(ctx, n)
	if err != nil {
		return Action{}, err
	}
	return s.change(ctx, actor, row.Incident, func(inc incident.Incident, items []Action, now time.Time) (incident.Change, error) {
		var cur *Action
		for i := range items {
			if items[i].Number == n {
				cur = &items[i]
			}
		}
		if cur == nil {
			return incident.Change{}, notFound(n)
		}
		if p.IfVersion != 0 && p.IfVersion != cur.Version {
			return incident.Change{}, errs.E(errs.Precondition, "If-Match", "%s is at version %d, not %d: someone changed it meanwhile", cur.ID, cur.Version, p.IfVersion)
		}
		a := *cur
		var changed []string
		set := func(field string, to *string, v *string) {
			if to != nil && *to != *v {
				*v = *to
				changed = append(changed, field)
			}
		}
		set("title", p.Title, &a.Title)
		set("description", p.Description, &a.Description)
		set("owner", p.Owner, &a.Owner)
		set("team", p.Team, &a.Team)
		if p.Due != nil && *p.Due != a.Due {
			// Only a new date is checked against today: an overdue item
			// keeps its date through other changes.
			var dc checker
			due, at = dc.due(*p.Due, now, cfg.Zone)
			if err := dc.err(); err != nil {
				return incident.Change{}, err
			}
			a.Due, a.DueAt = due, at
			changed = append(changed, "due")
		}
		if p.Priority != nil && *p.Priority != a.Priority {
			a.Priority = *p.Priority
			changed = append(changed, "priority")
		}
		if p.Kind != nil && *p.Kind != a.Kind {
			a.Kind = *p.Kind
			changed = append(changed, "kind")
		}
		if p.Tracker != nil && *p.Tracker != a.Tracker {
			a.Tracker = *p.Tracker
			changed = append(changed, "tracker")
		}
		if err := move(&a, cur.State, p, &changed); err != nil {
			return incident.Change{}, err
		}
		if len(changed) == 0 {
			return incident.Change{Data: *cur}, nil
		}
		return incident.Change{Type: EvUpdated, Data: dataOf(a, changed)}, nil
	})
}

// move applies p's state and reason to a, which was in from.
func move(a *Action, from State, p Patch, changed *[]string) error {
	to := from
	if p.State != nil {
		to = *p.State
	}
	reason := a.Reason
	if p.Reason != nil {
		reason = *p.Reason
	}
	if to != from {
		if !CanMove(from, to) {
			return errs.E(errs.Rule, "state", "%s is %s; it cannot move to %s", a.ID, from.Title(), to.Title())
		}
		a.State = to
		*changed = append(*changed, "state")
		if to != WontDo {
			reason = ""
		}
	}
	if to == WontDo && reason == "" {
		return errs.E(errs.Invalid, "reason", "say why %s won't be done", a.ID)
	}
	if to != WontDo && p.Reason != nil && *p.Reason != "" {
		return errs.E(errs.Invalid, "reason", "a reason goes with won't do only")
	}
	if reason != a.Reason {
		a.Reason = reason
		if to == from {
			*changed = append(*changed, "reason")
		}
	}
	return nil
}

// decide works out one change of an incident's items as loaded, at now:
// the change, or the refusal. A change with no Type changes nothing; its
// Data is then the item as it stands.
type decide func(inc incident.Incident, items []Action, now time.Time) (incident.Change, error)

// change loads incident ref as actor may see it and its items, decides,
// folds the event into the item's row as the audit will, and writes the
// event, the row and the hooks' deliveries in one transaction, deciding
// again on a concurrent change of the incident (or of the numbers).
func (s *Service) change(ctx context.Context, actor incident.Viewer, ref string, fn decide) (Action, error) {
	var next incident.Incident
	var events []incident.Event
	var out Action
	var sends []string
	err := incident.Retry(ctx, func(ctx context.Context) (incident.Write, error) {
		inc, err := s.d.Incidents.Get(ctx, actor, ref)
		if err != nil {
			return nil, err
		}
		items, err := s.d.Store.IncidentActions(ctx, inc.ID)
		if err != nil {
			return nil, err
		}
		now := incident.Now(s.d.Now())
		ch, err := fn(inc, items, now)
		if err != nil {
			return nil, err
		}
		if ch.Type == "" {
			// Nothing changed: the answer is the item as it is.
			out, _ = ch.Data.(Action)
			return nil, nil
		}
		if next, events, err = incident.Record(inc, []incident.Change{ch}, actor.User, now); err != nil {
			return nil, err
		}
		m := map[int64]*Action{}
		for i := range items {
			m[items[i].Number] = &items[i]
		}
		if err := Apply(m, inc.Ref, events[0]); err != nil {
			return nil, err
		}
		d := ch.Data.(Data)
		out = *m[d.Number]
		w := Write{IncidentID: inc.ID, Batch: incident.Batch{ExpectedVersion: inc.Version, Events: events, Next: next}, Items: []Action{out}}
		if ds := s.deliveries(out, events[0]); len(ds) > 0 && s.d.Outbox != nil {
			w.Outbox = s.d.Outbox.PlanNow(now, ds...)
			sends = w.Outbox.IDs(now)
		}
		return func(ctx context.Context) error { return s.d.Store.WriteActions(ctx, w) }, nil
	})
	if err != nil {
		return Action{}, err
	}
	if len(events) == 0 {
		return out, nil
	}
	s.d.Incidents.Recorded(next, events)
	if len(sends) > 0 {
		// Each delivery's job retries what fails here.
		s.d.Outbox.SendNow(ctx, sends...)
	}
	return out, nil
}

// deliveries are the outgoing messages an item's event causes: one to
// each configured webhook, and a GitHub issue for a new item when the
// mapping is on.
func (s *Service) deliveries(a Action, e incident.Event) []outbox.Delivery {
	cfg, _ := s.config()
	return hookDeliveries(cfg, a, e)
}
