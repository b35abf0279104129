package tasks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
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

// KindPostmortemReminder is the outbox kind of one reminder of a
// post-mortem's deadline to one contact method of one person.
const KindPostmortemReminder = "postmortem_reminder"

// PostmortemJobs is the package's PostmortemJobs on the service's
// calendar: the store trigger.
func (s *Service) PostmortemJobs(inc incident.Incident, events []incident.Event) []engine.Job {
	return PostmortemJobs(s.d.Calendar, inc, events)
}

func (s *Service) handlePostmortem(ctx context.Context, j engine.Job) error {
	var a pmArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	inc, why, err := s.pmDue(ctx, a)
	if err != nil {
		return err
	}
	if why != "" {
		s.d.Logger.Debug("post-mortem reminder not sent", "incident", a.Incident, "mark", a.Mark, "why", why)
		return nil
	}
	if s.d.People == nil || s.d.Outbox == nil {
		s.d.Logger.Warn("post-mortem reminder not sent: no way to reach people", "incident", inc.Ref, "mark", a.Mark)
		return nil
	}
	to := pmRecipients(inc, a.Mark)
	if len(to) == 0 {
		s.d.Logger.Warn("post-mortem reminder not sent: nobody holds the IR Lead or commander role", "incident", inc.Ref, "mark", a.Mark)
		return nil
	}
	var ds []outbox.Delivery
	for _, user := range to {
		cs, err := s.d.People.VerifiedContacts(ctx, user)
		if err != nil {
			return err
		}
		if len(cs) == 0 {
			d := pmDelivery(a, user, contacts.Contact{})
			d.State, d.LastError = outbox.Skipped, NoContact+": "+user+" has no verified contact method"
			ds = append(ds, d)
		}
		for _, c := range cs {
			ds = append(ds, pmDelivery(a, user, c))
		}
	}
	return s.deliver(ctx, ds)
}

// pmDue finds the incident a post-mortem reminder is about. why says why
// it is no longer due (the incident is gone, closed or back in an earlier
// phase, the post-mortem published or re-dated); "" when it is.
func (s *Service) pmDue(ctx context.Context, a pmArgs) (incident.Incident, string, error) {
	inc, err := s.d.Incidents.Get(ctx, system, a.Incident)
	if errs.CodeOf(err) == errs.NotFound {
		return inc, "the incident is gone", nil
	}
	if err != nil {
		return inc, "", err
	}
	due, ok := inc.PostmortemOpenDue()
	switch {
	case inc.Postmortem.Status == incident.PostmortemPublished:
		return inc, "the post-mortem is published", nil
	case !ok:
		return inc, "the incident is " + string(inc.State), nil
	case !due.Equal(a.DueAt):
		return inc, "the post-mortem's due time moved", nil
	}
	return inc, "", nil
}

// pmRecipients are the post-mortem's owners and, once it is overdue, the
// incident commander too.
func pmRecipients(inc incident.Incident, mark string) []string {
	out := slices.Clone(inc.PostmortemOwners())
	if mark == MarkPMOverdue {
		for _, u := range inc.Holders(incident.IncidentCommander) {
			if !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	return out
}

// pmPayload is a KindPostmortemReminder delivery's payload.
type pmPayload struct {
	pmArgs
	User    string `json:"user"`
	Contact string `json:"contact,omitempty"` // "" when the user has none
	Channel string `json:"channel,omitempty"`
}

func pmDelivery(a pmArgs, user string, c contacts.Contact) outbox.Delivery {
	payload, _ := json.Marshal(pmPayload{pmArgs: a, User: user, Contact: c.ID, Channel: string(c.Kind)})
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s\x00%s\x00%s", a.Incident, a.Mark, a.DueAt.UTC().Format(time.RFC3339Nano), user, c.ID))
	return outbox.Delivery{ID: "pmrem_" + hex.EncodeToString(h[:12]), Kind: KindPostmortemReminder,
		Subject: outbox.Subject{Kind: "postmortem", ID: a.Incident, Incident: a.Incident},
		Target:  c.Target, Ref: c.ID, Payload: payload}
}

// pmKind renders KindPostmortemReminder deliveries.
type pmKind struct{ s *Service }

// Prepare is the reminder as the post-mortem stands now; one published
// (or re-dated, or whose incident closed) meanwhile is skipped.
func (k pmKind) Prepare(ctx context.Context, d outbox.Delivery) (outbox.Message, error) {
	var p pmPayload
	if err := json.Unmarshal(d.Payload, &p); err != nil {
		return outbox.Message{}, outbox.Fail(fmt.Errorf("post-mortem reminder: bad payload: %w", err))
	}
	inc, why, err := k.s.pmDue(ctx, p.pmArgs)
	switch {
	case err != nil:
		return outbox.Message{}, err
	case why != "":
		return outbox.Message{}, outbox.Skip(why)
	}
	return outbox.Text(k.s.pmMessage(inc, p.Mark, p.User, d.ID)), nil
}

// pmMessage says whose post-mortem is due when and where to write it; to
// the commander, that it is overdue and theirs to see done.
func (s *Service) pmMessage(inc incident.Incident, mark, user, id string) notify.Message {
	now := s.d.Now()
	_, base := s.config()
	due := *inc.PostmortemDue
	left := due.Sub(now)
	when := "due in " + duties.Countdown(left)
	if left <= 0 {
		when = "overdue by " + duties.Countdown(-left)
	}
	owners := inc.PostmortemOwners()
	owner := strings.Join(owners, ", ")
	if owner == "" {
		owner = "nobody (no IR Lead)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s\n\n", inc.Ref, inc.Title)
	fmt.Fprintf(&b, "Post-mortem: %s\nOwner: %s\nDue: %s (%s)\n", inc.Postmortem.Status, owner, due.UTC().Format(time.RFC3339), when)
	switch {
	case mark == MarkPMOverdue && !slices.Contains(owners, user):
		b.WriteString("\nThe post-mortem is overdue. As the incident commander, see that it is written, reviewed and published.")
	case mark == MarkPMOverdue:
		b.WriteString("\nThe post-mortem is overdue; the incident commander has been told. Write it, have it reviewed and publish it.")
	default:
		b.WriteString("\nWrite the post-mortem, have it reviewed and publish it before it is due.")
	}
	m := notify.Message{ID: id, Kind: "Reminder", Title: fmt.Sprintf("%s: post-mortem %s", inc.Ref, when), Body: b.String(), Severity: inc.Severity, Time: now,
		Fields: map[string]string{"incident": inc.Ref, "mark": mark, "due_at": due.UTC().Format(time.RFC3339)}}
	if base != "" {
		m.URL = base + "/incidents/" + inc.Ref + "/postmortem"
	}
	return m
}
