package triage

import (
	"context"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Declare declares an incident from an entry: the form's fields default to
// the alerts' (title from the summary, detected at the first alert), the
// incident's timeline records where it came from, and the group's later
// alerts go to that timeline. The entry is claimed first, in its own
// transaction, so two people declaring at once make one incident.
func (s *Service) Declare(ctx context.Context, actor incident.Viewer, id string, in incident.DeclareInput) (incident.Incident, error) {
	now := incident.Now(s.now())
	var prev Status
	e, err := s.store.UpdateEntry(ctx, actor, id, LogEntry{}, func(cur *Entry) error {
		if err := waiting(cur); err != nil {
			return err
		}
		prev = cur.Status
		cur.Status, cur.UpdatedAt = Declared, now
		return nil
	})
	if err != nil {
		return incident.Incident{}, err
	}
	if strings.TrimSpace(in.Title) == "" {
		in.Title = e.Group.Summary
		if r := []rune(in.Title); len(r) > 190 {
			in.Title = string(r[:189]) + "…"
		}
	}
	if in.DetectedAt == nil {
		first, err := s.firstAlert(ctx, e)
		if err != nil {
			return incident.Incident{}, s.unclaim(ctx, actor, id, prev, err)
		}
		in.DetectedAt = &first
	}
	if in.Source == "" {
		in.Source = incident.SourceAlert
	}
	if in.Labels == nil {
		in.Labels = declarableLabels(e.Group.CommonLabels)
	}
	inc, err := s.incidents.Declare(ctx, actor.User, in)
	if err != nil {
		return incident.Incident{}, s.unclaim(ctx, actor, id, prev, err)
	}
	return s.link(ctx, actor, e, inc, "declared")
}

// unclaim puts an entry back in the queue after a declaration failed, and
// returns the failure.
func (s *Service) unclaim(ctx context.Context, actor incident.Viewer, id string, prev Status, cause error) error {
	_, err := s.store.UpdateEntry(context.WithoutCancel(ctx), actor, id, LogEntry{}, func(cur *Entry) error {
		cur.Status = prev
		return nil
	})
	if err != nil {
		s.log.ErrorContext(ctx, "put a queue entry back after a failed declaration", "entry", id, "err", err)
	}
	return cause
}

// firstAlert is when the group's earliest alert started, as its source
// says; the time Firebreak first saw it when no source said.
func (s *Service) firstAlert(ctx context.Context, e Entry) (time.Time, error) {
	items, err := s.store.Items(ctx, e.Group.ID)
	if err != nil {
		return time.Time{}, err
	}
	first := e.Group.FirstSeen
	for _, it := range items {
		if st := it.Alert.StartsAt; !st.IsZero() && st.Before(first) {
			first = st
		}
	}
	return first, nil
}

// Attach feeds an entry into an existing open incident.
func (s *Service) Attach(ctx context.Context, actor incident.Viewer, id, ref string) (incident.Incident, error) {
	e, err := s.store.Entry(ctx, actor, id)
	if err != nil {
		return incident.Incident{}, err
	}
	if err := waiting(&e); err != nil {
		return incident.Incident{}, err
	}
	inc, err := s.incidents.Get(ctx, actor, ref)
	if err != nil {
		return incident.Incident{}, errs.E(errs.NotFound, "incident", "no incident %s", ref)
	}
	if !inc.State.Open() {
		return incident.Incident{}, errs.E(errs.Rule, "incident", "%s is %s; attach to an open incident", inc.Ref, inc.State)
	}
	return s.link(ctx, actor, e, inc, "attached")
}

func (s *Service) link(ctx context.Context, actor incident.Viewer, e Entry, inc incident.Incident, how string) (incident.Incident, error) {
	status := Declared
	if how == "attached" {
		status = Attached
	}
	now := incident.Now(s.now())
	linked, err := s.store.UpdateEntry(ctx, actor, e.Group.ID, LogEntry{Action: how, Actor: actor.User, At: now, Data: inc.Ref}, func(cur *Entry) error {
		if how == "attached" {
			if err := waiting(cur); err != nil {
				return err
			}
		}
		cur.Status, cur.IncidentRef, cur.Group.IncidentID, cur.UpdatedAt = status, inc.Ref, inc.ID, now
		return nil
	})
	if err != nil {
		return incident.Incident{}, err
	}
	// The queue changed here, whatever befalls the incident's timeline.
	action := "declare"
	if how == "attached" {
		action = "attach"
	}
	s.touched(ctx, action, actor.User, linked)
	n := e.Group.Firing + e.Group.Resolved
	inc, err = s.incidents.LinkSignal(ctx, incident.Command{Actor: actor, Ref: inc.ID}, incident.SignalData{
		GroupID: e.Group.ID, Source: string(e.Source), Integration: e.Integration, Summary: e.Group.Summary,
		Alerts: n, FirstSeen: e.Group.FirstSeen, Labels: e.Group.CommonLabels, How: how})
	if err != nil || how != "declared" || e.AckedBy == "" || len(inc.Holders(incident.IRLead)) > 0 {
		return inc, err
	}
	// Whoever acknowledged the entry (in the queue or from a page) has
	// been assessing it: they lead the incident declared from it unless
	// someone else was named.
	if led, err := s.incidents.Assign(ctx, incident.Command{Actor: actor, Ref: inc.ID}, incident.IRLead, e.AckedBy); err == nil {
		inc = led
	} else {
		s.log.Warn("could not make the acknowledger IR Lead", "incident", inc.Ref, "user", e.AckedBy, "err", err)
	}
	return inc, nil
}
