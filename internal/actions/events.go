package actions

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Event types, on the incident's stream (incident's records.go keeps them
// there without changing the incident).
const (
	EvCreated = "action.created"
	EvUpdated = "action.updated"
)

// Data is the payload of action.created and action.updated: the item as
// it is after the event, so one event is enough to know it. Changed names
// the fields an update changed. Its JSON is hash-chained: a field's name,
// order, type or omitempty may never change.
type Data struct {
	Action      string    `json:"action"`
	Number      int64     `json:"number"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Owner       string    `json:"owner"`
	Team        string    `json:"team,omitempty"`
	Due         string    `json:"due"`
	DueAt       time.Time `json:"due_at"`
	Priority    Priority  `json:"priority"`
	Kind        Kind      `json:"kind"`
	State       State     `json:"state"`
	Reason      string    `json:"reason,omitempty"`
	Tracker     *Tracker  `json:"tracker,omitempty"`
	Changed     []string  `json:"changed,omitempty"`
}

// dataOf is a's payload.
func dataOf(a Action, changed []string) Data {
	d := Data{Action: a.ID, Number: a.Number, Title: a.Title, Description: a.Description, Owner: a.Owner, Team: a.Team,
		Due: a.Due, DueAt: a.DueAt, Priority: a.Priority, Kind: a.Kind, State: a.State, Reason: a.Reason, Changed: changed}
	if !a.Tracker.Empty() {
		t := a.Tracker
		d.Tracker = &t
	}
	return d
}

// Apply folds one event into items (by number) of the incident ref: the
// one fold the service writes rows with and the audit checks them by.
// Events of other kinds leave items as they are.
func Apply(items map[int64]*Action, ref string, e incident.Event) error {
	if e.Type != EvCreated && e.Type != EvUpdated {
		return nil
	}
	var d Data
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return fmt.Errorf("seq %d %s: %w", e.Seq, e.Type, err)
	}
	if d.Action != IDOf(d.Number) {
		return fmt.Errorf("seq %d %s: action %q does not match number %d", e.Seq, e.Type, d.Action, d.Number)
	}
	cur := items[d.Number]
	switch {
	case e.Type == EvCreated && cur != nil:
		return fmt.Errorf("seq %d: %s created twice", e.Seq, d.Action)
	case e.Type == EvUpdated && cur == nil:
		return fmt.Errorf("seq %d: %s updated before it was created", e.Seq, d.Action)
	}
	a := Action{ID: d.Action, Number: d.Number, IncidentID: e.IncidentID, Incident: ref,
		Title: d.Title, Description: d.Description, Owner: d.Owner, Team: d.Team, Due: d.Due, DueAt: d.DueAt.UTC(),
		Priority: d.Priority, Kind: d.Kind, State: d.State, Reason: d.Reason,
		CreatedBy: e.Actor, CreatedAt: e.RecordedAt, UpdatedBy: e.Actor, UpdatedAt: e.RecordedAt, Version: 1}
	if d.Tracker != nil {
		a.Tracker = *d.Tracker
	}
	if cur != nil {
		a.CreatedBy, a.CreatedAt, a.Version, a.ClosedAt = cur.CreatedBy, cur.CreatedAt, cur.Version+1, cur.ClosedAt
	}
	switch {
	case !a.State.Closed():
		a.ClosedAt = nil
	case cur == nil || !cur.State.Closed() || cur.State != a.State:
		at := e.RecordedAt
		a.ClosedAt = &at
	}
	items[d.Number] = &a
	return nil
}

// ActionOf names the item an event is about; ok is false for other
// events.
func ActionOf(e incident.Event) (string, bool) {
	if e.Type != EvCreated && e.Type != EvUpdated {
		return "", false
	}
	var d Data
	_ = json.Unmarshal(e.Data, &d) // a stored event was encoded here
	return d.Action, true
}

// DescribeEvent says in one line what an event of this package did, for
// timelines (an incident.Describer); ok is false for other events.
func DescribeEvent(e incident.Event) (string, bool) {
	var d Data
	switch e.Type {
	case EvCreated:
		_ = json.Unmarshal(e.Data, &d) // a stored event was encoded here
		return fmt.Sprintf("action item %s %q added for %s, due %s (%s, %s)", d.Action, d.Title, d.Owner, d.Due, d.Priority, d.Kind), true
	case EvUpdated:
		_ = json.Unmarshal(e.Data, &d)
		s := fmt.Sprintf("action item %s %q", d.Action, d.Title)
		var parts []string
		for _, f := range d.Changed {
			switch f {
			case "state":
				p := "now " + d.State.Title()
				if d.State == WontDo && d.Reason != "" {
					p += ": " + d.Reason
				}
				parts = append(parts, p)
			case "owner":
				parts = append(parts, "owner "+d.Owner)
			case "due":
				parts = append(parts, "due "+d.Due)
			case "tracker":
				if d.Tracker != nil {
					parts = append(parts, "tracked at "+orKey(*d.Tracker))
				} else {
					parts = append(parts, "tracker link removed")
				}
			default:
				parts = append(parts, f+" changed")
			}
		}
		if len(parts) == 0 {
			parts = []string{"updated"}
		}
		return s + " " + strings.Join(parts, "; "), true
	}
	return "", false
}

func orKey(t Tracker) string {
	if t.Key != "" {
		return t.Key
	}
	return t.URL
}
