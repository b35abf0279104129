package actions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// Reminders reach an item's owner before it is due (Config.RemindBefore)
// and when it becomes overdue. Like task reminders (package tasks) they
// are durable jobs derived from the item's events by the store trigger
// (IncidentJobs), written in the transaction that appends them, and named
// by what they are about — item, moment, due instant, owner — so a later
// event derives the same job again and writes nothing new, while an item
// re-dated or handed to someone else gets jobs of its own and the old
// ones find nothing to do.

// JobRemind is the job kind of one reminder of one item at one moment.
const JobRemind = "actions.remind"

// KindReminder is the outbox kind of one reminder to one contact method.
const KindReminder = "action_reminder"

// Moments of an item's reminders.
const (
	MarkBefore  = "before"
	MarkOverdue = "overdue"
)

// NoContact is the reason a reminder to an owner without a verified
// contact method is recorded skipped.
const NoContact = "no_contact"

type remindArgs struct {
	Number int64     `json:"number"`
	Mark   string    `json:"mark"`
	DueAt  time.Time `json:"due_at"`
	Owner  string    `json:"owner"`
}

func (a remindArgs) jobID() string {
	return fmt.Sprintf("%s:%d:%s:%d:%s", JobRemind, a.Number, a.Mark, a.DueAt.Unix(), a.Owner)
}

// IncidentJobs are the reminder jobs of an incident's new events: for
// each item an event leaves open, its reminders still ahead of the event.
// The incident's own state does not matter: items outlive it.
func (s *Service) IncidentJobs(_ incident.Incident, events []incident.Event) []engine.Job {
	cfg, _ := s.config()
	var jobs []engine.Job
	for _, e := range events {
		if e.Type != EvCreated && e.Type != EvUpdated {
			continue
		}
		var d Data
		if json.Unmarshal(e.Data, &d) != nil || d.State.Closed() {
			continue
		}
		due := d.DueAt.UTC()
		lead := cfg.RemindBefore
		if half := due.Sub(e.RecordedAt) / 2; half < lead {
			lead = half
		}
		add := func(mark string, at time.Time) {
			if !at.After(e.RecordedAt) {
				return // past: it ran, or it is too late to matter
			}
			a := remindArgs{Number: d.Number, Mark: mark, DueAt: due, Owner: d.Owner}
			args, _ := json.Marshal(a)
			jobs = append(jobs, engine.Job{ID: a.jobID(), Kind: JobRemind, RunAt: at, Args: args})
		}
		if lead > 0 {
			add(MarkBefore, due.Add(-lead))
		}
		add(MarkOverdue, due)
	}
	return jobs
}

// Register attaches the reminder job's handler to an engine.
func (s *Service) Register(e interface {
	Handle(kind string, h engine.Handler)
}) {
	e.Handle(JobRemind, s.handleRemind)
}

// due finds the item a reminder is about; why says why it is no longer
// due (done, won't do, re-dated, handed over, gone), "" when it is.
func (s *Service) due(ctx context.Context, a remindArgs) (Action, string, error) {
	it, err := s.d.Store.ActionByNumber(ctx, a.Number)
	switch {
	case errs.CodeOf(err) == errs.NotFound:
		return it, "the action item is gone", nil
	case err != nil:
		return it, "", err
	case it.State.Closed():
		return it, "the action item is " + it.State.Title(), nil
	case !it.DueAt.Equal(a.DueAt):
		return it, "the action item's due date moved", nil
	case it.Owner != a.Owner:
		return it, "the action item has another owner", nil
	}
	return it, "", nil
}

func (s *Service) handleRemind(ctx context.Context, j engine.Job) error {
	var a remindArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	_, why, err := s.due(ctx, a)
	if err != nil {
		return err
	}
	if why != "" {
		s.d.Logger.Debug("action item reminder not sent", "action", IDOf(a.Number), "mark", a.Mark, "why", why)
		return nil
	}
	if s.d.People == nil || s.d.Outbox == nil {
		s.d.Logger.Warn("action item reminder not sent: no way to reach people", "action", IDOf(a.Number), "mark", a.Mark)
		return nil
	}
	cs, err := s.d.People.VerifiedContacts(ctx, a.Owner)
	if err != nil {
		return err
	}
	var ds []outbox.Delivery
	if len(cs) == 0 {
		d := reminderDelivery(a, contacts.Contact{})
		d.State, d.LastError = outbox.Skipped, NoContact+": "+a.Owner+" has no verified contact method"
		ds = append(ds, d)
	}
	for _, c := range cs {
		ds = append(ds, reminderDelivery(a, c))
	}
	return outbox.SendFresh(ctx, s.d.Outbox, s.d.Deliveries, incident.Now(s.d.Now()), ds)
}

type reminderPayload struct {
	remindArgs
	Contact string `json:"contact,omitempty"`
	Channel string `json:"channel,omitempty"`
}

func reminderDelivery(a remindArgs, c contacts.Contact) outbox.Delivery {
	payload, _ := json.Marshal(reminderPayload{remindArgs: a, Contact: c.ID, Channel: string(c.Kind)})
	h := sha256.Sum256(fmt.Appendf(nil, "%d\x00%s\x00%s\x00%s\x00%s", a.Number, a.Mark, a.DueAt.UTC().Format(time.RFC3339Nano), a.Owner, c.ID))
	return outbox.Delivery{ID: "actrem_" + hex.EncodeToString(h[:12]), Kind: KindReminder,
		Subject: outbox.Subject{Kind: "action", ID: IDOf(a.Number)},
		Target:  c.Target, Ref: c.ID, Payload: payload}
}

// reminderKind renders KindReminder deliveries.
type reminderKind struct{ s *Service }

// Prepare is the reminder as the item stands now; one done, re-dated or
// handed over meanwhile is skipped.
func (k reminderKind) Prepare(ctx context.Context, d outbox.Delivery) (outbox.Message, error) {
	var p reminderPayload
	if err := json.Unmarshal(d.Payload, &p); err != nil {
		return outbox.Message{}, outbox.Fail(fmt.Errorf("action item reminder: bad payload: %w", err))
	}
	it, why, err := k.s.due(ctx, p.remindArgs)
	switch {
	case err != nil:
		return outbox.Message{}, err
	case why != "":
		return outbox.Message{}, outbox.Skip(why)
	}
	return outbox.Text(k.s.reminder(it, p.Mark, d.ID)), nil
}

// reminder says which item is due when, where it came from, and where to
// act.
func (s *Service) reminder(a Action, mark, id string) notify.Message {
	now := s.d.Now()
	_, base := s.config()
	left := a.DueAt.Sub(now)
	when := "due in " + duties.Countdown(left)
	if left <= 0 {
		when = "overdue by " + duties.Countdown(-left)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Action item %s from %s: %s\n\nOwner: %s\nDue: %s (%s)\nPriority: %s, kind: %s, state: %s\n",
		a.ID, a.Incident, a.Title, a.Owner, a.Due, when, a.Priority, a.Kind, a.State.Title())
	if !a.Tracker.Empty() {
		fmt.Fprintf(&b, "Tracked at: %s\n", strings.TrimSpace(a.Tracker.Key+" "+a.Tracker.URL))
	}
	b.WriteString("\nMark it done, or won't do with a reason, under Action items.")
	m := notify.Message{ID: id, Kind: "Reminder", Title: fmt.Sprintf("%s: action item %q %s", a.ID, a.Title, when), Body: b.String(), Severity: string(a.Priority), Time: now,
		Fields: map[string]string{"action": a.ID, "incident": a.Incident, "mark": mark, "due": a.Due, "due_at": a.DueAt.UTC().Format(time.RFC3339)}}
	if base != "" {
		m.URL = base + "/actions/" + a.ID
	}
	return m
}
