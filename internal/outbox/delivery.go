package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/notify"
)

// JobDeliver is the job that sends one delivery; its ID is the delivery's.
const JobDeliver = "outbox.deliver"

// State is where a delivery stands. Sent, Skipped and Failed are final.
type State string

const (
	Pending State = "pending" // not sent yet: due, or waiting for a retry
	Sent    State = "sent"    // the receiver accepted it
	Skipped State = "skipped" // no longer wanted (LastError says why)
	Failed  State = "failed"  // failed for good; its job is dead
)

// Final reports whether s is a settled state.
func (s State) Final() bool { return s == Sent || s == Skipped || s == Failed }

// Subject is what a delivery is about: an escalation, a public update, a
// notice. Incident is set when it is about an incident, so views can keep
// restricted incidents out.
type Subject struct {
	Kind     string `json:"kind"`
	ID       string `json:"id"`
	Incident string `json:"incident,omitempty"`
}

// Delivery is one message to one target.
type Delivery struct {
	ID   string `json:"id"`
	Kind string `json:"kind"` // a registered kind: "status_email", "duty_reminder", …
	// Subject is what it is about.
	Subject Subject `json:"subject"`
	// Target is where it goes, with the secrets to get there; never shown
	// (see To).
	Target notify.Target `json:"-"`
	// Ref names the addressee's record (a contact, a subscriber).
	Ref string `json:"ref,omitempty"`
	// Payload is what the kind's renderer reads; not shown.
	Payload json.RawMessage `json:"-"`

	State     State      `json:"state"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	DueAt     time.Time  `json:"due_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	// What the relay said of the last successful send of a document.
	MessageID     string `json:"message_id,omitempty"`
	Reply         string `json:"reply,omitempty"`
	MessageSHA256 string `json:"message_sha256,omitempty"`
	MessageSize   int    `json:"message_size,omitempty"`
}

// To is the target as it may be shown: an address, or scheme://host/… of
// a URL (whose path is its token).
func (d Delivery) To() string {
	switch {
	case d.Target.Kind == notify.KindEmail:
		return d.Target.Address
	case d.Target.Kind == notify.KindSlack && d.Target.Address == "":
		return "slack:" + d.Target.Channel
	case d.Target.Address == "":
		return ""
	}
	return notify.RedactURL(d.Target.Address)
}

// Attempt is one try to send a delivery.
type Attempt struct {
	Delivery   string    `json:"delivery"`
	N          int       `json:"n"`
	At         time.Time `json:"at"`
	OK         bool      `json:"ok"`
	StatusCode int       `json:"status_code,omitempty"`
	LatencyMS  float64   `json:"latency_ms"`
	Error      string    `json:"error,omitempty"`
	MessageID  string    `json:"message_id,omitempty"`
	Reply      string    `json:"reply,omitempty"`
}

// Writes are deliveries with their jobs, for the caller's transaction.
type Writes struct {
	Deliveries []Delivery
	// Jobs are the deliveries' jobs, keyed by ID like their delivery. A
	// delivery that already exists keeps its row and its job.
	Jobs []engine.Job
}

// Empty reports whether there is nothing to write.
func (w Writes) Empty() bool { return len(w.Deliveries) == 0 }

// Add appends o's writes to w.
func (w *Writes) Add(o Writes) {
	w.Deliveries = append(w.Deliveries, o.Deliveries...)
	w.Jobs = append(w.Jobs, o.Jobs...)
}

// IDs lists the pending deliveries due at now, for SendNow after the commit.
func (w Writes) IDs(now time.Time) []string {
	var ids []string
	for _, d := range w.Deliveries {
		if d.State == Pending && !d.DueAt.After(now) {
			ids = append(ids, d.ID)
		}
	}
	return ids
}

// jobArgs are JobDeliver's arguments; Kind is there so the dead-letter
// list shows what kind of delivery died.
type jobArgs struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
}

// Plan returns ds as Writes: a delivery without a state is pending, with
// CreatedAt and DueAt now when unset, and each pending one gets its job,
// due at its DueAt. A delivery planned already final (skipped because it
// could not be addressed) is a record and gets no job.
func Plan(now time.Time, ds ...Delivery) Writes { return plan(now, "", 0, ds) }

func plan(now time.Time, holder string, grace time.Duration, ds []Delivery) Writes {
	var w Writes
	for _, d := range ds {
		if d.State == "" {
			d.State = Pending
		}
		if d.CreatedAt.IsZero() {
			d.CreatedAt = now
		}
		if d.DueAt.IsZero() {
			d.DueAt = d.CreatedAt
		}
		w.Deliveries = append(w.Deliveries, d)
		if d.State != Pending {
			continue
		}
		args, _ := json.Marshal(jobArgs{ID: d.ID, Kind: d.Kind})
		j := engine.Job{ID: d.ID, Kind: JobDeliver, RunAt: d.DueAt, Args: args}
		if holder != "" && !d.DueAt.After(now) {
			// Sent right after the commit; the job is the safety net, held
			// by this process for the grace.
			j.RunAt, j.Holder = now.Add(grace), holder
		}
		w.Jobs = append(w.Jobs, j)
	}
	return w
}

// Message is what a renderer prepares: Text, sent by the notifier to the
// delivery's Target in the channel's own layout, or Document, sent as
// written by the mailer to the Target's email address.
type Message struct {
	Text     notify.Message
	Document *notify.Document
}

// Text is a channel message.
func Text(m notify.Message) Message { return Message{Text: m} }

// Doc is an email document (HTML, attachments).
func Doc(d notify.Document) Message { return Message{Document: &d} }

// Renderer prepares the messages of one kind.
type Renderer interface {
	// Prepare renders d as it should go out now. Skip(reason) settles it
	// skipped, Fail(err) failed; other errors are retried.
	Prepare(ctx context.Context, d Delivery) (Message, error)
}

// RendererFunc is a Renderer.
type RendererFunc func(ctx context.Context, d Delivery) (Message, error)

// Prepare calls f.
func (f RendererFunc) Prepare(ctx context.Context, d Delivery) (Message, error) { return f(ctx, d) }

// Settler is a Renderer told when a delivery settled (sent, skipped or
// failed). Settled is called after the final state is recorded, and again
// on the next run of the delivery's job until it returns nil: it must be
// idempotent.
type Settler interface {
	Settled(ctx context.Context, d Delivery) error
}

// Sender is a Renderer that sends its kind's messages itself, through the
// limiter like every other: a kind whose destination's secret lives in
// the configuration rather than in the delivery row (so it is never
// stored), or whose reply matters (a tracker answers the issue it
// opened: Sent.MessageID and Sent.Reply are kept on the delivery for the
// Settled hook). Errors follow notify's: notify.Retryable ones are retried.
type Sender interface {
	Send(ctx context.Context, d Delivery, m Message) (notify.Sent, error)
}

type skipError struct{ reason string }

func (s *skipError) Error() string { return "skipped: " + s.reason }

// Skip is the Prepare error that settles a delivery skipped, with reason
// as its last error: what it was for no longer needs it.
func Skip(reason string) error { return &skipError{reason} }

type failError struct{ err error }

func (f *failError) Error() string { return f.err.Error() }
func (f *failError) Unwrap() error { return f.err }

// Fail is the Prepare error that settles a delivery failed at once: the
// message can never be made (no relay configured, a broken template).
func Fail(err error) error {
	if err == nil {
		err = errors.New("cannot be sent")
	}
	return &failError{err}
}

// Query selects deliveries to list, newest first.
type Query struct {
	Kind        string
	State       State
	SubjectKind string
	SubjectID   string
	Incident    string
	// Before is a cursor: the ID of the last delivery of the previous page.
	Before string
	Limit  int // default 50, at most 500
}

// Store keeps deliveries; the store package implements it on SQLite and
// PostgreSQL (with the engine's job store, whose methods it shares).
type Store interface {
	// OutboxDelivery returns one delivery; errs.NotFound when unknown.
	OutboxDelivery(ctx context.Context, id string) (Delivery, error)
	// WriteOutbox writes w in a transaction of its own.
	WriteOutbox(ctx context.Context, w Writes) error
	// RecordOutbox stores d's state (and a, when not nil) in one
	// transaction. With finish, a final state also completes d's job
	// (sent, skipped) or buries it with the error (failed).
	RecordOutbox(ctx context.Context, d Delivery, a *Attempt, finish bool) error
	// OutboxDeliveries lists deliveries, newest first.
	OutboxDeliveries(ctx context.Context, q Query) ([]Delivery, error)
	// OutboxAttempts lists a delivery's attempts, oldest first.
	OutboxAttempts(ctx context.Context, id string) ([]Attempt, error)

	// The engine's job store: a held job is completed, buried or snoozed
	// by the send that holds it.
	Complete(ctx context.Context, id string) error
	Bury(ctx context.Context, id string, now time.Time, errText string) error
	Snooze(ctx context.Context, id string, runAt time.Time) error
}
