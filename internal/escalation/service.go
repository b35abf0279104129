package escalation

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/roster"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// Job kinds the service handles.
const (
	JobQueueEntry      = "paging.queue_entry"      // a new queue entry: page its service's policy
	JobIncidentChanged = "paging.incident_changed" // an incident's severity or roles changed
	JobStep            = "paging.step"             // run an escalation step
	JobAcked           = "paging.acked"            // follow up an acknowledgement
	JobQueueResolved   = "paging.queue_resolved"   // every alert of a queue entry resolved: stop its paging
)

// Incidents is what paging needs of the incident service.
type Incidents interface {
	Get(ctx context.Context, v incident.Viewer, ref string) (incident.Incident, error)
	Assign(ctx context.Context, c incident.Command, role incident.Role, user string) (incident.Incident, error)
}

// Queue is what paging needs of the triage queue.
type Queue interface {
	// Entry reads any entry, for paging's own work.
	Entry(ctx context.Context, id string) (triage.Entry, error)
	// EntryFor reads an entry as v may see it: one linked to an incident v
	// may not see is not found.
	EntryFor(ctx context.Context, v incident.Viewer, id string) (triage.Entry, error)
	Acknowledge(ctx context.Context, actor incident.Viewer, id string) (triage.Entry, error)
}

// Roster is what escalations need of the on-call configuration.
type Roster interface {
	Objects(ctx context.Context) (roster.Objects, error)
	UserSet(ctx context.Context) (map[string]bool, error)
}

// Contacts is how escalations reach the people they page.
type Contacts interface {
	// Reach lists how a paged user is contacted, by delay.
	Reach(ctx context.Context, user string) ([]contacts.Reach, error)
	Contact(ctx context.Context, id string) (contacts.Contact, error)
}

// Deps are the Service's collaborators.
type Deps struct {
	Store     Store
	Roster    Roster
	Contacts  Contacts
	Incidents Incidents
	Queue     Queue
	// Outbox sends the pages (per-destination limits, circuit breakers,
	// retries); register KindPage with RegisterKinds.
	Outbox Outbox
	Now    func() time.Time
	NewID  func() string
	Logger *slog.Logger
}

// Service runs escalations: each subject climbing its policy step by
// step, its deliveries to the paged people's contact methods,
// acknowledgements (in Firebreak or by a signed link), and pages by hand.
type Service struct {
	store     Store
	roster    Roster
	contacts  Contacts
	incidents Incidents
	queue     Queue
	outbox    Outbox
	now       func() time.Time
	newID     func() string
	log       *slog.Logger
	baseURL   atomic.Pointer[string]
	keys      atomic.Pointer[[]byte] // the ack-link key, once loaded
}

// New builds the service.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: d.Store, roster: d.Roster, contacts: d.Contacts, incidents: d.Incidents, queue: d.Queue, outbox: d.Outbox,
		now: d.Now, newID: d.NewID, log: d.Logger}
}

// SetBaseURL sets the URL links in messages start with.
func (s *Service) SetBaseURL(u string) {
	u = strings.TrimRight(u, "/")
	s.baseURL.Store(&u)
}

// BaseURL is the URL links start with.
func (s *Service) BaseURL() string {
	if u := s.baseURL.Load(); u != nil {
		return *u
	}
	return ""
}

func jobArgs(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // our own argument structs always marshal
	}
	return b
}

type stepArgs struct {
	Escalation string `json:"escalation"`
	Round      int    `json:"round"`
	Step       int    `json:"step"`
}

type idArgs struct {
	ID string `json:"id"`
}

// start begins an escalation of subject with policy and runs its first
// step in the same transaction; the step's immediate deliveries are sent
// right after the commit. An escalation with the same subject and cause is
// returned instead of a second one. doneJob, when set, is the job that
// caused it, completed in that transaction. o is the on-call
// configuration the caller chose pol from, read once.
func (s *Service) start(ctx context.Context, o roster.Objects, subject Subject, cause string, pol oncall.Policy, actor, message, doneJob string) (Escalation, bool, error) {
	now := s.now().UTC()
	first := oncall.Position{}
	e := Escalation{ID: s.newID(), Subject: subject, Cause: cause, Policy: pol, State: Open, Message: message,
		Next: &first, NextAt: &now, CreatedBy: actor, CreatedAt: now,
		Log: []LogEntry{{At: now, Action: "started", Actor: actor, Detail: startDetail(cause, pol)}}}
	plan, err := s.prepareStep(ctx, o, e, first)
	if err != nil {
		return e, false, err
	}
	fx := plan.apply(&e, now)
	fx.DoneJob = doneJob
	got, created, err := s.store.StartEscalation(ctx, e, fx)
	if err != nil || !created {
		return got, false, err
	}
	if doneJob != "" {
		engine.Completed(ctx)
	}
	if sendInBackground(ctx) {
		go s.sendNow(context.WithoutCancel(ctx), fx.Outbox, now)
	} else {
		s.sendNow(ctx, fx.Outbox, now)
	}
	return got, true, nil
}

type backgroundSendKey struct{}

// sendInBackground reports whether ctx asks start to send an escalation's
// first messages without waiting for them (a person's request must not
// wait on a receiver; the delivery jobs retry what does not go out).
func sendInBackground(ctx context.Context) bool {
	v, _ := ctx.Value(backgroundSendKey{}).(bool)
	return v
}

func startDetail(cause string, pol oncall.Policy) string {
	switch {
	case cause == CauseQueue:
		return "new queue entry; policy " + pol.Name
	case strings.HasPrefix(cause, CauseCommander):
		return strings.TrimPrefix(cause, CauseCommander) + " incident without a commander; policy " + pol.Name
	default:
		return "paged by hand"
	}
}

// Register attaches the service's job handlers to an engine.
func (s *Service) Register(e interface {
	Handle(kind string, h engine.Handler)
}) {
	e.Handle(JobQueueEntry, s.handleQueueEntry)
	e.Handle(JobIncidentChanged, s.handleIncidentChanged)
	e.Handle(JobStep, s.handleStep)
	e.Handle(JobAcked, s.handleAcked)
	e.Handle(JobQueueResolved, s.handleQueueResolved)
}
