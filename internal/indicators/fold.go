package indicators

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Apply folds one indicator event into an incident's indicators by ID:
// the one place that says what the rows are after the events. The service
// writes the rows it gives and `audit verify` rebuilds every row with it.
// Events of other types are ignored; an event naming an indicator never
// added, or adding one twice, does not apply.
func Apply(list map[string]*Indicator, e incident.Event) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("event %d (%s): %s", e.Seq, e.Type, fmt.Sprintf(format, args...))
	}
	switch e.Type {
	case EvAdded:
		var d AddedData
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return fail("%v", err)
		}
		for _, it := range d.Indicators {
			if list[it.ID] != nil {
				return fail("adds indicator %s, which was already added", it.ID)
			}
			list[it.ID] = &Indicator{ID: it.ID, IncidentID: e.IncidentID, Type: it.Type, Value: it.Value, TLP: it.TLP, State: it.State,
				Source: it.Source, Confidence: it.Confidence, Notes: it.Notes, FirstSeen: it.FirstSeen, LastSeen: it.LastSeen,
				CreatedBy: e.Actor, CreatedAt: e.RecordedAt, UpdatedAt: e.RecordedAt}
		}
	case EvUpdated:
		var d UpdatedData
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return fail("%v", err)
		}
		i := list[d.ID]
		if i == nil {
			return fail("names indicator %s, which was never added", d.ID)
		}
		for _, c := range d.Changes {
			if err := i.set(c); err != nil {
				return fail("%v", err)
			}
		}
		i.UpdatedAt = e.RecordedAt
	}
	return nil
}

// set applies one field's change, as diff wrote it.
func (i *Indicator) set(c FieldChange) error {
	var err error
	switch c.Field {
	case "tlp":
		i.TLP = TLP(c.To)
	case "state":
		i.State = State(c.To)
	case "source":
		i.Source = c.To
	case "notes":
		i.Notes = c.To
	case "confidence":
		i.Confidence, err = strconv.Atoi(c.To)
	case "first_seen":
		i.FirstSeen, err = stampOf(c.To)
	case "last_seen":
		i.LastSeen, err = stampOf(c.To)
	default:
		return fmt.Errorf("unknown field %q", c.Field)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", c.Field, err)
	}
	return nil
}

// stampOf reads a time as diff writes it; empty is none.
func stampOf(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, err
	}
	return &t, nil
}
