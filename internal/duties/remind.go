package duties

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// Reminders. Every change of an incident's duties plans its reminders
// again: one job per duty and moment (half-time, 24 h, 4 h, 1 h before,
// overdue by default), written in the change's transaction and tagged with
// the plan's generation. A job of an older plan does nothing, and a job
// whose duty was met, waived or moved in the meantime does nothing either.
// A due job reminds the comms lead and the commander (the IR lead when
// neither is named) through each of their verified contact methods: one
// outbox delivery (KindReminder) per person and method, sent at once, its
// own job retrying what may pass; a person with no verified method gets a
// delivery recorded skipped.

// Job kinds the service handles.
const (
	JobRemind = "duties.remind" // remind of one duty at one moment
	JobReplan = "duties.replan" // plan every incident's reminders again (the profile changed)
)

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

// Job is a durable job (engine.Job).
type Job = engine.Job

type remindArgs struct {
	Incident   string    `json:"incident"`
	Plan       int64     `json:"plan"`
	Obligation string    `json:"obligation"`
	Phase      string    `json:"phase"`
	Mark       string    `json:"mark"`
	DueAt      time.Time `json:"due_at"`
}

func replanJob() Job { return Job{Kind: JobReplan, Args: json.RawMessage(`{}`)} }

// Mark names of the moments.
const (
	MarkHalfTime    = "half_time"
	MarkOverdue     = "overdue"
	MarkInternalDue = "internal_due" // the organisation's margin before the legal deadline
)

// moment is one reminder of one duty.
type moment struct {
	mark string
	at   time.Time
}

// moments lists when a duty is reminded of, after now; two marks at the
// same instant remind once.
func moments(it comms.Item, halfTime bool, before []time.Duration, overdue bool, now time.Time) []moment {
	if it.DueAt == nil || it.Status == comms.Submitted || it.Status == comms.Waived || it.Status == comms.NotInForce {
		return nil
	}
	due := *it.DueAt
	var out []moment
	add := func(mark string, at time.Time) {
		if !at.After(now) || slices.ContainsFunc(out, func(m moment) bool { return m.at.Equal(at) }) {
			return
		}
		if it.AnchorAt != nil && at.Before(*it.AnchorAt) {
			return
		}
		out = append(out, moment{mark, at})
	}
	if halfTime && it.AnchorAt != nil && due.After(*it.AnchorAt) {
		add(MarkHalfTime, it.AnchorAt.Add(due.Sub(*it.AnchorAt)/2))
	}
	if it.InternalDueAt != nil {
		add(MarkInternalDue, *it.InternalDueAt)
	}
	for _, d := range before {
		add(beforeMark(d), due.Add(-d))
	}
	if overdue {
		add(MarkOverdue, due)
	}
	slices.SortFunc(out, func(a, b moment) int { return a.at.Compare(b.at) })
	return out
}

func beforeMark(d time.Duration) string {
	s := strings.TrimSuffix(strings.TrimSuffix(d.String(), "0s"), "0m")
	return s + "_before"
}

// plan returns the reminder jobs of an incident's duties.
func (s *Service) plan(inc incident.Incident, gen int64, items []comms.Item, org Profile, now time.Time) []Job {
	if inc.State == incident.Dismissed || inc.State == incident.Merged {
		return nil
	}
	half, before, overdue := org.reminders()
	var jobs []Job
	for _, it := range items {
		for _, m := range moments(it, half, before, overdue, now) {
			args, _ := json.Marshal(remindArgs{Incident: inc.ID, Plan: gen, Obligation: it.ObligationID, Phase: it.Phase, Mark: m.mark, DueAt: *it.DueAt})
			jobs = append(jobs, Job{Kind: JobRemind, RunAt: m.at, Args: args})
		}
	}
	return jobs
}

// Register attaches the service's job handlers to an engine.
func (s *Service) Register(e interface {
	Handle(kind string, h engine.Handler)
}) {
	e.Handle(JobRemind, s.handleRemind)
	e.Handle(JobReplan, s.handleReplan)
	e.Handle(JobAssessed, s.handleAssessed)
}

func (s *Service) handleReplan(ctx context.Context, _ engine.Job) error {
	ids, err := s.Store.DutyIncidents(ctx)
	if err != nil {
		return err
	}
	var fails []error
	for _, id := range ids {
		if err := s.replan(ctx, id); err != nil {
			fails = append(fails, fmt.Errorf("incident %s: %w", id, err))
		}
	}
	return errors.Join(fails...)
}

// replan plans one incident's reminders again, with no event: the duties
// themselves did not change, only what they are evaluated against.
func (s *Service) replan(ctx context.Context, incidentID string) error {
	return incident.Retry(ctx, func(ctx context.Context) (incident.Write, error) {
		inc, err := s.Incidents.Get(ctx, system, incidentID)
		if err != nil {
			return nil, err
		}
		st, err := s.Store.Facts(ctx, inc.ID)
		if err != nil {
			return nil, err
		}
		records, err := s.Store.Records(ctx, inc.ID)
		if err != nil {
			return nil, err
		}
		prof, err := s.Profile(ctx)
		if err != nil {
			return nil, err
		}
		now := s.Now()
		jobs := s.plan(inc, st.Plan+1, s.evaluate(prof.Profile, st.Facts, records, now), prof.Profile, now)
		return func(ctx context.Context) error {
			return s.Store.WriteDuties(ctx, Write{IncidentID: inc.ID, ExpectedPlan: st.Plan, Plan: st.Plan + 1, Jobs: jobs})
		}, nil
	})
}

func (s *Service) handleRemind(ctx context.Context, j engine.Job) error {
	var a remindArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	inc, _, why, err := s.dueReminder(ctx, a)
	if err != nil || why != "" {
		return err
	}
	if s.People == nil || s.Outbox == nil {
		s.Logger.Warn("duty reminder not sent: no way to reach people", "incident", inc.Ref, "obligation", a.Obligation, "phase", a.Phase)
		return nil
	}
	var ds []outbox.Delivery
	for _, user := range recipients(inc) {
		cs, err := s.People.VerifiedContacts(ctx, user)
		if err != nil {
			return err
		}
		if len(cs) == 0 {
			d := reminderDelivery(a, user, contacts.Contact{})
			d.State, d.LastError = outbox.Skipped, user+" has no verified contact method"
			ds = append(ds, d)
		}
		for _, c := range cs {
			ds = append(ds, reminderDelivery(a, user, c))
		}
	}
	return outbox.SendFresh(ctx, s.Outbox, s.Store, incident.Now(s.Now()), ds)
}

// dueReminder finds the duty a reminder is about. why says why it is no
// longer due (planned again since, the incident closed out, the duty met,
// waived or moved); "" when it is.
func (s *Service) dueReminder(ctx context.Context, a remindArgs) (incident.Incident, comms.Item, string, error) {
	var inc incident.Incident
	st, err := s.Store.Facts(ctx, a.Incident)
	if err != nil {
		return inc, comms.Item{}, "", err
	}
	if st.Plan != a.Plan {
		return inc, comms.Item{}, "the reminders were planned again since", nil
	}
	inc, err = s.Incidents.Get(ctx, system, a.Incident)
	if errs.CodeOf(err) == errs.NotFound {
		return inc, comms.Item{}, "the incident is gone", nil
	}
	if err != nil {
		return inc, comms.Item{}, "", err
	}
	if inc.State == incident.Dismissed || inc.State == incident.Merged {
		return inc, comms.Item{}, "the incident is " + string(inc.State), nil
	}
	items, err := s.itemsOf(ctx, inc.ID)
	if err != nil {
		return inc, comms.Item{}, "", err
	}
	i := slices.IndexFunc(items, func(it comms.Item) bool { return it.ObligationID == a.Obligation && it.Phase == a.Phase })
	if i < 0 {
		return inc, comms.Item{}, "the duty no longer applies", nil
	}
	it := items[i]
	switch {
	case it.Status == comms.Submitted || it.Status == comms.Waived || it.Status == comms.NotInForce:
		return inc, it, "the duty is " + strings.ReplaceAll(string(it.Status), "_", " "), nil
	case it.DueAt == nil || !it.DueAt.Equal(a.DueAt):
		return inc, it, "the duty's due instant moved", nil
	}
	return inc, it, "", nil
}

// recipients are the comms lead and the commander, or the IR lead when
// neither is named.
func recipients(inc incident.Incident) []string {
	var out []string
	for _, r := range []incident.Role{incident.CommsLead, incident.IncidentCommander} {
		for _, u := range inc.Holders(r) {
			if !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	if len(out) == 0 {
		out = inc.Holders(incident.IRLead)
	}
	return out
}

// KindReminder is the outbox kind of one duty reminder to one contact
// method of one person.
const KindReminder = "duty_reminder"

// reminderPayload is a KindReminder delivery's payload: the reminder
// (the JobRemind arguments) and whom it reaches by what.
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
		Subject: outbox.Subject{Kind: "duty", ID: a.Obligation + ":" + a.Phase, Incident: a.Incident},
		Target:  c.Target, Ref: c.ID, Payload: payload}
}

// RegisterKinds registers the reminders' outbox kind.
func (s *Service) RegisterKinds(o interface {
	Handle(kind string, r outbox.Renderer)
}) {
	o.Handle(KindReminder, reminderKind{s})
}

// reminderKind renders KindReminder deliveries.
type reminderKind struct{ s *Service }

// Prepare is the reminder as the duty stands now (each retry says how
// long is left then); a reminder whose duty was met, waived or moved, or
// whose plan was replaced, is skipped.
func (k reminderKind) Prepare(ctx context.Context, d outbox.Delivery) (outbox.Message, error) {
	var p reminderPayload
	if err := json.Unmarshal(d.Payload, &p); err != nil {
		return outbox.Message{}, outbox.Fail(fmt.Errorf("duty reminder: bad payload: %w", err))
	}
	inc, it, why, err := k.s.dueReminder(ctx, p.remindArgs)
	switch {
	case err != nil:
		return outbox.Message{}, err
	case why != "":
		return outbox.Message{}, outbox.Skip(why)
	}
	return outbox.Text(k.s.reminderMessage(inc, it, d.ID)), nil
}

// Reminders lists the latest reminders about an incident's duties, newest
// first.
func (s *Service) Reminders(ctx context.Context, v incident.Viewer, ref string, limit int) ([]Reminder, error) {
	inc, err := s.Incidents.Get(ctx, v, ref)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	ds, err := s.Store.OutboxDeliveries(ctx, outbox.Query{Kind: KindReminder, Incident: inc.ID, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]Reminder, 0, len(ds))
	for _, d := range ds {
		out = append(out, reminderOf(d))
	}
	return out, nil
}

// reminderOf is the view of a reminder delivery.
func reminderOf(d outbox.Delivery) Reminder {
	var p reminderPayload
	_ = json.Unmarshal(d.Payload, &p) // written by reminderDelivery or migration 00025
	r := Reminder{ID: d.ID, IncidentID: d.Subject.Incident, ObligationID: p.Obligation, Phase: p.Phase, Mark: p.Mark, DueAt: p.DueAt,
		User: p.User, ContactID: p.Contact, Channel: p.Channel, State: string(d.State), Attempts: d.Attempts, LastError: d.LastError,
		SentAt: d.SentAt, CreatedAt: d.CreatedAt}
	if d.State == outbox.Skipped && p.Contact == "" {
		r.State = ReminderNoContact
	}
	return r
}

// reminderID names one reminder to one contact, the same on every retry.
func reminderID(a remindArgs, user, contact string) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s", a.Incident, a.Plan, a.Obligation, a.Phase, a.Mark,
		a.DueAt.UTC().Format(time.RFC3339Nano), user, contact))
	return "rem_" + hex.EncodeToString(h[:12])
}

// reminderMessage says which duty is due when, to whom, and on what basis.
func (s *Service) reminderMessage(inc incident.Incident, it comms.Item, id string) notify.Message {
	now := s.Now()
	left := it.DueAt.Sub(now)
	when := "due in " + Countdown(left)
	if left <= 0 {
		when = "overdue by " + Countdown(-left)
	}
	title := fmt.Sprintf("%s: %s %s %s", inc.Ref, it.ObligationID, it.Phase, when)
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s\n\n", inc.Ref, inc.Title)
	fmt.Fprintf(&b, "Duty: %s, phase %s\nTo: %s\nDue: %s (%s)\n", it.ObligationID, it.Phase, it.Recipient, it.DueAt.UTC().Format(time.RFC3339), when)
	if it.InternalDueAt != nil {
		fmt.Fprintf(&b, "Internal due: %s (the organisation's margin; the legal deadline above is unchanged)\n", it.InternalDueAt.UTC().Format(time.RFC3339))
	}
	if it.Applicability == comms.Possible {
		fmt.Fprintf(&b, "May apply; answer in the facts to settle it: %s\n", strings.Join(it.Questions, " "))
	}
	if it.Basis != "" {
		fmt.Fprintf(&b, "Basis: %s\n", it.Basis)
	}
	if !it.Verified || (it.LegalStatus != "" && it.LegalStatus != "in_force") {
		fmt.Fprintf(&b, "Note: %s\n", Caveat(it))
	}
	b.WriteString("\nRecord the notice as submitted, or waive the duty with a reason, on the incident's page.")
	m := notify.Message{ID: id, Kind: "Reminder", Title: title, Body: b.String(), Severity: inc.Severity, Time: now,
		Fields: map[string]string{"incident": inc.Ref, "obligation": it.ObligationID, "phase": it.Phase, "due_at": it.DueAt.UTC().Format(time.RFC3339)}}
	if s.baseURL != "" {
		m.URL = s.baseURL + "/incidents/" + inc.Ref + "#duties"
	}
	return m
}

// Caveat says why a duty should be read with care: not verified in the
// sources, or not (yet) law. "" when neither.
func Caveat(it comms.Item) string {
	var parts []string
	if !it.Verified {
		parts = append(parts, "not verified in the sources read")
	}
	switch it.LegalStatus {
	case "", "in_force":
	case "proposed":
		parts = append(parts, "proposed, not yet in force")
	default:
		parts = append(parts, strings.ReplaceAll(it.LegalStatus, "_", " "))
	}
	return strings.Join(parts, "; ")
}

// Countdown says a duration the way the clocks show it: "2 d 4 h",
// "23 h 10 min", "45 min", "under a minute".
func Countdown(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Truncate(time.Minute)
	days, h, m := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%d d %d h", days, h)
	case h > 0:
		return fmt.Sprintf("%d h %d min", h, m)
	case m > 0:
		return fmt.Sprintf("%d min", m)
	default:
		return "under a minute"
	}
}
