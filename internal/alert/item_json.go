package alert

import (
	"encoding/json"
	"time"
)

// itemJSON is an Item as MarshalItem writes it: the fields of Item in the
// same order and with the same names, its Alert already in the form
// Alert.MarshalJSON writes (alertJSON).
type itemJSON struct {
	ID          string    `json:"id"`
	GroupID     string    `json:"group_id"`
	Path        string    `json:"path"`
	Fingerprint string    `json:"fingerprint"`
	Status      Status    `json:"status"`
	Alert       alertJSON `json:"alert"`
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
	Count       int       `json:"count"`
}

// MarshalItem is json.Marshal(it), byte for byte, for the store, which
// writes every item it keeps: json.Marshal reaches the alert through
// Alert.MarshalJSON and then scans and copies what that returned, a
// fifth of the encoding's cost; here the alert is encoded in the same
// pass.
func MarshalItem(it Item) ([]byte, error) {
	return json.Marshal(itemJSON{ID: it.ID, GroupID: it.GroupID, Path: it.Path, Fingerprint: it.Fingerprint, Status: it.Status,
		Alert: alertJSONOf(it.Alert), FirstSeen: it.FirstSeen, LastSeen: it.LastSeen, Count: it.Count})
}
