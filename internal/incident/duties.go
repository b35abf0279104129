package incident

import (
	"fmt"
	"strings"
	"time"
)

// Event types of notification duties: the facts obligations depend on,
// and what was done about each duty. Like notices they live in the stream
// only; the duties package keeps their records and appends these events
// in the same transaction.
const (
	EvFactsUpdated        = "facts.updated"
	EvObligationSubmitted = "obligation.submitted" // a phase of a duty was met
	EvObligationWaived    = "obligation.waived"    // a phase of a duty will not be met, with a reason
)

// dutyEvent reports whether t is one of this file's event types.
func dutyEvent(t string) bool {
	switch t {
	case EvFactsUpdated, EvObligationSubmitted, EvObligationWaived:
		return true
	}
	return false
}

// FactChange is one field of the incident's facts that changed: From and
// To are their JSON values, "" when unset.
type FactChange struct {
	Field string `json:"field"` // "anchors.aware", "personal_data", "affected_by_jurisdiction.EU"…
	From  string `json:"from,omitempty"`
	To    string `json:"to,omitempty"`
}

// FactsUpdatedData is the payload of EvFactsUpdated: the facts' new
// version and what changed.
type FactsUpdatedData struct {
	Version int64        `json:"version"`
	Changes []FactChange `json:"changes"`
}

// ObligationData is the payload of EvObligationSubmitted and
// EvObligationWaived. For a submission the event's OccurredAt is when the
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

// describeDuty describes the events of this file; ok is false for others.
func describeDuty(e Event) (s string, ok bool) {
	switch e.Type {
	case EvFactsUpdated:
		var d FactsUpdatedData
		describeData(e, &d)
		if len(d.Changes) == 0 {
			return "facts saved unchanged", true
		}
		parts := make([]string, 0, len(d.Changes))
		for _, c := range d.Changes {
			parts = append(parts, c.text())
		}
		return "facts: " + strings.Join(parts, "; "), true
	case EvObligationSubmitted:
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
	case EvObligationWaived:
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
