package duties

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Payloads of the duty events (incident.EvFactsUpdated,
// incident.EvObligationSubmitted, incident.EvObligationWaived). Their JSON
// is hash-chained with every other event: a field's name, order, type or
// omitempty may never change.

// FactChange is one field of the incident's facts that changed: From and
// To are their JSON values, "" when unset.
type FactChange struct {
	Field string `json:"field"` // "anchors.aware", "personal_data", "affected_by_jurisdiction.EU"…
	From  string `json:"from,omitempty"`
	To    string `json:"to,omitempty"`
}

// FactsUpdatedData is the payload of incident.EvFactsUpdated: the facts' new
// version and what changed.
type FactsUpdatedData struct {
	Version int64        `json:"version"`
	Changes []FactChange `json:"changes"`
	// Source says what other than a person's edit changed them:
	// SourceAssessment; empty for an edit.
	Source string `json:"source,omitempty"`
}

// ObligationData is the payload of incident.EvObligationSubmitted and
// incident.EvObligationWaived. For a submission the event's OccurredAt is when the
// notice was given.
type ObligationData struct {
	ObligationID string    `json:"obligation_id"`
	Phase        string    `json:"phase"`
	At           time.Time `json:"at"`
	Reason       string    `json:"reason,omitempty"` // a waiver's
	Notice       string    `json:"notice,omitempty"` // the notice that met it, when one did
	// Recipient, Channel and Reference say how a submission recorded by
	// hand was made, when no notice holds it.
	Recipient string `json:"recipient,omitempty"`
	Channel   string `json:"channel,omitempty"`
	Reference string `json:"reference,omitempty"`
}

// describeData reads an event's data for describing it. Folding the event
// (incident's apply.go) already decoded it strictly, so a failure here
// cannot happen for a stored event; if it did, the line describes empty
// fields rather than hiding the event.
func describeData(e incident.Event, v any) { _ = json.Unmarshal(e.Data, v) }

// DescribeEvent says in one line what an event of duties did, for
// timelines (an incident.Describer); ok is false for other events.
func DescribeEvent(e incident.Event) (s string, ok bool) {
	switch e.Type {
	case incident.EvFactsUpdated:
		var d FactsUpdatedData
		describeData(e, &d)
		if len(d.Changes) == 0 {
			return "facts saved unchanged", true
		}
		parts := make([]string, 0, len(d.Changes))
		for _, c := range d.Changes {
			parts = append(parts, c.text())
		}
		if d.Source == SourceAssessment {
			return "facts from the assessment: " + strings.Join(parts, "; "), true
		}
		return "facts: " + strings.Join(parts, "; "), true
	case incident.EvObligationSubmitted:
		var d ObligationData
		describeData(e, &d)
		s = fmt.Sprintf("%s recorded as submitted at %s", obligationText(d.ObligationID, d.Phase), d.At.UTC().Format(time.RFC3339))
		if d.Recipient != "" {
			s += " to " + d.Recipient
		}
		if d.Channel != "" {
			s += " by " + strings.ReplaceAll(d.Channel, "_", " ")
		}
		if d.Reference != "" {
			s += ", reference " + d.Reference
		}
		if d.Notice != "" {
			s += " (notice " + d.Notice + ")"
		}
		return s, true
	case incident.EvObligationWaived:
		var d ObligationData
		describeData(e, &d)
		return fmt.Sprintf("%s waived: %s", obligationText(d.ObligationID, d.Phase), d.Reason), true
	}
	return "", false
}

func (c FactChange) text() string {
	name := strings.TrimPrefix(c.Field, "anchors.")
	if j, ok := strings.CutPrefix(c.Field, "affected_by_jurisdiction."); ok {
		name = "affected in " + j
	}
	name = strings.ReplaceAll(name, "_", " ")
	switch {
	case c.To == "":
		return "cleared " + name
	case c.From == "":
		return fmt.Sprintf("set %s to %s", name, c.To)
	default:
		return fmt.Sprintf("changed %s from %s to %s", name, c.From, c.To)
	}
}

func obligationText(id, phase string) string {
	if phase == "" {
		return id
	}
	return id + " " + phase
}
