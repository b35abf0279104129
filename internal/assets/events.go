package assets

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Event types. The incident's fold keeps them in the stream only
// (incident's records.go): they change no incident field.
const (
	EvAssetAdded      = "asset.added"
	EvAssetMoved      = "asset.moved"
	EvAssetUpdated    = "asset.updated"
	EvCredentialAdded = "credential.added"
	EvCredentialMoved = "credential.moved"
	EvFixAdded        = "fix.added"
	EvFixUpdated      = "fix.updated"
)

// Payloads. Their JSON is hash-chained with every other event: a field's
// name, order, type or omitempty may never change.

// AssetData is the payload of asset.added and asset.updated: the asset
// as it is after the change. Changed names the fields an update changed.
type AssetData struct {
	Kind           Kind        `json:"kind"`
	Identifier     string      `json:"identifier"`
	Owner          string      `json:"owner,omitempty"`
	Criticality    Criticality `json:"criticality,omitempty"`
	State          State       `json:"state,omitempty"`
	Accepted       bool        `json:"accepted,omitempty"`
	AcceptedReason string      `json:"accepted_reason,omitempty"`
	Note           string      `json:"note,omitempty"`
	Changed        []string    `json:"changed,omitempty"`
}

// AssetMovedData is the payload of asset.moved.
type AssetMovedData struct {
	Kind       Kind   `json:"kind"`
	Identifier string `json:"identifier"`
	From       State  `json:"from"`
	To         State  `json:"to"`
	How        string `json:"how,omitempty"`
	Task       string `json:"task,omitempty"`
}

// CredentialData is the payload of credential.added.
type CredentialData struct {
	ID        string     `json:"id"`
	Kind      CredKind   `json:"kind"`
	Name      string     `json:"name"`
	WhereUsed string     `json:"where_used,omitempty"`
	Owner     string     `json:"owner,omitempty"`
	ExposedIn string     `json:"exposed_in,omitempty"`
	ExposedAt *time.Time `json:"exposed_at,omitempty"`
	State     CredState  `json:"state"`
}

// CredentialMovedData is the payload of credential.moved.
type CredentialMovedData struct {
	ID   string    `json:"id"`
	From CredState `json:"from"`
	To   CredState `json:"to"`
	How  string    `json:"how,omitempty"`
	Task string    `json:"task,omitempty"`
}

// FixData is the payload of fix.added and fix.updated: the fix as it is
// after the change. Changed names the fields an update changed.
type FixData struct {
	ID            string     `json:"id"`
	Vulnerability string     `json:"vulnerability"`
	Assets        []string   `json:"assets,omitempty"`
	Kind          FixKind    `json:"kind"`
	Description   string     `json:"description"`
	AppliedAt     *time.Time `json:"applied_at,omitempty"`
	AppliedBy     string     `json:"applied_by,omitempty"`
	VerifiedAt    *time.Time `json:"verified_at,omitempty"`
	VerifiedHow   string     `json:"verified_how,omitempty"`
	Changed       []string   `json:"changed,omitempty"`
}

// describeData reads an event's data for describing it; a stored event
// was encoded by this package, so a failure describes empty fields
// rather than hiding the event.
func describeData(e incident.Event, v any) { _ = json.Unmarshal(e.Data, v) }

// DescribeEvent says in one line what an event of this package did, for
// timelines (an incident.Describer); ok is false for other events.
func DescribeEvent(e incident.Event) (s string, ok bool) {
	switch e.Type {
	case EvAssetAdded:
		var d AssetData
		describeData(e, &d)
		s = fmt.Sprintf("asset %s %s added as %s", d.Kind, d.Identifier, words(string(d.State)))
		if d.Criticality != "" {
			s += ", criticality " + string(d.Criticality)
		}
		return s, true
	case EvAssetMoved:
		var d AssetMovedData
		describeData(e, &d)
		return fmt.Sprintf("asset %s %s moved from %s to %s%s", d.Kind, d.Identifier, words(string(d.From)), words(string(d.To)), how(d.How, d.Task)), true
	case EvAssetUpdated:
		var d AssetData
		describeData(e, &d)
		s = fmt.Sprintf("asset %s %s updated (%s)", d.Kind, d.Identifier, strings.Join(d.Changed, ", "))
		if d.Accepted {
			s += "; accepted unrestored: " + d.AcceptedReason
		}
		return s, true
	case EvCredentialAdded:
		var d CredentialData
		describeData(e, &d)
		return fmt.Sprintf("credential %s (%s, %s) added as %s", d.ID, words(string(d.Kind)), d.Name, words(string(d.State))), true
	case EvCredentialMoved:
		var d CredentialMovedData
		describeData(e, &d)
		return fmt.Sprintf("credential %s moved from %s to %s%s", d.ID, words(string(d.From)), words(string(d.To)), how(d.How, d.Task)), true
	case EvFixAdded:
		var d FixData
		describeData(e, &d)
		return fmt.Sprintf("fix %s (%s) for %s added", d.ID, d.Kind, d.Vulnerability), true
	case EvFixUpdated:
		var d FixData
		describeData(e, &d)
		return fmt.Sprintf("fix %s for %s updated (%s)", d.ID, d.Vulnerability, strings.Join(d.Changed, ", ")), true
	}
	return "", false
}

func words(s string) string { return strings.ReplaceAll(s, "_", " ") }

func how(h, task string) string {
	out := ""
	if h != "" {
		out = ": " + h
	}
	if task != "" {
		out += " (task " + task + ")"
	}
	return out
}
