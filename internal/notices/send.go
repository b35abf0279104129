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
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// JobObligation marks the duty a final notice meets as submitted. (A
// notice's emails are outbox deliveries of kind notice_email.)
const JobObligation = "notices.obligation"

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
// email is an outbox delivery that retries, and each accepted one is
// recorded on the timeline with its Message-ID, the relay's reply and the
// time. The first few are sent before Send returns.
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
	var inline []string
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
		// One delivery per recipient. The first few are sent before Send
		// returns, their jobs the safety net; the others' jobs send them
		// at once.
		var ds []outbox.Delivery
		for _, r := range rcpts {
			ds = append(ds, outbox.Delivery{ID: s.NewID(), Kind: KindNoticeEmail, Subject: outbox.Subject{Kind: SubjectNotice, ID: n.ID, Incident: inc.ID},
				Target: notify.Target{Kind: notify.KindEmail, Address: r}, CreatedAt: now})
		}
		inline = nil
		fx := Effects{Notice: &n, Outbox: s.planNow(now, ds[:min(maxInline, len(ds))]...)}
		fx.Outbox.Add(outbox.Plan(now, ds[min(maxInline, len(ds)):]...))
		for _, d := range ds[:min(maxInline, len(ds))] {
			inline = append(inline, d.ID)
		}
		out = n
		return fx, nil, nil
	})
	if err != nil {
		return Notice{}, err
	}
	s.sendNow(ctx, inline)
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

// system acts for jobs: they were authorised when written.
var system = incident.Viewer{User: "firebreak", SeeAll: true}

// approver is who approved a notice as it stands; "" when no one did.
func approver(n *Notice) string {
	if n.approved() {
		return n.Approval.By
	}
	return ""
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

// Register attaches the job handlers of notices and updates to an engine;
// their messages are the outbox's (UseOutbox).
func (s *Service) Register(e interface {
	Handle(kind string, h engine.Handler)
}) {
	e.Handle(JobObligation, s.handleObligation)
	e.Handle(JobUpdatesChanged, s.handleIncidentChanged)
	e.Handle(JobRemind, s.handleRemind)
}
