// Package indicators keeps the indicators of compromise of an incident:
// typed, validated and normalised values (IP addresses, domains, hashes,
// …) with their TLP 2.0 marking, state, source and confidence, found again
// across incidents ("seen before"). Values pasted from reports are often
// defanged (hxxp://evil[.]example); they are refanged before they are
// checked, so the stored value is the one a tool can match.
package indicators

import (
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Type is what kind of value an indicator is.
type Type string

// The types of indicator.
const (
	IPv4        Type = "ipv4"
	IPv6        Type = "ipv6"
	CIDR        Type = "cidr"
	Domain      Type = "domain"
	URL         Type = "url"
	Email       Type = "email"
	SHA256      Type = "sha256"
	SHA1        Type = "sha1"
	MD5         Type = "md5"
	FileName    Type = "file_name"
	FilePath    Type = "file_path"
	RegistryKey Type = "registry_key"
	UserAgent   Type = "user_agent"
	Account     Type = "account"
	Process     Type = "process"
	Mutex       Type = "mutex"
	CVE         Type = "cve"
)

// Types are all the types, in the order forms list them.
var Types = []Type{IPv4, IPv6, CIDR, Domain, URL, Email, SHA256, SHA1, MD5, FileName, FilePath,
	RegistryKey, UserAgent, Account, Process, Mutex, CVE}

// Valid reports whether t is a known type.
func (t Type) Valid() bool { return slices.Contains(Types, t) }

// TLP is a Traffic Light Protocol 2.0 marking: who the indicator may be
// shared with.
type TLP string

// The TLP 2.0 markings, least restrictive first.
const (
	TLPClear       TLP = "clear"
	TLPGreen       TLP = "green"
	TLPAmber       TLP = "amber"
	TLPAmberStrict TLP = "amber+strict"
	TLPRed         TLP = "red"
)

// TLPs are the markings, least restrictive first.
var TLPs = []TLP{TLPClear, TLPGreen, TLPAmber, TLPAmberStrict, TLPRed}

// DefaultTLP is the marking of an indicator added without one: shared
// within the organisation and its clients only, until someone decides.
const DefaultTLP = TLPAmber

// ParseTLP reads a marking as people write it ("TLP:AMBER+STRICT",
// "amber", "white" — TLP 1.0's name for clear).
func ParseTLP(s string) (TLP, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	v = strings.TrimPrefix(v, "tlp:")
	if v == "white" {
		v = string(TLPClear)
	}
	if !slices.Contains(TLPs, TLP(v)) {
		return "", errs.E(errs.Invalid, "tlp", "%q is not a TLP 2.0 marking; use clear, green, amber, amber+strict or red", s)
	}
	return TLP(v), nil
}

// State is where an indicator stands in the response.
type State string

// The states of an indicator.
const (
	Active        State = "active"         // seen in this incident, not yet acted on
	Blocked       State = "blocked"        // blocked at the edge, EDR, mail gateway…
	FalsePositive State = "false_positive" // turned out benign
	Expired       State = "expired"        // no longer meaningful (a reassigned IP…)
)

// States are all the states.
var States = []State{Active, Blocked, FalsePositive, Expired}

// ParseState checks a state.
func ParseState(s string) (State, error) {
	v := State(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(States, v) {
		return "", errs.E(errs.Invalid, "state", "%q is not a state; use active, blocked, false_positive or expired", s)
	}
	return v, nil
}

// Limits on the free text kept with an indicator.
const (
	MaxSource = 200
	MaxNotes  = 4000
	// MaxBulk is how many indicators one paste may add.
	MaxBulk = 2000
	// MaxPaste is how long a pasted text may be.
	MaxPaste = 1 << 20
)

// Indicator is an indicator of compromise kept with an incident.
type Indicator struct {
	ID         string     `json:"id"`
	IncidentID string     `json:"incident_id"`
	Type       Type       `json:"type"`
	Value      string     `json:"value"` // normalised
	TLP        TLP        `json:"tlp"`
	State      State      `json:"state"`
	Source     string     `json:"source,omitempty"`
	Confidence int        `json:"confidence"` // 0–100
	Notes      string     `json:"notes,omitempty"`
	FirstSeen  *time.Time `json:"first_seen,omitempty"`
	LastSeen   *time.Time `json:"last_seen,omitempty"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// Sighting is an indicator as held by another incident ("seen before").
type Sighting struct {
	IncidentID  string    `json:"incident_id"`
	IncidentRef string    `json:"incident_ref"`
	Title       string    `json:"title"`
	IndicatorID string    `json:"indicator_id"`
	Type        Type      `json:"type"`
	Value       string    `json:"value"`
	State       State     `json:"state"`
	TLP         TLP       `json:"tlp"`
	CreatedAt   time.Time `json:"created_at"`
}
