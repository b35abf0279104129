package notices

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// Stakeholder updates: while an incident is open, its severity's cadence
// says how often people inside the organisation hear from the response.
// When an update is due, the comms lead (else the commander, else the IR
// lead) is reminded through their verified contacts; posting one records
// it on the timeline, sends it to the subscribed channels, and schedules
// the next reminder from it. Every reminder and send is a durable job.

// Job kinds of stakeholder updates.
const (
	JobUpdatesChanged = "updates.incident_changed" // severity or state changed: work out the cadence again
	JobRemind         = "updates.remind"           // an update is due
)

// The sends of an update to its channels and the reminders to people are
// outbox deliveries (kinds stakeholder_update and update_reminder).

// StakeholderUpdate is one stakeholder update.
type StakeholderUpdate struct {
	ID         string    `json:"id"`
	IncidentID string    `json:"incident_id"`
	Text       string    `json:"text"`
	PostedBy   string    `json:"posted_by"`
	PostedAt   time.Time `json:"posted_at"`
	Channels   []string  `json:"channels"` // subscriptions it went to, by name
}

// UpdateSubscription sends an incident's updates (or, when global, every
// unrestricted incident's) to an internal channel: an email list, a Slack
// or Teams incoming webhook, or a signed webhook.
type UpdateSubscription struct {
	ID         string `json:"id"`
	IncidentID string `json:"incident_id,omitempty"` // "" for every incident
	Name       string `json:"name"`
	// Target holds the address and any secret; it is never shown.
	Target    notify.Target `json:"-"`
	Kind      notify.Kind   `json:"kind"`
	Address   string        `json:"address"` // redacted
	CreatedBy string        `json:"created_by"`
	CreatedAt time.Time     `json:"created_at"`
}

// UpdateDelivery is one update sent to one subscription.
type UpdateDelivery struct {
	ID             string        `json:"id"`
	UpdateID       string        `json:"update_id"`
	IncidentID     string        `json:"incident_id"`
	SubscriptionID string        `json:"subscription_id"`
	Name           string        `json:"name"`
	Channel        notify.Kind   `json:"channel"`
	Target         string        `json:"target"` // redacted
	State          DeliveryState `json:"state"`
	Attempts       int           `json:"attempts"`
	StatusCode     int           `json:"status_code,omitempty"`
	LastError      string        `json:"last_error,omitempty"`
	CreatedAt      time.Time     `json:"created_at"`
	SentAt         *time.Time    `json:"sent_at,omitempty"`
}

// Cadence is where an incident's update rhythm stands.
type Cadence struct {
	IncidentID string        `json:"incident_id"`
	Severity   string        `json:"severity"`
	Every      time.Duration `json:"every"`
	// Basis is the last update, or when the cadence started.
	Basis time.Time `json:"basis"`
	// NextDue is when the next reminder goes; nil when none will.
	NextDue        *time.Time `json:"next_due,omitempty"`
	Generation     int64      `json:"generation"`
	LastRemindedAt *time.Time `json:"last_reminded_at,omitempty"`
	Reminders      int        `json:"reminders"` // since the last update
}

type incidentArgs struct {
	Incident string    `json:"incident"`
	At       time.Time `json:"at"`
}

type remindArgs struct {
	Incident   string `json:"incident"`
	Generation int64  `json:"generation"`
}

// IncidentJobs returns the job to write with an incident's new events when
// they may change its cadence: a declaration, a severity change, a state
// change that closes or reopens it (closing stops reminders, reopening
// starts them), a merge. handleIncidentChanged decides from the severity
// and whether the incident is open only, so a move between two open
// states (triage → active) writes no job.
func IncidentJobs(inc incident.Incident, events []incident.Event) []engine.Job {
	for _, ev := range events {
		switch ev.Type {
		case incident.EvDeclared, incident.EvSeverityChanged, incident.EvMerged:
		case incident.EvTransitioned:
			if !incident.OpensOrCloses(ev) {
				continue
			}
		default:
			continue
		}
		return []engine.Job{{Kind: JobUpdatesChanged, Args: args(incidentArgs{Incident: inc.ID, At: ev.RecordedAt})}}
	}
	return nil
}

const maxUpdate = 20000

// Post records a stakeholder update on the timeline, sends it to the
// subscribed channels, and schedules the next reminder from it.
func (s *Service) Post(ctx context.Context, v incident.Viewer, ref, text string) (StakeholderUpdate, error) {
	text = strings.TrimSpace(normalise(text))
	switch {
	case text == "":
		return StakeholderUpdate{}, errs.E(errs.Invalid, "text", "an update needs text")
	case len(text) > maxUpdate:
		return StakeholderUpdate{}, errs.E(errs.Invalid, "text", "at most %d bytes", maxUpdate)
	}
	var u StakeholderUpdate
	var inline []string
	_, err := s.change(ctx, v, ref, func(inc *incident.Incident, now time.Time) (Effects, []incident.Change, error) {
		subs, err := s.Store.Subscriptions(ctx, inc.ID)
		if err != nil {
			return Effects{}, nil, err
		}
		cur, err := s.Store.Cadence(ctx, inc.ID)
		if err != nil {
			return Effects{}, nil, err
		}
		u = StakeholderUpdate{ID: s.NewID(), IncidentID: inc.ID, Text: text, PostedBy: v.User, PostedAt: now, Channels: []string{}}
		fx := Effects{Update: &u}
		var ds []outbox.Delivery
		for _, sub := range subs {
			// A restricted incident's updates go only to its own channels.
			if sub.IncidentID == "" && inc.Restricted {
				continue
			}
			ds = append(ds, updateDelivery(s.NewID(), inc, u, sub, now))
			u.Channels = append(u.Channels, sub.Name)
		}
		// Sent right after the commit; their jobs are the safety net.
		fx.Outbox = s.planNow(now, ds...)
		inline = fx.Outbox.IDs(now)
		next := s.plan(inc, cur, now)
		next.Reminders, next.LastRemindedAt = 0, nil
		fx.Cadence = &next
		fx.Jobs = append(fx.Jobs, remindJob(next)...)
		return fx, []incident.Change{{Type: incident.EvUpdatePosted, Data: UpdatePostedData{Update: u.ID, Text: text, Channels: u.Channels}}}, nil
	})
	if err != nil {
		return StakeholderUpdate{}, err
	}
	s.sendNow(ctx, inline)
	return u, nil
}

// plan is the cadence of inc from basis on: the next reminder one
// interval after it while the incident is open and its severity has one.
func (s *Service) plan(inc *incident.Incident, cur Cadence, basis time.Time) Cadence {
	next := Cadence{IncidentID: inc.ID, Severity: inc.Severity, Every: s.cadence[inc.Severity], Basis: basis,
		Generation: cur.Generation + 1, LastRemindedAt: cur.LastRemindedAt, Reminders: cur.Reminders}
	if inc.State.Open() && next.Every > 0 {
		due := basis.Add(next.Every)
		next.NextDue = &due
	}
	return next
}

func remindJob(c Cadence) []engine.Job {
	if c.NextDue == nil {
		return nil
	}
	return []engine.Job{{Kind: JobRemind, RunAt: *c.NextDue, Args: args(remindArgs{Incident: c.IncidentID, Generation: c.Generation})}}
}

// commitCadence decides a cadence change over the stored cadence and
// commits it (incident.Retry: a concurrent change makes it decide again).
// A handler's change completes its job in the same transaction
// (Effects.DoneJob), and says so to the engine (engine.Completed).
func (s *Service) commitCadence(ctx context.Context, incidentID string, fn func(cur Cadence) (Effects, bool, error)) error {
	var fx Effects
	var wrote bool
	err := incident.Retry(ctx, func(ctx context.Context) (incident.Write, error) {
		cur, err := s.Store.Cadence(ctx, incidentID)
		if err != nil {
			return nil, err
		}
		if fx, wrote, err = fn(cur); err != nil || !wrote {
			return nil, err
		}
		return func(ctx context.Context) error { return s.Store.Commit(ctx, fx) }, nil
	})
	if err == nil && wrote && fx.DoneJob != "" {
		engine.Completed(ctx)
	}
	return err
}

// handleIncidentChanged works the cadence out again after a declaration,
// a severity change or a state change.
func (s *Service) handleIncidentChanged(ctx context.Context, j engine.Job) error {
	var a incidentArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	inc, err := s.Incidents.Get(ctx, system, a.Incident)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return engine.Permanent(err)
		}
		return err
	}
	last, err := s.Store.Updates(ctx, inc.ID, 1)
	if err != nil {
		return err
	}
	return s.commitCadence(ctx, inc.ID, func(cur Cadence) (Effects, bool, error) {
		every := s.cadence[inc.Severity]
		running := cur.NextDue != nil
		want := inc.State.Open() && every > 0
		if running == want && (!want || cur.Severity == inc.Severity && cur.Every == every) {
			return Effects{}, false, nil // nothing changes
		}
		basis := a.At
		if len(last) > 0 && last[0].PostedAt.After(basis) {
			basis = last[0].PostedAt
		}
		next := s.plan(&inc, cur, basis)
		return Effects{Cadence: &next, Jobs: remindJob(next)}, true, nil
	})
}

// handleRemind reminds the people responsible that an update is due, and
// schedules the next reminder one interval later in case none is posted.
func (s *Service) handleRemind(ctx context.Context, j engine.Job) error {
	var a remindArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	inc, err := s.Incidents.Get(ctx, system, a.Incident)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return engine.Permanent(err)
		}
		return err
	}
	return s.commitCadence(ctx, inc.ID, func(cur Cadence) (Effects, bool, error) {
		if cur.Generation != a.Generation || cur.NextDue == nil {
			return Effects{}, false, nil // an update or a change came since
		}
		now := s.Now().UTC()
		if !inc.State.Open() || cur.Every <= 0 {
			next := s.plan(&inc, cur, cur.Basis)
			next.NextDue = nil
			return Effects{Cadence: &next, DoneJob: j.ID}, true, nil
		}
		due := *cur.NextDue
		next := cur
		next.Generation++
		next.Reminders++
		next.LastRemindedAt = &now
		later := due.Add(cur.Every)
		next.NextDue = &later
		fx := Effects{Cadence: &next, Jobs: remindJob(next), DoneJob: j.ID}
		// Each person reminded gets it on each of their verified contacts,
		// one outbox delivery each.
		for _, u := range remindees(&inc) {
			ds, err := s.reminderDeliveries(ctx, &inc, next.Generation, u, due, cur.Basis, now)
			if err != nil {
				return Effects{}, false, err
			}
			if len(ds) == 0 {
				s.Logger.WarnContext(ctx, "stakeholder update due but the person to remind has no verified contact method", "incident", inc.Ref, "user", u)
			}
			fx.Outbox.Add(outbox.Plan(now, ds...))
		}
		if len(remindees(&inc)) == 0 {
			s.Logger.WarnContext(ctx, "stakeholder update due but nobody to remind: no comms lead, commander or IR lead", "incident", inc.Ref)
		}
		return fx, true, nil
	})
}

// remindees are the comms leads, else the commanders, else the IR leads.
func remindees(inc *incident.Incident) []string {
	for _, r := range []incident.Role{incident.CommsLead, incident.IncidentCommander, incident.IRLead} {
		if h := inc.Holders(r); len(h) > 0 {
			return h
		}
	}
	return nil
}
