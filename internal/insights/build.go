package insights

import (
	"time"

	"github.com/firebreak-ir/firebreak/internal/calendar"
	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Source is one incident as the store keeps it: its projection, the
// transitions of its stream, and the signals and acknowledgements beside
// it.
type Source struct {
	Incident    incident.Incident
	Transitions []Transition // in stream order
	// Signals are the queue entries linked to the incident.
	Signals []Signal
	// Acks are the acknowledgements of escalations about the incident or
	// its queue entries.
	Acks []time.Time
}

// Transition is one incident.transitioned event.
type Transition struct {
	To incident.State
	At time.Time
}

// Signal is a queue entry linked to an incident.
type Signal struct {
	FirstSeen time.Time
	AckedAt   *time.Time
	Team      string
}

// PageSource is one "paged" step of an escalation.
type PageSource struct {
	User       string
	At         time.Time
	IncidentID string // "" for a queue entry not declared
}

// Build turns a source into the record the figures use, as v sees it.
// duties are the incident's evaluated duties, actions its action items.
//
//   - first signal: the earliest of the detection time given at
//     declaration, the first alert of a linked queue entry, and the
//     declaration;
//   - acknowledged: the earliest of a linked queue entry's
//     acknowledgement, an escalation's acknowledgement, and the
//     declaration (declaring is taking it on);
//   - contained, eradicated, recovered: the first transition into each;
//   - team: the team of the first linked queue entry, else the label
//     "team", else none.
func Build(v incident.Viewer, src Source, duties []comms.Item, actions []Due) Record {
	inc := &src.Incident
	r := Record{ID: inc.ID, Ref: inc.Ref, Title: inc.Title, Severity: inc.Severity, Type: inc.Type,
		Restricted: inc.Restricted, Visible: v.CanSee(inc), Declared: inc.DeclaredAt, Actions: actions}
	r.FirstSignal, r.Acknowledged = inc.DeclaredAt, inc.DeclaredAt
	if !inc.DetectedAt.IsZero() && inc.DetectedAt.Before(r.FirstSignal) {
		r.FirstSignal = inc.DetectedAt
	}
	for i, s := range src.Signals {
		if s.FirstSeen.Before(r.FirstSignal) {
			r.FirstSignal = s.FirstSeen
		}
		if s.AckedAt != nil && s.AckedAt.Before(r.Acknowledged) {
			r.Acknowledged = *s.AckedAt
		}
		if i == 0 {
			r.Team = s.Team
		}
	}
	for _, a := range src.Acks {
		if a.Before(r.Acknowledged) {
			r.Acknowledged = a
		}
	}
	if r.Team == "" {
		r.Team = inc.Labels["team"]
	}
	first := map[incident.State]*time.Time{}
	for _, t := range src.Transitions {
		if first[t.To] == nil {
			at := t.At
			first[t.To] = &at
		}
	}
	r.Contained, r.Eradicated, r.Recovered = first[incident.Contained], first[incident.Eradicated], first[incident.Recovered]
	r.PostmortemDue, r.PostmortemPublished = inc.PostmortemDue, inc.Postmortem.PublishedAt
	for _, d := range duties {
		if d.DueAt == nil || d.Applicability != comms.Applies || (d.Record != nil && d.Record.Kind == comms.RecordWaived) {
			continue
		}
		due := Due{At: *d.DueAt}
		if d.Record != nil && d.Record.Kind == comms.RecordSubmitted {
			at := d.Record.At
			due.Done = &at
		}
		r.Duties = append(r.Duties, due)
	}
	return r
}

// Hours are the organisation's working hours; a page outside them is out
// of hours. People have no working hours of their own yet, so the
// organisation's apply to everyone.
type Hours struct {
	Loc *time.Location
	// Start and End are the working day's bounds after midnight (9h, 18h).
	Start, End time.Duration
	// Days says which days are working days: Monday to Friday when nil,
	// else the holiday calendar's business days.
	Days calendar.Calendar
}

// DefaultHours are 09:00 to 18:00, Monday to Friday, in loc.
func DefaultHours(loc *time.Location) Hours {
	return Hours{Loc: loc, Start: 9 * time.Hour, End: 18 * time.Hour}
}

// Out reports whether t is outside working hours.
func (h Hours) Out(t time.Time) bool {
	loc := h.Loc
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	var days calendar.Calendar = calendar.Weekdays{}
	if h.Days != nil {
		days = h.Days
	}
	if !days.IsBusinessDay(t) {
		return true
	}
	y, m, d := t.Date()
	since := t.Sub(time.Date(y, m, d, 0, 0, 0, 0, loc))
	return since < h.Start || since >= h.End
}
