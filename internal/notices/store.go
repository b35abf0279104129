package notices

import (
	"context"
	"time"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbox"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// Effects are what one change writes, all in one transaction: the
// incident events that record it, the records themselves, and the jobs it
// causes. A record with a version replaces the one before it and fails
// with errs.Conflict when that moved on; the caller then decides again.
type Effects struct {
	// Batch appends events to the incident (nil when the change is not
	// an event, such as editing a draft).
	Batch *incident.Batch
	// Notice is inserted at Version 1, else replaces Version-1.
	Notice *Notice
	// Update is a new stakeholder update.
	Update *StakeholderUpdate
	// Outbox are the messages the change sends (outbox deliveries with
	// their jobs).
	Outbox outbox.Writes
	// Cadence is inserted at Generation 1, else replaces Generation-1.
	Cadence *Cadence
	Jobs    []engine.Job
	// DoneJob is the job whose work this is, completed in the transaction.
	DoneJob string
}

// Store keeps notices, templates, stakeholder updates, subscriptions and
// cadences. The store package implements it on SQLite and PostgreSQL.
type Store interface {
	// Commit writes fx in one transaction.
	Commit(ctx context.Context, fx Effects) error

	Notice(ctx context.Context, id string) (Notice, error)
	// Notices lists an incident's notices, oldest first.
	Notices(ctx context.Context, incidentID string) ([]Notice, error)

	// Templates lists the stored (custom) templates by name.
	Templates(ctx context.Context) ([]Template, error)
	PutTemplate(ctx context.Context, t Template) error
	DeleteTemplate(ctx context.Context, name string) error

	// Updates lists an incident's stakeholder updates, newest first.
	Updates(ctx context.Context, incidentID string, limit int) ([]StakeholderUpdate, error)
	// Cadence returns an incident's cadence; Generation 0 when it has none.
	Cadence(ctx context.Context, incidentID string) (Cadence, error)

	PutSubscription(ctx context.Context, s UpdateSubscription) error
	DeleteSubscription(ctx context.Context, id string) error
	Subscription(ctx context.Context, id string) (UpdateSubscription, error)
	// Subscriptions lists the incident's subscriptions and the global
	// ones; with incidentID "" only the global ones.
	Subscriptions(ctx context.Context, incidentID string) ([]UpdateSubscription, error)

	// UpdateDeliveries lists the deliveries of an incident's updates
	// (the outbox's stakeholder_update deliveries), oldest first.
	UpdateDeliveries(ctx context.Context, incidentID string) ([]UpdateDelivery, error)

	// PutAttachment and Attachment keep files by SHA-256 (shared with
	// report attachments).
	PutAttachment(ctx context.Context, a triage.Attachment, data []byte, at time.Time) error
	Attachment(ctx context.Context, sha string) (triage.Attachment, []byte, error)
}

// Incidents is what notices need of the incident service.
type Incidents interface {
	Get(ctx context.Context, v incident.Viewer, ref string) (incident.Incident, error)
	Timeline(ctx context.Context, v incident.Viewer, ref string) (incident.Incident, []incident.Event, error)
	// Recorded tells live views of events committed here.
	Recorded(inc incident.Incident, events []incident.Event)
}

// Duties is what notices need of the obligation records (facts, profile,
// dated duties, submissions and waivers). It is optional: without it,
// notices still work but meet no duty.
type Duties interface {
	Organization(ctx context.Context) (comms.Organization, error)
	Facts(ctx context.Context, v incident.Viewer, ref string) (comms.Facts, error)
	Items(ctx context.Context, v incident.Viewer, ref string) ([]comms.Item, error)
	// RecordSubmission marks a phase submitted at at by the notice, which
	// anchors the phases that follow it.
	RecordSubmission(ctx context.Context, actor incident.Viewer, ref, obligationID, phase string, at time.Time, noticeID string) error
	Waive(ctx context.Context, actor incident.Viewer, ref, obligationID, phase, reason string) error
}

// Mailer sends a notice by email exactly as written (notify.Email).
type Mailer interface {
	SendDocument(ctx context.Context, to string, d notify.Document) (notify.Sent, error)
	Sender() string
}

// People are how reminders reach a user: their verified contact methods
// (the pager's).
type People interface {
	VerifiedContacts(ctx context.Context, user string) ([]Contact, error)
}

// PeopleFunc is People.
type PeopleFunc func(ctx context.Context, user string) ([]Contact, error)

// VerifiedContacts calls f.
func (f PeopleFunc) VerifiedContacts(ctx context.Context, user string) ([]Contact, error) {
	return f(ctx, user)
}

// Contact is one verified contact method of a user.
type Contact struct {
	ID     string
	Target notify.Target
}
