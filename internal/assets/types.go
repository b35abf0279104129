package assets

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Limits on what a person may write; inputs past them are rejected.
const (
	MaxIdentifier = 300
	MaxName       = 200 // owner, team, where, CVE
	MaxText       = 4000
	MaxRecords    = 500 // assets, credentials or fixes on one incident
	MaxFixAssets  = 50
)

// Kind is what sort of thing an asset is.
type Kind string

// Kinds of assets.
const (
	KindHost           Kind = "host"
	KindService        Kind = "service"
	KindAccount        Kind = "account"
	KindDatabase       Kind = "database"
	KindRepository     Kind = "repository"
	KindCloudResource  Kind = "cloud_resource"
	KindDevice         Kind = "device"
	KindNetworkSegment Kind = "network_segment"
	KindDataset        Kind = "dataset"
	KindApplication    Kind = "application"
)

// Kinds lists every asset kind, for forms.
var Kinds = []Kind{KindHost, KindService, KindAccount, KindDatabase, KindRepository, KindCloudResource,
	KindDevice, KindNetworkSegment, KindDataset, KindApplication}

// Criticality is how much an asset matters to the organisation.
type Criticality string

// Criticalities, least first.
const (
	CriticalityLow      Criticality = "low"
	CriticalityMedium   Criticality = "medium"
	CriticalityHigh     Criticality = "high"
	CriticalityCritical Criticality = "critical"
)

// Criticalities lists them, least first.
var Criticalities = []Criticality{CriticalityLow, CriticalityMedium, CriticalityHigh, CriticalityCritical}

// State is where an asset stands in one incident.
type State string

// States of an asset in an incident, in the order a response moves them;
// NotAffected is the way out of a suspicion.
const (
	Suspected   State = "suspected"
	Confirmed   State = "confirmed"
	Contained   State = "contained" // isolated
	Eradicated  State = "eradicated"
	Restored    State = "restored"
	Verified    State = "verified"
	NotAffected State = "not_affected"
)

// States lists the asset states in order.
var States = []State{Suspected, Confirmed, Contained, Eradicated, Restored, Verified, NotAffected}

// Recovered reports whether s no longer holds up the incident's recovery.
func (s State) Recovered() bool { return s == Restored || s == Verified || s == NotAffected }

// Affected reports whether s is confirmed or later: an asset the
// incident did touch and that is not yet restored.
func (s State) Affected() bool { return s == Confirmed || s == Contained || s == Eradicated }

// Asset is one thing in the inventory: the same kind and identifier are
// the same asset across incidents.
type Asset struct {
	Kind        Kind        `json:"kind"`
	Identifier  string      `json:"identifier"`
	Owner       string      `json:"owner,omitempty"` // a person or team
	Criticality Criticality `json:"criticality,omitempty"`
	UpdatedAt   time.Time   `json:"updated_at"`
}

// Key is how an asset is named in fixes and links: kind:identifier.
func (a Asset) Key() string { return string(a.Kind) + ":" + a.Identifier }

// Move is one change of a record's state: who, when and how.
type Move struct {
	From string    `json:"from,omitempty"`
	To   string    `json:"to"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	How  string    `json:"how,omitempty"`
	Task string    `json:"task,omitempty"` // the response task that did it
}

// IncidentAsset is an asset as one incident knows it.
type IncidentAsset struct {
	Asset
	State State `json:"state"`
	// Accepted says the incident may recover with the asset not
	// restored, and AcceptedReason why (decommissioned, risk accepted).
	Accepted       bool      `json:"accepted,omitempty"`
	AcceptedReason string    `json:"accepted_reason,omitempty"`
	Note           string    `json:"note,omitempty"`
	AddedBy        string    `json:"added_by"`
	AddedAt        time.Time `json:"added_at"`
	Moves          []Move    `json:"moves"`
}

// Blocks reports whether the asset holds up the incident's recovery.
func (a IncidentAsset) Blocks() bool { return a.State.Affected() && !a.Accepted }

// AssetIncident is one incident an inventory asset was in, as a viewer
// sees it.
type AssetIncident struct {
	IncidentRef   string    `json:"incident_ref"`
	IncidentTitle string    `json:"incident_title"`
	IncidentState string    `json:"incident_state"`
	State         State     `json:"state"`
	Accepted      bool      `json:"accepted,omitempty"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// InventoryAsset is an inventory asset with the incidents it was in.
type InventoryAsset struct {
	Asset
	Incidents []AssetIncident `json:"incidents"`
}

// CredKind is what sort of secret a credential is.
type CredKind string

// Kinds of credentials.
const (
	CredPassword       CredKind = "password"
	CredAPIKey         CredKind = "api_key"
	CredSSHKey         CredKind = "ssh_key"
	CredCertificate    CredKind = "certificate"
	CredCloudAccessKey CredKind = "cloud_access_key"
	CredOAuthGrant     CredKind = "oauth_grant"
	CredServiceAccount CredKind = "service_account"
)

// CredKinds lists them.
var CredKinds = []CredKind{CredPassword, CredAPIKey, CredSSHKey, CredCertificate, CredCloudAccessKey, CredOAuthGrant, CredServiceAccount}

// CredState is where a compromised credential stands.
type CredState string

// Credential states, in order.
const (
	CredSuspected      CredState = "suspected"
	CredConfirmed      CredState = "confirmed"
	CredRevoked        CredState = "revoked"
	CredRotated        CredState = "rotated"
	CredVerifiedUnused CredState = "verified_unused"
)

// CredStates lists them in order.
var CredStates = []CredState{CredSuspected, CredConfirmed, CredRevoked, CredRotated, CredVerifiedUnused}

// Credential is a secret the incident exposed, or may have.
type Credential struct {
	ID        string     `json:"id"` // C1, C2… within the incident
	Kind      CredKind   `json:"kind"`
	Name      string     `json:"name"`                 // what it is: "deploy key of ci-runner"
	WhereUsed string     `json:"where_used,omitempty"` // systems that accept it
	Owner     string     `json:"owner,omitempty"`
	ExposedIn string     `json:"exposed_in,omitempty"` // where it leaked: a paste site, a laptop
	ExposedAt *time.Time `json:"exposed_at,omitempty"`
	State     CredState  `json:"state"`
	AddedBy   string     `json:"added_by"`
	AddedAt   time.Time  `json:"added_at"`
	Moves     []Move     `json:"moves"`
}

// Blocks reports whether the credential holds up eradication: confirmed
// and not yet revoked.
func (c Credential) Blocks() bool { return c.State == CredConfirmed }

// FixKind is how a fix closes a vulnerability.
type FixKind string

// Kinds of fixes.
const (
	FixPatch  FixKind = "patch"
	FixConfig FixKind = "config"
	FixRule   FixKind = "rule"
)

// FixKinds lists them.
var FixKinds = []FixKind{FixPatch, FixConfig, FixRule}

// Fix is the remedy of a vulnerability the incident used.
type Fix struct {
	ID            string     `json:"id"`               // F1, F2… within the incident
	Vulnerability string     `json:"vulnerability"`    // a CVE or words
	Assets        []string   `json:"assets,omitempty"` // kind:identifier of the incident's assets
	Kind          FixKind    `json:"kind"`
	Description   string     `json:"description"`
	AppliedAt     *time.Time `json:"applied_at,omitempty"`
	AppliedBy     string     `json:"applied_by,omitempty"`
	VerifiedAt    *time.Time `json:"verified_at,omitempty"`
	VerifiedHow   string     `json:"verified_how,omitempty"`
	AddedBy       string     `json:"added_by"`
	AddedAt       time.Time  `json:"added_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// Records are an incident's assets, credentials and fixes.
type Records struct {
	Assets      []IncidentAsset `json:"assets"`
	Credentials []Credential    `json:"credentials"`
	Fixes       []Fix           `json:"fixes"`
}

// asset finds an incident's asset.
func (r *Records) asset(k Kind, id string) int {
	return slices.IndexFunc(r.Assets, func(a IncidentAsset) bool { return a.Kind == k && a.Identifier == id })
}

// ---- checking ----

// checker gathers the problems of an input, all at once.
type checker struct{ details []errs.Detail }

func (c *checker) add(field, msg string) {
	c.details = append(c.details, errs.Detail{Field: field, Message: msg})
}

// text checks a trimmed text's length, and presence when required.
func (c *checker) text(field, v string, max int, required bool) {
	switch {
	case required && v == "":
		c.add(field, "is required")
	case len(v) > max:
		c.add(field, "at most "+strconv.Itoa(max)+" bytes")
	case !utf8.ValidString(v):
		c.add(field, "is not valid UTF-8")
	case strings.ContainsAny(v, "\x00"):
		c.add(field, "may not contain NUL")
	}
}

// oneOf checks that v is one of the allowed values.
func oneOf[T ~string](c *checker, field string, v T, all []T, required bool) {
	if v == "" && !required {
		return
	}
	if !slices.Contains(all, v) {
		names := make([]string, len(all))
		for i, a := range all {
			names[i] = string(a)
		}
		c.add(field, "must be one of "+strings.Join(names, ", "))
	}
}

func (c *checker) err() error {
	if len(c.details) == 0 {
		return nil
	}
	e := errs.E(errs.Invalid, c.details[0].Field, "%s", c.details[0].Message)
	if len(c.details) > 1 {
		e.Details = c.details
	}
	return e
}
