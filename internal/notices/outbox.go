package notices

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// What notices send goes through the outbox (package outbox): each email
// of a notice, each stakeholder update to each subscribed channel, and
// each reminder that an update is due to each verified contact of the
// person reminded is one outbox delivery, with its attempts, retries and
// dead letter. These are their kinds.
const (
	KindNoticeEmail       = "notice_email"       // a notice emailed to one recipient
	KindStakeholderUpdate = "stakeholder_update" // an update sent to one subscription
	KindUpdateReminder    = "update_reminder"    // an update is due: to one contact of one person
)

// SubjectNotice is the subject kind of a notice's emails; the others are
// the subject kinds of updates and reminders.
const (
	SubjectNotice   = "notice"
	subjectUpdate   = "update"
	subjectIncident = "incident"
)

// UseOutbox sends notices' messages through o and registers their kinds
// with it. Call it before the engine runs.
func (s *Service) UseOutbox(o *outbox.Outbox) {
	s.outbox = o
	o.Handle(KindNoticeEmail, noticeEmail{s})
	o.Handle(KindStakeholderUpdate, outbox.RendererFunc(s.prepareUpdate))
	o.Handle(KindUpdateReminder, outbox.RendererFunc(s.prepareReminder))
}

// DocumentMailer is the outbox's mailer of documents: the relay the
// service has when it sends (Configure sets it), none before.
func (s *Service) DocumentMailer() outbox.Mailer { return documentMailer{s} }

type documentMailer struct{ s *Service }

func (m documentMailer) SendDocument(ctx context.Context, to string, d notify.Document) (notify.Sent, error) {
	if m.s.Mailer == nil {
		return notify.Sent{}, errs.E(errs.Rule, "email", "no outbound email relay is configured (email: in the server's policy file)")
	}
	return m.s.Mailer.SendDocument(ctx, to, d)
}

// planNow plans deliveries sent right after the caller's commit (their
// jobs held by this process for a grace), or, without an outbox, as
// plain jobs.
func (s *Service) planNow(now time.Time, ds ...outbox.Delivery) outbox.Writes {
	if s.outbox == nil {
		return outbox.Plan(now, ds...)
	}
	return s.outbox.PlanNow(now, ds...)
}

// sendNow sends planned deliveries right after the commit; their jobs
// retry what fails.
func (s *Service) sendNow(ctx context.Context, ids []string) {
	if s.outbox == nil || len(ids) == 0 {
		return
	}
	s.outbox.SendNow(ctx, ids...)
}

// ---- notice emails ----

// noticeEmail renders a notice's email (HTML and attachments) and, once a
// delivery is settled, records it on the notice and the timeline.
type noticeEmail struct{ s *Service }

// Prepare makes the document exactly as the notice was written.
func (r noticeEmail) Prepare(ctx context.Context, d outbox.Delivery) (outbox.Message, error) {
	s := r.s
	n, err := s.Store.Notice(ctx, d.Subject.ID)
	if errs.CodeOf(err) == errs.NotFound {
		return outbox.Message{}, outbox.Fail(err)
	}
	if err != nil {
		return outbox.Message{}, err
	}
	if n.Email == nil {
		return outbox.Message{}, outbox.Fail(fmt.Errorf("notice %s was never sent by email", n.ID))
	}
	// The subject and the files' names and types go into headers: checked
	// again as the message is made, so a value stored before these checks
	// existed fails this delivery (for good) rather than reach the relay.
	if err := n.headersSafe(); err != nil {
		return outbox.Message{}, outbox.Fail(err)
	}
	doc := notify.Document{ID: d.ID, Subject: n.Email.Subject, Text: n.Body, Time: n.Email.RequestedAt}
	if doc.HTML, err = s.md.Document(n.Email.Subject, n.Body); err != nil {
		return outbox.Message{}, outbox.Fail(fmt.Errorf("rendering notice %s as HTML: %w", n.ID, err))
	}
	for _, a := range n.Attachments {
		_, data, err := s.Store.Attachment(ctx, a.SHA256)
		if err != nil {
			return outbox.Message{}, err
		}
		doc.Attachments = append(doc.Attachments, notify.File{Name: a.Name, ContentType: a.ContentType, Data: data})
	}
	return outbox.Doc(doc), nil
}

// Settled takes a settled email in: an accepted one is a notice.sent event
// on the timeline, written once (the notice notes which deliveries it
// took in, in the same transaction); when every email is settled the
// notice is sent (or failed, when none was accepted) and the duty it
// meets is marked.
func (r noticeEmail) Settled(ctx context.Context, d outbox.Delivery) error {
	s := r.s
	n, err := s.Store.Notice(ctx, d.Subject.ID)
	if errs.CodeOf(err) == errs.NotFound {
		return nil // nothing left to record it on
	}
	if err != nil {
		return err
	}
	if n.Email == nil || slices.Contains(n.Email.Recorded, d.ID) {
		return nil
	}
	fx, err := s.change(ctx, incident.Viewer{User: n.Email.RequestedBy, SeeAll: true}, n.IncidentID, func(inc *incident.Incident, now time.Time) (Effects, []incident.Change, error) {
		cur, err := s.load(ctx, inc, n.ID)
		if err != nil {
			return Effects{}, nil, err
		}
		if cur.Email == nil || slices.Contains(cur.Email.Recorded, d.ID) {
			return Effects{}, nil, nil // taken in meanwhile
		}
		cur.Email.Recorded = append(cur.Email.Recorded, d.ID)
		var changes []incident.Change
		if d.State == outbox.Sent {
			at := now
			if d.SentAt != nil {
				at = incident.Now(*d.SentAt)
			}
			changes = append(changes, incident.Change{Type: incident.EvNoticeSent, OccurredAt: &at, Data: NoticeSentData{
				Notice: cur.ID, Title: cur.Title, To: d.Target.Address, MessageID: d.MessageID, Reply: d.Reply, SentAt: at,
				TextSHA256: cur.TextSHA256, Attachments: files(cur.Attachments), ContentSHA256: cur.ContentHash(), ApprovedBy: approver(&cur),
				MessageSHA256: d.MessageSHA256, MessageSize: d.MessageSize}})
		}
		fx := Effects{Notice: &cur}
		if done, anySent := cur.Email.settled(); done {
			cur.Email.CompletedAt = &now
			cur.Status = Failed
			if anySent {
				cur.Status = Sent
				fx.Jobs = s.obligationJob(&cur)
			}
		}
		cur.Version++
		n = cur
		return fx, changes, nil
	})
	if err != nil {
		return err
	}
	s.afterFinal(ctx, &n, fx.Jobs)
	return nil
}

// EmailDeliveryOf is how a notice shows one of its emails' deliveries.
func EmailDeliveryOf(d outbox.Delivery) EmailDelivery {
	return EmailDelivery{ID: d.ID, To: d.Target.Address, State: DeliveryState(d.State), Attempts: d.Attempts, LastError: d.LastError,
		MessageID: d.MessageID, Reply: d.Reply, SentAt: d.SentAt, MessageSHA256: d.MessageSHA256, MessageSize: d.MessageSize}
}

// AttachDeliveries sets each notice's Email.Deliveries from ds (the
// outbox's notice_email deliveries), in the order of its recipients.
func AttachDeliveries(ns []Notice, ds []outbox.Delivery) {
	byNotice := map[string][]outbox.Delivery{}
	for _, d := range ds {
		if d.Kind == KindNoticeEmail {
			byNotice[d.Subject.ID] = append(byNotice[d.Subject.ID], d)
		}
	}
	for i := range ns {
		n := &ns[i]
		if n.Email == nil {
			continue
		}
		mine := byNotice[n.ID]
		slices.SortStableFunc(mine, func(a, b outbox.Delivery) int {
			ia, ib := slices.Index(n.Recipients, a.Target.Address), slices.Index(n.Recipients, b.Target.Address)
			if ia != ib {
				return ia - ib
			}
			return a.CreatedAt.Compare(b.CreatedAt)
		})
		n.Email.Deliveries = make([]EmailDelivery, 0, len(mine))
		for _, d := range mine {
			n.Email.Deliveries = append(n.Email.Deliveries, EmailDeliveryOf(d))
		}
	}
}

// ---- stakeholder updates ----

// updatePayload is what a stakeholder_update delivery names.
type updatePayload struct {
	Update string      `json:"update"`
	Name   string      `json:"name"` // the subscription's, kept when it goes
	Kind   notify.Kind `json:"channel"`
}

// updateDelivery is the delivery of update u to subscription sub.
func updateDelivery(id string, inc *incident.Incident, u StakeholderUpdate, sub UpdateSubscription, now time.Time) outbox.Delivery {
	p, _ := json.Marshal(updatePayload{Update: u.ID, Name: sub.Name, Kind: sub.Target.Kind})
	return outbox.Delivery{ID: id, Kind: KindStakeholderUpdate, Subject: outbox.Subject{Kind: subjectUpdate, ID: u.ID, Incident: inc.ID},
		Target: sub.Target, Ref: sub.ID, Payload: p, CreatedAt: now}
}

// UpdateDeliveryOf is how an incident's updates show one delivery;
// statusCode is its last attempt's HTTP status (0 when none).
func UpdateDeliveryOf(d outbox.Delivery, statusCode int) UpdateDelivery {
	var p updatePayload
	_ = json.Unmarshal(d.Payload, &p) // a payload we wrote; empty fields otherwise
	return UpdateDelivery{ID: d.ID, UpdateID: p.Update, IncidentID: d.Subject.Incident, SubscriptionID: d.Ref, Name: p.Name,
		Channel: d.Target.Kind, Target: d.To(), State: DeliveryState(d.State), Attempts: d.Attempts, StatusCode: statusCode,
		LastError: d.LastError, CreatedAt: d.CreatedAt, SentAt: d.SentAt}
}

// prepareUpdate renders an update for its channel; a subscription removed
// since is not sent to.
func (s *Service) prepareUpdate(ctx context.Context, d outbox.Delivery) (outbox.Message, error) {
	var p updatePayload
	if err := json.Unmarshal(d.Payload, &p); err != nil {
		return outbox.Message{}, outbox.Fail(fmt.Errorf("update delivery payload: %w", err))
	}
	if _, err := s.Store.Subscription(ctx, d.Ref); errs.CodeOf(err) == errs.NotFound {
		return outbox.Message{}, outbox.Skip("the subscription was removed")
	} else if err != nil {
		return outbox.Message{}, err
	}
	inc, err := s.Incidents.Get(ctx, system, d.Subject.Incident)
	if errs.CodeOf(err) == errs.NotFound {
		return outbox.Message{}, outbox.Fail(err)
	}
	if err != nil {
		return outbox.Message{}, err
	}
	u, err := s.update(ctx, inc.ID, p.Update)
	if errs.CodeOf(err) == errs.NotFound {
		return outbox.Message{}, outbox.Fail(err)
	}
	if err != nil {
		return outbox.Message{}, err
	}
	return outbox.Text(notify.Message{ID: d.ID, Kind: "Stakeholder update", Title: inc.Ref + " " + inc.Title + ": update", Body: u.Text, Severity: inc.Severity,
		URL: s.link(inc.Ref), Time: u.PostedAt, Fields: map[string]string{"incident": inc.Ref, "state": string(inc.State), "posted by": u.PostedBy}}), nil
}

// ---- reminders that an update is due ----

// reminderPayload is what an update_reminder delivery names.
type reminderPayload struct {
	User string    `json:"user"`
	Due  time.Time `json:"due"`
	Last time.Time `json:"last"`
}

// reminderDeliveries are the reminders to user, one per verified contact,
// named by the reminder (the cadence's generation) so that planning them
// again writes nothing new.
func (s *Service) reminderDeliveries(ctx context.Context, inc *incident.Incident, generation int64, user string, due, last time.Time, now time.Time) ([]outbox.Delivery, error) {
	if s.People == nil {
		return nil, nil
	}
	cs, err := s.People.VerifiedContacts(ctx, user)
	if err != nil {
		return nil, err
	}
	p, _ := json.Marshal(reminderPayload{User: user, Due: due, Last: last})
	var out []outbox.Delivery
	for _, c := range cs {
		out = append(out, outbox.Delivery{ID: fmt.Sprintf("update-reminder.%s.%d.%s.%s", inc.ID, generation, user, c.ID), Kind: KindUpdateReminder,
			Subject: outbox.Subject{Kind: subjectIncident, ID: inc.ID, Incident: inc.ID}, Target: c.Target, Ref: c.ID, Payload: p, CreatedAt: now})
	}
	return out, nil
}

// prepareReminder renders the reminder; none goes once the incident is
// closed or the contact is no longer a verified one.
func (s *Service) prepareReminder(ctx context.Context, d outbox.Delivery) (outbox.Message, error) {
	var p reminderPayload
	if err := json.Unmarshal(d.Payload, &p); err != nil {
		return outbox.Message{}, outbox.Fail(fmt.Errorf("update reminder payload: %w", err))
	}
	inc, err := s.Incidents.Get(ctx, system, d.Subject.ID)
	if errs.CodeOf(err) == errs.NotFound {
		return outbox.Message{}, outbox.Fail(err)
	}
	if err != nil {
		return outbox.Message{}, err
	}
	if !inc.State.Open() {
		return outbox.Message{}, outbox.Skip(inc.Ref + " is " + string(inc.State))
	}
	if s.People != nil {
		cs, err := s.People.VerifiedContacts(ctx, p.User)
		if err != nil {
			return outbox.Message{}, err
		}
		if !slices.ContainsFunc(cs, func(c Contact) bool { return c.ID == d.Ref }) {
			return outbox.Message{}, outbox.Skip("the contact was removed or is not verified")
		}
	}
	return outbox.Text(notify.Message{ID: d.ID, Kind: "Reminder", Severity: inc.Severity, Time: p.Due, URL: s.link(inc.Ref),
		Title: fmt.Sprintf("%s %s: a stakeholder update is due", inc.Ref, inc.Title),
		Body: fmt.Sprintf("An update on %s was due at %s; the last was at %s. Post one on the incident's page, or: firebreak update %s \"…\"",
			inc.Ref, p.Due.UTC().Format("15:04 UTC"), p.Last.UTC().Format("15:04 UTC"), inc.Ref),
		Fields: map[string]string{"incident": inc.Ref}}), nil
}
