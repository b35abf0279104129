// Package duties keeps an incident's notification duties: the
// organisation profile, the incident's facts, what was submitted or waived,
// the dated duties the obligation catalog (package comms, pure) works out
// from them, and the reminders that go to the comms lead and commander as
// deadlines approach. Every change is an event on the incident's timeline,
// written in one transaction with the record it describes and with the
// reminder jobs it schedules.
package duties

import (
	"context"
	"time"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// Profile is the organisation profile as it is stored and edited: what
// obligations are matched against (see comms.Organization) and when
// reminders go. Durations are written as Go durations ("48h", "90m").
type Profile struct {
	// Roles such as "controller", "processor".
	Roles []string `json:"roles" yaml:"roles" doc:"Such as controller, processor." required:"false"`
	// EntityTypes such as "essential_entity", "SEC_registrant".
	EntityTypes []string `json:"entity_types" yaml:"entity_types" doc:"Such as essential_entity, SEC_registrant, HIPAA_covered_entity, financial_entity_in_DORA_scope." required:"false"`
	Sectors     []string `json:"sectors" yaml:"sectors" required:"false"`
	// Countries of establishment: "DE", "US", "US-CA".
	Countries []string `json:"countries" yaml:"countries" doc:"Countries of establishment, ISO 3166: DE, US, US-CA." required:"false"`
	// Calendars name the holiday calendar per jurisdiction ("EU": "DE").
	Calendars map[string]string `json:"calendars" yaml:"calendars" doc:"Holiday calendar per jurisdiction, such as {\"EU\": \"DE\", \"US\": \"US\"}." required:"false"`
	// Targets are internal targets for qualitative duties by obligation
	// ID: {"eu-gdpr-art34-data-subjects": "48h"}.
	Targets map[string]string `json:"targets,omitempty" yaml:"targets" doc:"Internal targets for duties without a fixed deadline, by obligation ID: {\"eu-gdpr-art34-data-subjects\": \"48h\"}."`
	// Reminders say when the comms lead and commander are reminded of a
	// deadline; nil is DefaultReminders.
	Reminders *Reminders `json:"reminders,omitempty" yaml:"reminders"`
	// Margin shows each legal deadline this much earlier as a separate,
	// labelled internal due instant ("12h"); the legal one never changes.
	Margin string `json:"margin,omitempty" yaml:"margin" doc:"Show each legal deadline this much earlier as a separate internal_due_at, such as 12h; the legal due_at is unchanged."`
	// AnchorLead is how long before the incident was detected an anchor
	// may be set without confirm_early_anchors; DefaultAnchorLead when
	// empty.
	AnchorLead string `json:"anchor_lead,omitempty" yaml:"anchor_lead" doc:"How long before the incident's detected_at an anchor may lie without confirm_early_anchors (default 720h, 30 days)."`
}

// DefaultAnchorLead: an anchor more than 30 days before the incident was
// detected needs a confirmation (a year typed wrong moves a deadline 12
// months).
const DefaultAnchorLead = 30 * 24 * time.Hour

// Reminders are the moments before a deadline that people are reminded.
type Reminders struct {
	HalfTime bool `json:"half_time" yaml:"half_time" doc:"Halfway between the anchor and the deadline." required:"false"`
	// Before are durations before the deadline: "24h", "4h", "1h".
	Before  []string `json:"before" yaml:"before" doc:"Durations before the deadline, such as 24h, 4h, 1h." required:"false"`
	Overdue bool     `json:"overdue" yaml:"overdue" doc:"When the deadline passes." required:"false"`
}

// DefaultReminders: half-time, 24 h, 4 h and 1 h before, and when overdue.
func DefaultReminders() Reminders {
	return Reminders{HalfTime: true, Before: []string{"24h", "4h", "1h"}, Overdue: true}
}

// ProfileState is the stored profile with who last changed it.
type ProfileState struct {
	Profile   Profile    `json:"profile"`
	UpdatedBy string     `json:"updated_by,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// FactsState is an incident's facts as stored. Version counts the changes
// of the facts (0: never set); Plan counts the reminder plans scheduled
// for the incident, so jobs of an older plan know they are stale.
type FactsState struct {
	Facts     comms.Facts `json:"facts"`
	Version   int64       `json:"version"`
	Plan      int64       `json:"-"`
	UpdatedBy string      `json:"updated_by,omitempty"`
	UpdatedAt *time.Time  `json:"updated_at,omitempty"`
}

// RecordRow is a submission or waiver as stored: the record the catalog
// evaluates with, who made it and, for a submission, the notice that met
// it.
type RecordRow struct {
	comms.Record
	Actor      string    `json:"actor"`
	NoticeID   string    `json:"notice_id,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
}

// Reminder is one reminder to one person through one contact method: a
// view of its outbox delivery (KindReminder).
type Reminder struct {
	ID           string     `json:"id"`
	IncidentID   string     `json:"incident_id"`
	ObligationID string     `json:"obligation_id"`
	Phase        string     `json:"phase"`
	Mark         string     `json:"mark"` // half_time, 24h before, …, overdue
	DueAt        time.Time  `json:"due_at"`
	User         string     `json:"user"`
	ContactID    string     `json:"contact_id,omitempty"`
	Channel      string     `json:"channel,omitempty"`
	State        string     `json:"state"` // pending, sent, failed, skipped, no_contact
	Attempts     int        `json:"attempts"`
	LastError    string     `json:"last_error,omitempty"`
	SentAt       *time.Time `json:"sent_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
}

// Reminder states: the delivery's, and no_contact for a person with no
// verified contact method.
const (
	ReminderPending   = string(outbox.Pending) // not sent yet, or retried
	ReminderSent      = string(outbox.Sent)
	ReminderFailed    = string(outbox.Failed)
	ReminderSkipped   = string(outbox.Skipped) // its duty was met, waived or moved first
	ReminderNoContact = "no_contact"
)

// Write is one change of an incident's duties, committed at once: the
// events on its timeline (optional), new facts (optional), a new record
// (optional), and the reminder plan that replaces the one before.
type Write struct {
	IncidentID string
	// Batch, when it has events, is appended to the incident's stream.
	Batch incident.Batch
	// Facts, when set, replaces the facts if they are still at
	// ExpectedFactsVersion (0: never set).
	Facts                *FactsState
	ExpectedFactsVersion int64
	// Record, when set, is added; a record of the same phase is a conflict.
	Record *RecordRow
	// Plan replaces the reminder plan if it is still at ExpectedPlan; Jobs
	// are its reminder jobs.
	Plan, ExpectedPlan int64
	Jobs               []engine.Job
}

// Store keeps duties. The store package implements it on SQLite and
// PostgreSQL.
type Store interface {
	// Profile returns the organisation profile; errs.NotFound when none
	// was ever saved.
	Profile(ctx context.Context) (ProfileState, error)
	// PutProfile replaces the profile and writes jobs with it.
	PutProfile(ctx context.Context, p Profile, actor string, at time.Time, jobs []engine.Job) (ProfileState, error)
	// Facts returns an incident's facts; version 0 and no facts when none
	// were ever set.
	Facts(ctx context.Context, incidentID string) (FactsState, error)
	// Records lists an incident's submissions and waivers, oldest first.
	Records(ctx context.Context, incidentID string) ([]RecordRow, error)
	// WriteDuties commits w in one transaction. A stale facts version,
	// plan or incident version, or a second record of a phase, is an
	// errs.Conflict and nothing is written.
	WriteDuties(ctx context.Context, w Write) error
	// DutyIncidents lists the IDs of incidents with facts or records.
	DutyIncidents(ctx context.Context) ([]string, error)
	// OutboxDelivery returns one delivery; errs.NotFound when unknown.
	OutboxDelivery(ctx context.Context, id string) (outbox.Delivery, error)
	// OutboxDeliveries lists deliveries, newest first: reminders are
	// deliveries of KindReminder.
	OutboxDeliveries(ctx context.Context, q outbox.Query) ([]outbox.Delivery, error)
}
