package indicators

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// The events of indicators, on the incident's hash chain. The incident's
// fold keeps them in the stream only (incident's records.go).
const (
	EvAdded   = "indicator.added"
	EvUpdated = "indicator.updated"
)

// Payloads of the indicator events. Their JSON is hash-chained with every
// other event: a field's name, order, type or omitempty may never change.

// AddedItem is one indicator in an EvAdded event.
type AddedItem struct {
	ID         string `json:"id"`
	Type       Type   `json:"type"`
	Value      string `json:"value"`
	TLP        TLP    `json:"tlp"`
	State      State  `json:"state"`
	Source     string `json:"source,omitempty"`
	Confidence int    `json:"confidence"`
	// Notes and the sightings are carried so the events alone rebuild
	// the row (Apply); added after the first events, hence at the end.
	Notes     string     `json:"notes,omitempty"`
	FirstSeen *time.Time `json:"first_seen,omitempty"`
	LastSeen  *time.Time `json:"last_seen,omitempty"`
}

// AddedData is the payload of EvAdded: every indicator one request added
// (a paste adds many at once, in one event).
type AddedData struct {
	Indicators []AddedItem `json:"indicators"`
}

// FieldChange is one field of an indicator that changed. A change of
// notes carries the new notes in To, so the events alone rebuild the row;
// timelines say only "notes changed".
type FieldChange struct {
	Field string `json:"field"`
	From  string `json:"from,omitempty"`
	To    string `json:"to,omitempty"`
}

// UpdatedData is the payload of EvUpdated.
type UpdatedData struct {
	ID      string        `json:"id"`
	Type    Type          `json:"type"`
	Value   string        `json:"value"`
	Changes []FieldChange `json:"changes"`
}

// DescribeEvent says in one line what an indicator event did, for
// timelines (an incident.Describer); ok is false for other events.
func DescribeEvent(e incident.Event) (string, bool) {
	switch e.Type {
	case EvAdded:
		var d AddedData
		_ = json.Unmarshal(e.Data, &d) // stored events decoded before; empty fields rather than a hidden event
		if len(d.Indicators) == 1 {
			i := d.Indicators[0]
			return fmt.Sprintf("indicator added: %s %s (TLP:%s)", i.Type, i.Value, strings.ToUpper(string(i.TLP))), true
		}
		counts := map[Type]int{}
		for _, i := range d.Indicators {
			counts[i.Type]++
		}
		var parts []string
		for _, t := range Types {
			if n := counts[t]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, t))
			}
		}
		return fmt.Sprintf("%d indicators added: %s", len(d.Indicators), strings.Join(parts, ", ")), true
	case EvUpdated:
		var d UpdatedData
		_ = json.Unmarshal(e.Data, &d)
		parts := make([]string, 0, len(d.Changes))
		for _, c := range d.Changes {
			switch {
			case c.Field == "notes":
				parts = append(parts, "notes changed")
			case c.From == "":
				parts = append(parts, fmt.Sprintf("%s set to %s", c.Field, c.To))
			case c.To == "":
				parts = append(parts, "cleared "+c.Field)
			default:
				parts = append(parts, fmt.Sprintf("%s %s → %s", c.Field, c.From, c.To))
			}
		}
		return fmt.Sprintf("indicator %s %s: %s", d.Type, d.Value, strings.Join(parts, "; ")), true
	}
	return "", false
}
