package notices

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
)

// Job kinds of notices.
const (
	JobSend       = "notices.send"       // email one delivery of a notice
	JobObligation = "notices.obligation" // mark the duty a final notice meets as submitted
)

type sendArgs struct {
	Notice   string `json:"notice"`
	Delivery string `json:"delivery"`
}

type noticeArgs struct {
	Notice string `json:"notice"`
}

func args(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // our own argument structs always marshal
	}
	return b
}

// inlineGrace is when the job of a send made right after its commit runs
// if that send never got recorded (the process died): longer than one
// attempt may take.
const inlineGrace = notify.DefaultTimeout + 10*time.Second

// maxInline is how many emails of a notice are sent before Send answers;
// a long list goes on in the background, each delivery recorded as it
// happens.
const maxInline = 5

// Send emails the notice to each recipient (to, or the notice's own
// recipients when to is empty), one message each, exactly as written and
// with its attachments. An approved notice goes only as approved: to the
// recipients the approval covers. The text becomes final at once; each
// delivery is a durable job that retries, and each accepted one is
// recorded on the timeline with its Message-ID, the relay's reply and the
// time. The sends due now are made before Send returns.
func (s *Service) Send(ctx context.Context, v incident.Viewer, ref, id string, to []string, textSHA256 string) (Notice, error) {
	if s.Mailer == nil {
		// What the notice lacks comes first: it is the writer's to fix.
		if n, err := s.Get(ctx, v, ref, id); err != nil {
			return Notice{}, err
		} else if err := n.checkWritten("sent"); err != nil {
			return Notice{}, err
		}
		return Notice{}, errs.E(errs.Rule, "email", "no outbound email relay is configured (email: in the server's policy file)")
	}
	given, err := checkRecipients("to", to)
	if err != nil {
		return Notice{}, err
	}
	var out Notice
	_, err = s.change(ctx, v, ref, func(inc *incident.Incident, now time.Time) (Effects, []incident.Change, error) {
		n, err := s.load(ctx, inc, id)
		if err != nil {
			return Effects{}, nil, err
		}
		if err := n.editable(); err != nil {
			return Effects{}, nil, err
		}
		if err := n.sameText(textSHA256); err != nil {
			return Effects{}, nil, err
		}
		rcpts := given
		if len(rcpts) == 0 {
			rcpts = n.Recipients
		}
		if len(rcpts) == 0 {
			return Effects{}, nil, errs.E(errs.Invalid, "to", "name at least one recipient (the notice has none of its own)")
		}
		if err := s.ready(&n, "sent"); err != nil {
			return Effects{}, nil, err
		}
		if n.Approval != nil && !sameRecipients(rcpts, n.Recipients) {
			return Effects{}, nil, errs.E(errs.Conflict, "to", "the approval by %s covers sending to %s only; send to those, or change the notice's recipients (which withdraws the approval) and have it approved again",
				n.Approval.By, listOrNone(n.Recipients))
		}
		// The subject and every file's name and type go into headers:
		// checked again, whatever was stored before these checks existed.
		if err := n.headersSafe(); err != nil {
			return Effects{}, nil, err
		}
		n.Recipients = rcpts
		n.ContentSHA256 = n.ContentHash()
		n.Status, n.FinalAt, n.Version = Sending, &now, n.Version+1
		n.Email = &Email{Subject: n.Title, From: s.Mailer.Sender(), RequestedBy: v.User, RequestedAt: now, TextSHA256: n.TextSHA256}
		var fx Effects
		for i, r := range rcpts {
			d := EmailDelivery{ID: s.NewID(), To: r, State: DeliveryPending}
			n.Email.Deliveries = append(n.Email.Deliveries, d)
			// The first few are sent before Send returns, their jobs the
			// safety net; the others' jobs send them at once.
			runAt := now
			if i < maxInline {
				runAt = now.Add(inlineGrace)
			}
			fx.Jobs = append(fx.Jobs, engine.Job{ID: d.ID, Kind: JobSend, RunAt: runAt, Args: args(sendArgs{Notice: n.ID, Delivery: d.ID})})
		}
		fx.Notice = &n
		out = n
		return fx, nil, nil
	})
	if err != nil {
		return Notice{}, err
	}
	for _, d := range out.Email.Deliveries[:min(maxInline, len(out.Email.Deliveries))] {
		if err := s.deliver(ctx, out.ID, d.ID, 0, 1, true); err != nil {
			s.Logger.WarnContext(ctx, "notice email failed; its job retries", "notice", out.ID, "to", d.To, "err", err)
		}
	}
	if n, err := s.Store.Notice(ctx, out.ID); err == nil {
		out = n
		out.Ref = ref
	}
	s.derive(&out)
	return out, nil
}

func listOrNone(list []string) string {
	if len(list) == 0 {
		return "no one"
	}
	return strings.Join(list, ", ")
}

// headersSafe checks what of a notice goes into mail headers: its title
// (the subject) and each attachment's name and media type.
func (n *Notice) headersSafe() error {
	if err := oneLine("title", n.Title); err != nil {
		return err
	}
	for i, a := range n.Attachments {
		if err := oneLine(fmt.Sprintf("attachments[%d].name", i), a.Name); err != nil {
			return err
		}
		if _, err := notify.AttachmentType(a.ContentType); err != nil {
			return errs.E(errs.Invalid, fmt.Sprintf("attachments[%d].content_type", i), "%s: %s; remove the file and attach it again", a.Name, err.Error())
		}
	}
	return nil
}

// handleSend is the job of one delivery.
func (s *Service) handleSend(ctx context.Context, j engine.Job) error {
	var a sendArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	return s.deliver(ctx, a.Notice, a.Delivery, j.Attempt, max(j.MaxAttempts, 1), false)
}

// system acts for jobs: they were authorised when written.
var system = incident.Viewer{User: "firebreak", SeeAll: true}

// deliver sends one delivery unless it is settled, and records the
// outcome: an accepted message is an event on the timeline; the last
// failure (or a permanent one) settles it as failed. inline is the send
// right after the commit; its failure is left to the delivery's job.
func (s *Service) deliver(ctx context.Context, noticeID, deliveryID string, attempt, maxAttempts int, inline bool) error {
	n, err := s.Store.Notice(ctx, noticeID)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return engine.Permanent(err)
		}
		return err
	}
	d, ok := n.delivery(deliveryID)
	if !ok || d.State != DeliveryPending {
		return nil
	}
	if s.Mailer == nil {
		return engine.Permanent(errs.E(errs.Rule, "email", "no outbound email relay is configured"))
	}
	// The subject and the files' names and types go into headers: checked
	// again as the message is made, so a value stored before these checks
	// existed fails this delivery (for good) rather than reach the relay.
	var sent notify.Sent
	sendErr := n.headersSafe()
	if sendErr == nil {
		doc := notify.Document{ID: d.ID, Subject: n.Email.Subject, Text: n.Body, Time: n.Email.RequestedAt}
		if doc.HTML, err = s.md.Document(n.Email.Subject, n.Body); err != nil {
			return engine.Permanent(fmt.Errorf("rendering notice %s as HTML: %w", n.ID, err))
		}
		for _, a := range n.Attachments {
			_, data, err := s.Store.Attachment(ctx, a.SHA256)
			if err != nil {
				return err
			}
			doc.Attachments = append(doc.Attachments, notify.File{Name: a.Name, ContentType: a.ContentType, Data: data})
		}
		sent, sendErr = s.Mailer.SendDocument(ctx, d.To, doc)
	}
	at := incident.Now(s.Now())
	final := sendErr == nil || !notify.Retryable(sendErr) || (!inline && attempt+1 >= maxAttempts)
	var fx Effects
	fx, err = s.change(ctx, incident.Viewer{User: n.Email.RequestedBy, SeeAll: true}, n.IncidentID, func(inc *incident.Incident, now time.Time) (Effects, []incident.Change, error) {
		cur, err := s.load(ctx, inc, noticeID)
		if err != nil {
			return Effects{}, nil, err
		}
		i, ok := cur.deliveryIndex(deliveryID)
		if !ok || cur.Email.Deliveries[i].State != DeliveryPending {
			return Effects{}, nil, nil
		}
		dd := &cur.Email.Deliveries[i]
		dd.Attempts++
		var changes []incident.Change
		switch {
		case sendErr == nil:
			dd.State, dd.MessageID, dd.Reply, dd.SentAt, dd.LastError = DeliverySent, sent.MessageID, sent.Reply, &at, ""
			dd.MessageSHA256, dd.MessageSize = sent.MessageSHA256, sent.MessageSize
			changes = append(changes, incident.Change{Type: incident.EvNoticeSent, OccurredAt: &at, Data: incident.NoticeSentData{
				Notice: cur.ID, Title: cur.Title, To: dd.To, MessageID: sent.MessageID, Reply: sent.Reply, SentAt: at,
				TextSHA256: cur.TextSHA256, Attachments: files(cur.Attachments), ContentSHA256: cur.ContentHash(), ApprovedBy: approver(&cur),
				MessageSHA256: sent.MessageSHA256, MessageSize: sent.MessageSize}})
		default:
			dd.LastError = sendErr.Error()
			if final {
				dd.State = DeliveryFailed
			}
		}
		fx := Effects{Notice: &cur}
		if final {
			fx.DoneJob = deliveryID
		}
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
	if fx.DoneJob != "" {
		engine.Completed(ctx)
	}
	s.afterFinal(ctx, &n, fx.Jobs)
	switch {
	case sendErr == nil:
		return nil
	case !notify.Retryable(sendErr):
		return engine.Permanent(sendErr)
	}
	return sendErr
}

// approver is who approved a notice as it stands; "" when no one did.
func approver(n *Notice) string {
	if n.approved() {
		return n.Approval.By
	}
	return ""
}

func (n *Notice) deliveryIndex(id string) (int, bool) {
	if n.Email == nil {
		return 0, false
	}
	for i, d := range n.Email.Deliveries {
		if d.ID == id {
			return i, true
		}
	}
	return 0, false
}

func (n *Notice) delivery(id string) (EmailDelivery, bool) {
	i, ok := n.deliveryIndex(id)
	if !ok {
		return EmailDelivery{}, false
	}
	return n.Email.Deliveries[i], true
}

// obligationJob is the job that marks the duty a final notice meets as
// submitted; none without a duty or without the obligation records.
func (s *Service) obligationJob(n *Notice) []engine.Job {
	if n.ObligationID == "" || s.Duties == nil || n.ObligationRecordedAt != nil {
		return nil
	}
	return []engine.Job{{ID: s.NewID(), Kind: JobObligation, RunAt: s.Now().Add(inlineGrace), Args: args(noticeArgs{Notice: n.ID})}}
}

// afterFinal marks the duty at once when the notice's commit wrote the
// job that does it; the job is the safety net.
func (s *Service) afterFinal(ctx context.Context, n *Notice, jobs []engine.Job) {
	for _, j := range jobs {
		if j.Kind != JobObligation {
			continue
		}
		if err := s.recordObligation(ctx, n.ID, j.ID); err != nil {
			s.Logger.WarnContext(ctx, "marking the duty submitted failed; its job retries", "notice", n.ID, "err", err)
			continue
		}
		if cur, err := s.Store.Notice(ctx, n.ID); err == nil {
			cur.Ref = n.Ref
			*n = cur
		}
	}
}

func (s *Service) handleObligation(ctx context.Context, j engine.Job) error {
	var a noticeArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	return s.recordObligation(ctx, a.Notice, j.ID)
}

// recordObligation tells the obligation records that the notice's duty
// was met, at the time the notice was given, and notes it on the notice.
func (s *Service) recordObligation(ctx context.Context, noticeID, jobID string) error {
	n, err := s.Store.Notice(ctx, noticeID)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return engine.Permanent(err)
		}
		return err
	}
	if n.ObligationID == "" || n.ObligationRecordedAt != nil || s.Duties == nil {
		return nil
	}
	at, by := n.givenAt()
	err = s.Duties.RecordSubmission(ctx, incident.Viewer{User: by, SeeAll: true}, n.IncidentID, n.ObligationID, n.Phase, at, n.ID)
	if err != nil && errs.CodeOf(err) != errs.Conflict {
		if errs.CodeOf(err) == errs.Invalid || errs.CodeOf(err) == errs.NotFound {
			return engine.Permanent(err)
		}
		return err
	}
	_, err = s.change(ctx, system, n.IncidentID, func(inc *incident.Incident, now time.Time) (Effects, []incident.Change, error) {
		cur, err := s.load(ctx, inc, noticeID)
		if err != nil {
			return Effects{}, nil, err
		}
		if cur.ObligationRecordedAt != nil {
			return Effects{DoneJob: jobID}, nil, nil
		}
		cur.ObligationRecordedAt, cur.Version = &now, cur.Version+1
		return Effects{Notice: &cur, DoneJob: jobID}, nil, nil
	})
	if err == nil {
		engine.Completed(ctx)
	}
	return err
}

// givenAt is when and by whom a final notice was given: its submission,
// or its first accepted email.
func (n *Notice) givenAt() (time.Time, string) {
	if n.Submission != nil {
		return n.Submission.At, n.Submission.RecordedBy
	}
	var at time.Time
	if n.Email != nil {
		for _, d := range n.Email.Deliveries {
			if d.SentAt != nil && (at.IsZero() || d.SentAt.Before(at)) {
				at = *d.SentAt
			}
		}
		return at, n.Email.RequestedBy
	}
	return at, n.CreatedBy
}

// Register attaches the job handlers of notices and updates to an engine.
func (s *Service) Register(e interface {
	Handle(kind string, h engine.Handler)
}) {
	e.Handle(JobSend, s.handleSend)
	e.Handle(JobObligation, s.handleObligation)
	e.Handle(JobUpdatesChanged, s.handleIncidentChanged)
	e.Handle(JobRemind, s.handleRemind)
	e.Handle(JobRemindUser, s.handleRemindUser)
	e.Handle(JobUpdateDeliver, s.handleUpdateDeliver)
}
