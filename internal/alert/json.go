package alert

import (
	"encoding/json"
	"time"
)

// The JSON forms below are what the store keeps (groups and items are
// stored as JSON documents) and what the API shows: snake_case keys,
// durations in whole seconds, an unknown time null.

// DestinationJSON is the JSON form of a Destination.
type DestinationJSON struct {
	Service       string   `json:"service"`
	Team          string   `json:"team,omitempty"`
	GroupBy       []string `json:"group_by"`
	WindowSeconds int64    `json:"window_seconds"`
	Path          string   `json:"path"`
}

// MarshalJSON writes d as a DestinationJSON.
func (d Destination) MarshalJSON() ([]byte, error) {
	groupBy := d.GroupBy
	if groupBy == nil {
		groupBy = []string{}
	}
	return json.Marshal(DestinationJSON{Service: d.Service, Team: d.Team, GroupBy: groupBy,
		WindowSeconds: int64(d.Window / time.Second), Path: d.Path})
}

// UnmarshalJSON reads a DestinationJSON, or the Go-cased form stored before
// it (GroupBy, Window in nanoseconds; Service, Team and Path match their
// snake_case keys, as encoding/json ignores case).
func (d *Destination) UnmarshalJSON(b []byte) error {
	var w struct {
		DestinationJSON
		OldGroupBy []string `json:"GroupBy"`
		OldWindow  *int64   `json:"Window"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*d = Destination{Service: w.Service, Team: w.Team, GroupBy: w.GroupBy, Window: time.Duration(w.WindowSeconds) * time.Second, Path: w.Path}
	if w.OldGroupBy != nil {
		d.GroupBy = w.OldGroupBy
	}
	if w.OldWindow != nil {
		d.Window = time.Duration(*w.OldWindow)
	}
	return nil
}

// plainAlert is an Alert without its MarshalJSON, so encoding it does not
// recurse.
type plainAlert Alert

// alertJSON is an Alert as MarshalJSON writes it.
type alertJSON struct {
	plainAlert
	EndsAt *time.Time `json:"ends_at"`
}

// alertJSONOf is a with an open alert's ends_at as null, not as Go's zero
// time, and its labels as {} when it has none.
func alertJSONOf(a Alert) alertJSON {
	var ends *time.Time
	if !a.EndsAt.IsZero() {
		ends = &a.EndsAt
	}
	if a.Labels == nil {
		a.Labels = map[string]string{}
	}
	return alertJSON{plainAlert(a), ends}
}

// MarshalJSON writes an open alert's ends_at as null, not as Go's zero
// time, and its labels as {} when it has none.
func (a Alert) MarshalJSON() ([]byte, error) {
	return json.Marshal(alertJSONOf(a))
}
