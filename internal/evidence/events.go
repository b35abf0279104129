package evidence

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// The events of evidence. They live in the incident's stream only (the
// "evidence." prefix, see incident's records.go). Their payloads are
// hash-chained: a field's name, order, type or omitempty may never change.
const (
	EvAdded       = "evidence.added"
	EvTransferred = "evidence.transferred"
	EvAccessed    = "evidence.accessed"
	EvDisposed    = "evidence.disposed"
)

// AddedData is the payload of EvAdded: the item as acquired.
type AddedData struct {
	Evidence    string            `json:"evidence"`
	Kind        Kind              `json:"kind"`
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	ContentType string            `json:"content_type,omitempty"`
	SHA256      string            `json:"sha256"`
	Hashes      map[string]string `json:"hashes,omitempty"`
	Size        int64             `json:"size"`
	Location    string            `json:"location"`
	Holder      string            `json:"holder"`
	AcquiredBy  string            `json:"acquired_by"`
	AcquiredAt  time.Time         `json:"acquired_at"`
	Source      string            `json:"source,omitempty"`
	Method      string            `json:"method,omitempty"`
}

// TransferredData is the payload of EvTransferred: custody passed from one
// holder to another.
type TransferredData struct {
	Evidence string    `json:"evidence"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	At       time.Time `json:"at"`
	Purpose  string    `json:"purpose"`
	Location string    `json:"location"`
}

// AccessedData is the payload of EvAccessed: someone downloaded a stored
// file (the event's actor, at its time).
type AccessedData struct {
	Evidence string `json:"evidence"`
	SHA256   string `json:"sha256"`
	Size     int64  `json:"size"`
}

// DisposedData is the payload of EvDisposed.
type DisposedData struct {
	Evidence     string    `json:"evidence"`
	At           time.Time `json:"at"`
	Reason       string    `json:"reason"`
	AuthorisedBy string    `json:"authorised_by"`
}

// EvidenceOf names the item an evidence event is about; ok is false for
// other events or data that does not decode.
func EvidenceOf(e incident.Event) (string, bool) {
	switch e.Type {
	case EvAdded, EvTransferred, EvAccessed, EvDisposed:
	default:
		return "", false
	}
	var v struct {
		Evidence string `json:"evidence"`
	}
	if json.Unmarshal(e.Data, &v) != nil || v.Evidence == "" {
		return "", false
	}
	return v.Evidence, true
}

// decodeData reads an event's data for describing it; a failure describes
// empty fields rather than hiding the event (audit reports it).
func decodeData(e incident.Event, v any) { _ = json.Unmarshal(e.Data, v) }

// DescribeEvent says in one line what an evidence event did, for
// timelines (an incident.Describer); ok is false for other events.
func DescribeEvent(e incident.Event) (string, bool) {
	switch e.Type {
	case EvAdded:
		var d AddedData
		decodeData(e, &d)
		what := "external item"
		if d.Kind == KindFile {
			what = "file"
		}
		return fmt.Sprintf("added evidence %s: %s %q (sha256 %s, %d bytes), held by %s at %s", d.Evidence, what, d.Name, short(d.SHA256), d.Size, d.Holder, d.Location), true
	case EvTransferred:
		var d TransferredData
		decodeData(e, &d)
		return fmt.Sprintf("transferred evidence %s from %s to %s (%s), now at %s", d.Evidence, d.From, d.To, d.Purpose, d.Location), true
	case EvAccessed:
		var d AccessedData
		decodeData(e, &d)
		return fmt.Sprintf("downloaded evidence %s (sha256 %s)", d.Evidence, short(d.SHA256)), true
	case EvDisposed:
		var d DisposedData
		decodeData(e, &d)
		return fmt.Sprintf("disposed of evidence %s: %s (authorised by %s)", d.Evidence, d.Reason, d.AuthorisedBy), true
	}
	return "", false
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}

// Apply folds one evidence event into the items by number; the audit
// rebuilds rows this way, and the service checks its own writes against
// it. Events of other types are ignored.
func Apply(items map[string]*Item, e incident.Event) error {
	switch e.Type {
	case EvAdded:
		var d AddedData
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return fmt.Errorf("event %d (%s): %w", e.Seq, e.Type, err)
		}
		n, err := ParseID(d.Evidence)
		if err != nil {
			return fmt.Errorf("event %d (%s): %w", e.Seq, e.Type, err)
		}
		items[d.Evidence] = &Item{IncidentID: e.IncidentID, Number: n, ID: d.Evidence, Kind: d.Kind, Name: d.Name,
			Description: d.Description, ContentType: d.ContentType, SHA256: d.SHA256, Hashes: d.Hashes, Size: d.Size,
			Location: d.Location, Holder: d.Holder, AddedBy: e.Actor, AddedAt: e.RecordedAt, Version: 1,
			Acquisition: Acquisition{By: d.AcquiredBy, At: d.AcquiredAt, Source: d.Source, Method: d.Method}}
	case EvTransferred:
		var d TransferredData
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return fmt.Errorf("event %d (%s): %w", e.Seq, e.Type, err)
		}
		it := items[d.Evidence]
		if it == nil {
			return fmt.Errorf("event %d (%s) names %s, which was never added", e.Seq, e.Type, d.Evidence)
		}
		it.Holder, it.Location = d.To, d.Location
		it.Version++
	case EvDisposed:
		var d DisposedData
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return fmt.Errorf("event %d (%s): %w", e.Seq, e.Type, err)
		}
		it := items[d.Evidence]
		if it == nil {
			return fmt.Errorf("event %d (%s) names %s, which was never added", e.Seq, e.Type, d.Evidence)
		}
		it.Disposal = &Disposal{At: d.At, By: e.Actor, Reason: d.Reason, AuthorisedBy: d.AuthorisedBy}
		it.Version++
	case EvAccessed:
		var d AccessedData
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return fmt.Errorf("event %d (%s): %w", e.Seq, e.Type, err)
		}
		if items[d.Evidence] == nil {
			return fmt.Errorf("event %d (%s) names %s, which was never added", e.Seq, e.Type, d.Evidence)
		}
	}
	return nil
}
