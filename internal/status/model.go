// Package status is the public status page: components with their states,
// public incidents (and maintenances) with public updates, the page's
// overall indicator as Atlassian Statuspage computes it, the 90-day history
// of each component, and email subscriptions.
//
// Nothing about an internal incident is public unless someone publishes
// it: a public incident has its own title and text, written for
// customers, and a restricted incident may only be published by an
// administrator who confirms it. The model, the rules and the shapes of
// the Statuspage API and the Atom feed are pure; Service ties them to a
// store, the incident service and the mail relay.
package status

import (
	"slices"
	"strings"
	"time"
)

// State is a component's state, in Statuspage's vocabulary.
type State string

const (
	Operational   State = "operational"
	Degraded      State = "degraded_performance"
	PartialOutage State = "partial_outage"
	MajorOutage   State = "major_outage"
	Maintenance   State = "under_maintenance"
)

// States lists the component states from best to worst.
var States = []State{Operational, Maintenance, Degraded, PartialOutage, MajorOutage}

// Valid reports whether s is a known state.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Rank orders states from best (0, operational) to worst (major outage):
// a day's bar shows the worst state it saw.
func (s State) Rank() int { return slices.Index(States, s) }

// Label is the state's name for people.
func (s State) Label() string {
	switch s {
	case Operational:
		return "Operational"
	case Degraded:
		return "Degraded performance"
	case PartialOutage:
		return "Partial outage"
	case MajorOutage:
		return "Major outage"
	case Maintenance:
		return "Under maintenance"
	}
	return string(s)
}

// Worst returns the worse of two states.
func Worst(a, b State) State {
	if b.Rank() > a.Rank() {
		return b
	}
	return a
}

// Kind is what a public incident is: an incident, or a maintenance.
type Kind string

const (
	KindIncident    Kind = "incident"
	KindMaintenance Kind = "maintenance"
)

// Impact is how bad a public incident is for customers, in Statuspage's
// vocabulary; maintenances have the impact "maintenance".
type Impact string

const (
	ImpactNone        Impact = "none"
	ImpactMinor       Impact = "minor"
	ImpactMajor       Impact = "major"
	ImpactCritical    Impact = "critical"
	ImpactMaintenance Impact = "maintenance"
)

// Impacts lists the impacts an incident may have, mildest first.
var Impacts = []Impact{ImpactNone, ImpactMinor, ImpactMajor, ImpactCritical}

// Status is where a public incident stands. Incidents go investigating →
// identified → monitoring → resolved; maintenances scheduled → in progress
// → verifying → completed. Any order is allowed: people correct themselves.
type Status string

const (
	Investigating Status = "investigating"
	Identified    Status = "identified"
	Monitoring    Status = "monitoring"
	Resolved      Status = "resolved"

	Scheduled  Status = "scheduled"
	InProgress Status = "in_progress"
	Verifying  Status = "verifying"
	Completed  Status = "completed"
)

// Statuses lists the statuses of a kind, in their usual order.
func Statuses(k Kind) []Status {
	if k == KindMaintenance {
		return []Status{Scheduled, InProgress, Verifying, Completed}
	}
	return []Status{Investigating, Identified, Monitoring, Resolved}
}

// Label is the status's name for people.
func (s Status) Label() string {
	switch s {
	case InProgress:
		return "In progress"
	case "":
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// Done reports whether the incident or maintenance is over.
func (s Status) Done() bool { return s == Resolved || s == Completed }

// Page is the status page's own settings.
type Page struct {
	ID        string    `json:"id"` // a random identifier, as Statuspage's page IDs
	Name      string    `json:"name"`
	TimeZone  string    `json:"time_zone"` // IANA; days of the history and times shown are in it
	UpdatedAt time.Time `json:"updated_at"`
}

// Component is a part of the service customers know by name.
type Component struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Group       string    `json:"group"` // components with the same group show together; "" for none
	Position    int       `json:"position"`
	State       State     `json:"state"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Change is one change of a component's state; the history is built from
// them.
type Change struct {
	ComponentID string    `json:"component_id"`
	Old         State     `json:"old"`
	New         State     `json:"new"`
	At          time.Time `json:"at"`
}

// ComponentUpdate is a component an update changed (or named).
type ComponentUpdate struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Old  State  `json:"old"`
	New  State  `json:"new"`
}

// Incident is a public incident or maintenance: what customers read.
type Incident struct {
	ID string `json:"id"`
	// IncidentID and IncidentRef link it to an internal incident; empty for
	// a standalone one (a maintenance, say). Never shown publicly.
	IncidentID  string `json:"incident_id,omitempty"`
	IncidentRef string `json:"incident_ref,omitempty"`
	Kind        Kind   `json:"kind"`
	Title       string `json:"title"`
	Impact      Impact `json:"impact"`
	Status      Status `json:"status"`
	// Components are the affected components' IDs.
	Components []string `json:"components"`
	// RestrictedOK records that an administrator confirmed publishing it
	// while its internal incident is restricted. Without it, a public
	// incident whose internal incident is (or becomes) restricted is not
	// shown publicly.
	RestrictedOK   bool       `json:"restricted_ok"`
	ScheduledFor   *time.Time `json:"scheduled_for,omitempty"`
	ScheduledUntil *time.Time `json:"scheduled_until,omitempty"`
	CreatedBy      string     `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	MonitoringAt   *time.Time `json:"monitoring_at,omitempty"`
	ResolvedAt     *time.Time `json:"resolved_at,omitempty"`
	// Hidden is set by the store when the public does not see it (see
	// RestrictedOK); staff views show it with a warning.
	Hidden bool `json:"hidden"`
	// Restricted is set by the store when the internal incident is
	// restricted.
	Restricted bool `json:"restricted"`
	// Updates, newest first.
	Updates []Update `json:"updates"`
}

// Active reports whether the incident is still unresolved, or the
// maintenance not completed.
func (i *Incident) Active() bool { return !i.Status.Done() }

// Update is one public update: a status and text, at a time.
type Update struct {
	ID         string            `json:"id"`
	IncidentID string            `json:"incident_id"` // the public incident's ID
	Status     Status            `json:"status"`
	Body       string            `json:"body"`
	Components []ComponentUpdate `json:"components"`
	Notify     bool              `json:"notify"` // subscribers were emailed
	CreatedBy  string            `json:"created_by"`
	CreatedAt  time.Time         `json:"created_at"`
}

// SubscriberState is pending until the address is confirmed.
type SubscriberState string

const (
	Pending   SubscriberState = "pending"
	Confirmed SubscriberState = "confirmed"
)

// Subscriber is an email address that gets every public update.
type Subscriber struct {
	ID          string          `json:"id"`
	Email       string          `json:"email"`
	State       SubscriberState `json:"state"`
	CreatedAt   time.Time       `json:"created_at"`
	ExpiresAt   *time.Time      `json:"expires_at,omitempty"` // a pending subscription's end
	ConfirmedAt *time.Time      `json:"confirmed_at,omitempty"`
}

// Effects are what a change to a public incident writes, in its
// transaction: the update, the components' new states, and — when Notify
// — a delivery job per confirmed subscriber.
type Effects struct {
	Update  Update
	Changes []Change
	Notify  bool
}
