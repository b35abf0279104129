package tasks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/firebreak-ir/firebreak/internal/calendar"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// KindReminder is the outbox kind of one task reminder to one contact
// method of one person.
const KindReminder = "task_reminder"

// NoContact is the reason a reminder to a person without a verified
// contact method is recorded skipped.
const NoContact = "no_contact"

// Incidents loads incidents (incident.Service).
type Incidents interface {
	Get(ctx context.Context, v incident.Viewer, ref string) (incident.Incident, error)
}

// People find a user's verified contact methods (contacts.Service).
type People interface {
	VerifiedContacts(ctx context.Context, user string) ([]contacts.Contact, error)
}

// Outbox sends reminders (outbox.Outbox).
type Outbox interface {
	PlanNow(now time.Time, ds ...outbox.Delivery) outbox.Writes
	Write(ctx context.Context, w outbox.Writes) error
	SendNow(ctx context.Context, ids ...string) []outbox.Result
}

// Deliveries finds a delivery planned already (the store).
type Deliveries interface {
	// OutboxDelivery returns one delivery; errs.NotFound when unknown.
	OutboxDelivery(ctx context.Context, id string) (outbox.Delivery, error)
}

// Deps are the service's collaborators.
type Deps struct {
	Incidents  Incidents
	People     People
	Outbox     Outbox
	Deliveries Deliveries
	// Calendar counts business days for the post-mortem's reminders (the
	// incident policy's); Monday to Friday when nil.
	Calendar calendar.Calendar
	// Invitations build the review meeting's invitations; nil: none are
	// sent (set later with SetInvitations, before serving).
	Invitations Invitations
	Now         func() time.Time
	Logger      *slog.Logger
}

// Service plans and sends task reminders.
type Service struct {
	d Deps

	mu      sync.RWMutex
	cfg     Config
	baseURL string
}

// New builds the service with the default Config.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d, cfg: Config{}.WithDefaults()}
}

// Configure sets when reminders go out; call it before serving.
func (s *Service) Configure(c Config) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg = c.WithDefaults()
}

// SetBaseURL sets the URL links in reminders start with.
func (s *Service) SetBaseURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.baseURL = strings.TrimRight(u, "/")
}

func (s *Service) config() (Config, string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cfg, s.baseURL
}

// IncidentJobs is Config.IncidentJobs with the service's configuration:
// the store trigger.
func (s *Service) IncidentJobs(inc incident.Incident, events []incident.Event) []engine.Job {
	c, _ := s.config()
	return c.IncidentJobs(inc, events)
}

// Register attaches the reminder jobs' handlers to an engine.
func (s *Service) Register(e interface {
	Handle(kind string, h engine.Handler)
}) {
	e.Handle(JobRemind, s.handleRemind)
	e.Handle(JobPostmortem, s.handlePostmortem)
	e.Handle(JobMeetingInvite, s.handleMeeting)
}

// SetInvitations wires the review meeting's invitations (the post-mortem
// service, built after this one). Call it before serving.
func (s *Service) SetInvitations(i Invitations) { s.d.Invitations = i }

// RegisterKinds registers the reminders' outbox kinds.
func (s *Service) RegisterKinds(o interface {
	Handle(kind string, r outbox.Renderer)
}) {
	o.Handle(KindReminder, reminderKind{s})
	o.Handle(KindPostmortemReminder, pmKind{s})
	o.Handle(KindMeetingInvite, meetingKind{s})
}

var system = incident.Viewer{User: "firebreak", SeeAll: true}

func (s *Service) handleRemind(ctx context.Context, j engine.Job) error {
	var a remindArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	inc, _, why, err := s.due(ctx, a)
	if err != nil {
		return err
	}
	if why != "" {
		s.d.Logger.Debug("task reminder not sent", "incident", a.Incident, "task", a.Task, "mark", a.Mark, "why", why)
		return nil
	}
	if s.d.People == nil || s.d.Outbox == nil {
		s.d.Logger.Warn("task reminder not sent: no way to reach people", "incident", inc.Ref, "task", a.Task, "mark", a.Mark)
		return nil
	}
	to := recipients(inc, a)
	if len(to) == 0 {
		s.d.Logger.Warn("task reminder not sent: nobody holds the IR Lead or commander role", "incident", inc.Ref, "task", a.Task, "mark", a.Mark)
		return nil
	}
	var ds []outbox.Delivery
	for _, user := range to {
		cs, err := s.d.People.VerifiedContacts(ctx, user)
		if err != nil {
			return err
		}
		if len(cs) == 0 {
			d := reminderDelivery(a, user, contacts.Contact{})
			d.State, d.LastError = outbox.Skipped, NoContact+": "+user+" has no verified contact method"
			ds = append(ds, d)
		}
		for _, c := range cs {
			ds = append(ds, reminderDelivery(a, user, c))
		}
	}
	return s.deliver(ctx, ds)
}

// deliver writes the deliveries not planned yet and sends them at once.
func (s *Service) deliver(ctx context.Context, ds []outbox.Delivery) error {
	return outbox.SendFresh(ctx, s.d.Outbox, s.d.Deliveries, incident.Now(s.d.Now()), ds)
}

// due finds the task a reminder is about. why says why it is no longer
// due (the incident ended, the task is done, skipped, gone, re-dated or
// reassigned); "" when it is.
func (s *Service) due(ctx context.Context, a remindArgs) (incident.Incident, incident.Task, string, error) {
	inc, err := s.d.Incidents.Get(ctx, system, a.Incident)
	if errs.CodeOf(err) == errs.NotFound {
		return inc, incident.Task{}, "the incident is gone", nil
	}
	if err != nil {
		return inc, incident.Task{}, "", err
	}
	if !inc.State.Open() {
		return inc, incident.Task{}, "the incident is " + string(inc.State), nil
	}
	t, ok := inc.Task(a.Task)
	switch {
	case !ok:
		return inc, incident.Task{}, "the task is gone", nil
	case !t.State.Open():
		return inc, *t, "the task is " + string(t.State), nil
	case t.DueAt == nil || !t.DueAt.Equal(a.DueAt):
		return inc, *t, "the task's due time moved", nil
	case a.Mark != MarkEscalate && t.Assignee != a.Assignee:
		return inc, *t, "the task was reassigned", nil
	case a.Mark == MarkEscalate && !t.Required:
		return inc, *t, "the task is no longer required", nil
	}
	return inc, *t, "", nil
}

// recipients are the assignee (the IR Lead when there is none) before
// and at due, and the IR Lead and the commander when a required task is
// overdue past the grace.
func recipients(inc incident.Incident, a remindArgs) []string {
	if a.Mark != MarkEscalate && a.Assignee != "" {
		return []string{a.Assignee}
	}
	roles := []incident.Role{incident.IRLead}
	if a.Mark == MarkEscalate {
		roles = append(roles, incident.IncidentCommander)
	}
	var out []string
	for _, r := range roles {
		for _, u := range inc.Holders(r) {
			if !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	return out
}

// reminderPayload is a KindReminder delivery's payload: the reminder and
// whom it reaches by what.
type reminderPayload struct {
	remindArgs
	User    string `json:"user"`
	Contact string `json:"contact,omitempty"` // "" when the user has none
	Channel string `json:"channel,omitempty"`
}

// reminderDelivery is the reminder a to user through contact c (none:
// c.ID is "").
func reminderDelivery(a remindArgs, user string, c contacts.Contact) outbox.Delivery {
	payload, _ := json.Marshal(reminderPayload{remindArgs: a, User: user, Contact: c.ID, Channel: string(c.Kind)})
	return outbox.Delivery{ID: reminderID(a, user, c.ID), Kind: KindReminder,
		Subject: outbox.Subject{Kind: "task", ID: a.Task, Incident: a.Incident},
		Target:  c.Target, Ref: c.ID, Payload: payload}
}

// reminderID names one reminder to one contact, the same on every retry.
func reminderID(a remindArgs, user, contact string) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s", a.Incident, a.Task, a.Mark,
		a.DueAt.UTC().Format(time.RFC3339Nano), a.Assignee, user, contact))
	return "trem_" + hex.EncodeToString(h[:12])
}

// reminderKind renders KindReminder deliveries.
type reminderKind struct{ s *Service }

// Prepare is the reminder as the task stands now; one whose task was
// done, skipped, re-dated or reassigned meanwhile is skipped.
func (k reminderKind) Prepare(ctx context.Context, d outbox.Delivery) (outbox.Message, error) {
	var p reminderPayload
	if err := json.Unmarshal(d.Payload, &p); err != nil {
		return outbox.Message{}, outbox.Fail(fmt.Errorf("task reminder: bad payload: %w", err))
	}
	inc, t, why, err := k.s.due(ctx, p.remindArgs)
	switch {
	case err != nil:
		return outbox.Message{}, err
	case why != "":
		return outbox.Message{}, outbox.Skip(why)
	}
	return outbox.Text(k.s.message(inc, t, p.Mark, d.ID)), nil
}

// message says which task is due when, whose it is, and where to act.
func (s *Service) message(inc incident.Incident, t incident.Task, mark, id string) notify.Message {
	now := s.d.Now()
	_, base := s.config()
	left := t.DueAt.Sub(now)
	when := "due in " + duties.Countdown(left)
	if left <= 0 {
		when = "overdue by " + duties.Countdown(-left)
	}
	what := "Task"
	if t.Required {
		what = "Required task"
	}
	title := fmt.Sprintf("%s: %s %q %s", inc.Ref, strings.ToLower(what), t.Title, when)
	who := t.Assignee
	if who == "" {
		who = "unassigned (" + t.OwnerTitle() + ")"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s\n\n", inc.Ref, inc.Title)
	fmt.Fprintf(&b, "%s: %s (%s)\nPhase: %s\nAssigned to: %s\nDue: %s (%s)\n", what, t.Title, strings.ReplaceAll(string(t.State), "_", " "),
		t.Phase.Title(), who, t.DueAt.UTC().Format(time.RFC3339), when)
	if mark == MarkEscalate {
		b.WriteString("\nThis required task is overdue and gates the incident's next phase: see that it is done, or skipped with a reason.")
	} else {
		b.WriteString("\nMark it done, or skip it with a reason, on the incident's tasks.")
	}
	m := notify.Message{ID: id, Kind: "Reminder", Title: title, Body: b.String(), Severity: inc.Severity, Time: now,
		Fields: map[string]string{"incident": inc.Ref, "task": t.Key, "mark": mark, "due_at": t.DueAt.UTC().Format(time.RFC3339)}}
	if base != "" {
		m.URL = base + "/incidents/" + inc.Ref + "/tasks"
	}
	return m
}
