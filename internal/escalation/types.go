package escalation

import (
	"context"
	"time"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// SubjectKind is what an escalation is about.
type SubjectKind string

const (
	SubjectIncident SubjectKind = "incident"
	SubjectQueue    SubjectKind = "queue" // a triage queue entry
)

// Subject is the thing someone must look at.
type Subject struct {
	Kind     SubjectKind `json:"kind"`
	ID       string      `json:"id"`
	Ref      string      `json:"ref,omitempty"` // INC-7 for incidents
	Title    string      `json:"title"`
	Severity string      `json:"severity,omitempty"`
	Service  string      `json:"service,omitempty"`
}

// State is where an escalation stands.
type State string

const (
	Open         State = "open"         // climbing its policy
	Acknowledged State = "acknowledged" // someone has it
	Resolved     State = "resolved"     // no longer needed (the entry was handled, a commander assigned…)
	Exhausted    State = "exhausted"    // every step of every repeat ran and nobody acknowledged
)

// Causes of an escalation; with the subject they make it unique, so a
// trigger that runs twice starts one escalation.
const (
	CauseQueue     = "queue"      // a new queue entry on a service
	CauseCommander = "commander:" // + severity: a significant incident without a commander
	CausePage      = "page:"      // + an ID: someone paged by hand
)

// Escalation is one subject climbing one policy until acknowledged.
type Escalation struct {
	ID      string  `json:"id"`
	Subject Subject `json:"subject"`
	Cause   string  `json:"cause"`
	// Policy is a snapshot taken at the start, so editing the policy does
	// not change an escalation under way.
	Policy  oncall.Policy `json:"policy"`
	State   State         `json:"state"`
	Message string        `json:"message,omitempty"`
	// Next is the step that runs at NextAt; nil once nothing is left.
	Next      *oncall.Position `json:"next,omitempty"`
	NextAt    *time.Time       `json:"next_at,omitempty"`
	StepsRun  int              `json:"steps_run"`
	CreatedBy string           `json:"created_by"`
	CreatedAt time.Time        `json:"created_at"`
	AckedBy   string           `json:"acked_by,omitempty"`
	AckedAt   *time.Time       `json:"acked_at,omitempty"`
	Log       []LogEntry       `json:"log"`
}

// LogEntry is one thing that happened to an escalation.
type LogEntry struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	Actor  string    `json:"actor,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

// DeliveryState is where one message stands.
type DeliveryState string

const (
	DeliveryPending DeliveryState = "pending"
	DeliverySent    DeliveryState = "sent"
	DeliveryFailed  DeliveryState = "failed"  // dead-lettered: every attempt failed, or a permanent error
	DeliverySkipped DeliveryState = "skipped" // acknowledged before it was due
)

// Delivery is one page to one contact method of one user, as the escalation
// views show it: an outbox delivery of kind KindPage with its attempts.
type Delivery struct {
	ID           string          `json:"id"`
	EscalationID string          `json:"escalation_id"`
	User         string          `json:"user"`
	ContactID    string          `json:"contact_id"`
	Channel      notify.Kind     `json:"channel"`
	Target       string          `json:"target"` // redacted
	State        DeliveryState   `json:"state"`
	Attempts     int             `json:"attempts"`
	LastError    string          `json:"last_error,omitempty"`
	Step         oncall.Position `json:"step"`
	CreatedAt    time.Time       `json:"created_at"`
	DueAt        time.Time       `json:"due_at"`
	SentAt       *time.Time      `json:"sent_at,omitempty"`
	// Kind is "page".
	Kind    string    `json:"kind"`
	History []Attempt `json:"history,omitempty"`
}

// Attempt is one try at a delivery.
type Attempt struct {
	N          int       `json:"n"`
	At         time.Time `json:"at"`
	OK         bool      `json:"ok"`
	StatusCode int       `json:"status_code,omitempty"`
	Error      string    `json:"error,omitempty"`
	LatencyMS  float64   `json:"latency_ms"`
}

// Effects are what a change to an escalation writes with it, in its
// transaction.
type Effects struct {
	// Outbox are the step's pages, with their jobs.
	Outbox outbox.Writes
	Jobs   []engine.Job
	// UseToken records a single-use link as used; the change fails with
	// errs.Conflict if it was used before.
	UseToken string
	// DoneJob is the job whose work this is, completed in the same
	// transaction so it never runs again once its work is committed.
	DoneJob string
}

// Store keeps escalations and their deliveries.
type Store interface {
	// StartEscalation stores e with its effects unless an escalation with
	// the same subject and cause exists; then it returns that one and false.
	StartEscalation(ctx context.Context, e Escalation, fx Effects) (Escalation, bool, error)
	Escalation(ctx context.Context, id string) (Escalation, error)
	// Escalations lists a subject's escalations (all when kind is ""), or
	// the open ones, newest first.
	Escalations(ctx context.Context, kind SubjectKind, subjectID string, openOnly bool, limit int) ([]Escalation, error)
	// UpdateEscalation loads e, lets fn change it and name its effects, and
	// stores both in one transaction.
	UpdateEscalation(ctx context.Context, id string, fn func(e *Escalation) (Effects, error)) (Escalation, error)

	// The pages themselves are outbox deliveries.
	OutboxDelivery(ctx context.Context, id string) (outbox.Delivery, error)
	OutboxDeliveries(ctx context.Context, q outbox.Query) ([]outbox.Delivery, error)
	OutboxAttempts(ctx context.Context, id string) ([]outbox.Attempt, error)

	// ServerKey returns the named random key, creating it on first use.
	ServerKey(ctx context.Context, name string, size int) ([]byte, error)
}

// EscalationView is an escalation with its deliveries.
type EscalationView struct {
	Escalation
	Deliveries []Delivery `json:"deliveries"`
}
