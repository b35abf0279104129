// Package triage is the queue between signals and incidents: integrations
// deliver alerts, the alert pipeline dedups and groups them, and each new
// group waits here until an IR Lead acknowledges, declares, attaches,
// dismisses or snoozes it. Every action is on the record.
package triage

import (
	"context"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Status is where an entry stands in the queue.
type Status string

const (
	New          Status = "new"
	Acknowledged Status = "acknowledged" // assessment started
	Snoozed      Status = "snoozed"      // out of sight until SnoozedUntil
	Declared     Status = "declared"     // an incident was declared from it
	Attached     Status = "attached"     // attached to an existing incident
	Dismissed    Status = "dismissed"    // false positive or duplicate
)

// Waiting reports whether an entry in s still needs someone's assessment.
func (s Status) Waiting() bool { return s == New || s == Acknowledged || s == Snoozed }

// Entry is one alert group in the queue, with its triage state.
type Entry struct {
	Group        alert.Group       `json:"group"`
	Status       Status            `json:"status"`
	Source       alert.Source      `json:"source"`
	Integration  string            `json:"integration"`
	Severity     string            `json:"severity,omitempty"` // as the source said it
	Rank         int               `json:"rank"`               // 1 most severe … 5 unknown
	Annotations  map[string]string `json:"annotations,omitempty"`
	Links        []alert.Link      `json:"links,omitempty"`
	AckedBy      string            `json:"acked_by,omitempty"`
	AckedAt      *time.Time        `json:"acked_at,omitempty"`
	SnoozedUntil *time.Time        `json:"snoozed_until,omitempty"`
	Reason       string            `json:"reason,omitempty"`
	IncidentRef  string            `json:"incident_ref,omitempty"`
	// TruncatedAlerts is how many alerts the sender left out of the last
	// delivery that fed this entry (Alertmanager's and Grafana's
	// truncatedAlerts, under a receiver's max_alerts): the entry shows
	// that many fewer alerts than the sender's group holds. The latest
	// count, not the largest seen: each delivery carries the whole group,
	// so the last one says what is missing now.
	TruncatedAlerts int       `json:"truncated_alerts" minimum:"0" doc:"How many alerts the sender (Alertmanager or Grafana, under max_alerts) left out of the last delivery that fed this entry; 0 when none."`
	UpdatedAt       time.Time `json:"updated_at"`
}

// LogEntry is one action on an entry.
type LogEntry struct {
	Action string    `json:"action"`
	Actor  string    `json:"actor"`
	At     time.Time `json:"at"`
	Data   string    `json:"data,omitempty"`
}

// Integration is a configured sender of signals.
type Integration struct {
	ID        string       `json:"id"`
	Kind      alert.Source `json:"kind"`
	Name      string       `json:"name"`
	Service   string       `json:"service"`
	Team      string       `json:"team"`
	CreatedBy string       `json:"created_by"`
	CreatedAt time.Time    `json:"created_at"`
	Disabled  bool         `json:"disabled"`
}

// Filter selects queue entries.
type Filter struct {
	// Viewer is who reads: an entry linked to an incident is visible only
	// to those who may see that incident (incident.Viewer.CanSee), so a
	// restricted incident's alerts and reports stay with its participants.
	Viewer incident.Viewer
	// All includes entries no longer waiting (declared, attached,
	// dismissed); otherwise only waiting ones, snoozed ones once due.
	All   bool
	Limit int
	// Cursor continues a listing after the page that returned it.
	Cursor string
	Now    time.Time
}

// Page is one page of the queue; NextCursor, when set, fetches the next.
type Page struct {
	Items      []Entry
	NextCursor string
}

// Store keeps integrations and the queue.
type Store interface {
	CreateIntegration(ctx context.Context, in Integration, tokenHash string) error
	// PutIntegration creates or updates the integration named in.Name,
	// enabling it with this secret (configuration as code).
	PutIntegration(ctx context.Context, in Integration, tokenHash string) error
	Integrations(ctx context.Context) ([]Integration, error)
	IntegrationByToken(ctx context.Context, tokenHash string) (Integration, error)
	DisableIntegration(ctx context.Context, id string) error
	// Ingest runs process against the queue's current state and stores its
	// outcomes in the same transaction; a group seen for the first time
	// becomes the entry newEntry makes. fed, when not nil, then changes
	// every entry the outcomes touch, new or already queued (with its
	// triage state as stored), before it is written: what the delivery
	// says about the entry as a whole. It returns the outcomes once they
	// are committed.
	Ingest(ctx context.Context, process func(alert.State) ([]alert.Outcome, error), newEntry func(alert.Group, alert.Outcome) Entry, fed func(*Entry)) ([]alert.Outcome, error)
	// Queue lists the entries f.Viewer may see (the filter is part of the
	// query, so the limit counts only those).
	Queue(ctx context.Context, f Filter) ([]Entry, error)
	// QueuePage is Queue one page at a time, in the same order.
	QueuePage(ctx context.Context, f Filter) (Page, error)
	// Entry returns an entry v may see; one linked to an incident v may
	// not see is not found, exactly as a missing one.
	Entry(ctx context.Context, v incident.Viewer, id string) (Entry, error)
	Items(ctx context.Context, groupID string) ([]alert.Item, error)
	// FiringGroups returns the IDs of the groups holding a firing alert
	// with this fingerprint that came through the integration, newest
	// first.
	FiringGroups(ctx context.Context, integration, fingerprint string) ([]string, error)
	// UpdateEntry changes an entry v may see with fn and records the
	// action, in one transaction; an empty l.Action records nothing (a
	// claim that the action's own record will follow). An entry v may not
	// see is not found.
	UpdateEntry(ctx context.Context, v incident.Viewer, id string, l LogEntry, fn func(*Entry) error) (Entry, error)
	Log(ctx context.Context, id string) ([]LogEntry, error)
	// CloseGroupsOf closes the open groups linked to an incident, so later
	// alerts open a new queue entry instead of feeding a finished incident.
	CloseGroupsOf(ctx context.Context, incidentID string) error
}

// rankOf orders severities the way sources name them: most severe first.
func rankOf(sev string) int {
	switch sev {
	case "critical", "page", "emergency", "fatal", "sev1", "p1":
		return 1
	case "error", "high", "major", "sev2", "p2":
		return 2
	case "warning", "warn", "medium", "minor", "sev3", "p3":
		return 3
	case "info", "low", "sev4", "p4":
		return 4
	}
	return 5
}
