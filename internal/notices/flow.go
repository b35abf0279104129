package notices

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// DraftInput starts a notice: from a template (named, or the one written
// for the obligation, or the audience's), or from a title and body given.
type DraftInput struct {
	Template     string
	Audience     Audience
	ObligationID string
	Phase        string
	// Title and Body, when set, take the place of the template's.
	Title string
	Body  string
	// Recipients are the email addresses the notice is for (optional).
	Recipients []string
}

// Draft creates a notice as a draft and records it on the timeline.
func (s *Service) Draft(ctx context.Context, v incident.Viewer, ref string, in DraftInput) (Notice, error) {
	if in.Audience != "" && !in.Audience.Valid() {
		return Notice{}, errs.E(errs.Invalid, "audience", "%q is not one of regulator, customer, individuals, internal", in.Audience)
	}
	if in.Phase != "" && in.ObligationID == "" {
		return Notice{}, errs.E(errs.Invalid, "phase", "a phase needs its obligation_id")
	}
	rcpts, err := checkRecipients("recipients", in.Recipients)
	if err != nil {
		return Notice{}, err
	}
	inc, err := s.Incidents.Get(ctx, v, ref)
	if err != nil {
		return Notice{}, err
	}
	if in.ObligationID != "" && in.Phase == "" && s.Duties != nil {
		// The duty's first open phase: a template may be written for it.
		d, err := s.data(ctx, v, inc, in.ObligationID, "")
		if err != nil {
			return Notice{}, err
		}
		in.Phase = d.Phase
	}
	t, err := s.pick(ctx, in)
	if err != nil {
		return Notice{}, err
	}
	audience := in.Audience
	if audience == "" && t != nil {
		audience = t.Audience
	}
	if audience == "" {
		if in.ObligationID == "" {
			return Notice{}, errs.E(errs.Invalid, "audience", "name an audience (regulator, customer, individuals, internal), a template or an obligation")
		}
		audience = Regulator
	}
	title, body := in.Title, in.Body
	if t != nil && (title == "" || body == "") {
		d, err := s.data(ctx, v, inc, in.ObligationID, in.Phase)
		if err != nil {
			return Notice{}, err
		}
		if in.Phase == "" {
			in.Phase = d.Phase
		}
		tt, tb, err := t.Render(d)
		if err != nil {
			return Notice{}, errs.E(errs.Invalid, "template", "template %s: %s", t.Name, err.Error())
		}
		title, body = first(title, tt), first(body, tb)
	}
	if err := checkText(title, body); err != nil {
		return Notice{}, err
	}
	n := Notice{ID: s.NewID(), IncidentID: inc.ID, Ref: inc.Ref, Audience: audience, ObligationID: in.ObligationID, Phase: in.Phase,
		Status: Draft, Version: 1, CreatedBy: v.User, Attachments: []NoticeAttachment{}, Recipients: rcpts}
	if t != nil {
		n.Template = t.Name
	}
	_, err = s.change(ctx, v, inc.ID, func(inc *incident.Incident, now time.Time) (Effects, []incident.Change, error) {
		n.CreatedAt, n.Editors = now, nil
		n.setText(title, body, v.User, now)
		return Effects{Notice: &n}, []incident.Change{{Type: incident.EvNoticeDrafted, Data: NoticeDraftedData{
			Notice: n.ID, Title: n.Title, Audience: string(n.Audience), ObligationID: n.ObligationID, Phase: n.Phase, Template: n.Template}}}, nil
	})
	s.derive(&n)
	return n, err
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// pick finds the template a draft starts from; nil when the draft gives
// its own title and body.
func (s *Service) pick(ctx context.Context, in DraftInput) (*Template, error) {
	if in.Template != "" {
		t, err := s.Template(ctx, in.Template)
		if err != nil {
			return nil, errs.E(errs.Invalid, "template", "no notice template %q", in.Template)
		}
		return &t, nil
	}
	if in.Title != "" && in.Body != "" {
		return nil, nil
	}
	all, err := s.Templates(ctx)
	if err != nil {
		return nil, err
	}
	// A template written for the phase comes before one for the whole
	// obligation.
	for _, exact := range []bool{true, false} {
		for _, t := range all {
			if t.matches(in.ObligationID, in.Phase) && (t.Phase != "") == exact && (in.Audience == "" || t.Audience == in.Audience) {
				return &t, nil
			}
		}
	}
	want := in.Audience
	if want == "" && in.ObligationID != "" {
		want = Regulator
	}
	for _, t := range all {
		if t.Name == string(want) {
			return &t, nil
		}
	}
	return nil, nil
}

// data gathers what a template sees.
func (s *Service) data(ctx context.Context, v incident.Viewer, inc incident.Incident, obligationID, phase string) (*Data, error) {
	d := &Data{Incident: inc, Organization: s.Config.Organization, Now: s.Now().UTC(), Phase: phase}
	d.Obligation = comms.Item{ObligationID: obligationID, Phase: phase}
	if s.Duties == nil {
		return d, nil
	}
	org, err := s.Duties.Organization(ctx)
	if err != nil {
		return nil, err
	}
	d.Organization.Organization = org
	if d.Facts, err = s.Duties.Facts(ctx, v, inc.ID); err != nil {
		return nil, err
	}
	if obligationID != "" {
		items, err := s.Duties.Items(ctx, v, inc.ID)
		if err != nil {
			return nil, err
		}
		// Without a phase named: the duty's first phase still open, or
		// else its first.
		found := false
		for _, open := range []bool{true, false} {
			for _, it := range items {
				met := it.Status == comms.Submitted || it.Status == comms.Waived
				if !found && it.ObligationID == obligationID && (phase == "" && (!open || !met) || it.Phase == phase) {
					d.Obligation, d.Phase, found = it, it.Phase, true
				}
			}
		}
		if d.Previous, err = s.previous(ctx, inc, items, obligationID, d.Phase); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// previous finds the first notification of a duty given before the
// phase drafted now: the earliest final notice for another phase of the
// obligation, or else the earliest submission recorded for one.
func (s *Service) previous(ctx context.Context, inc incident.Incident, items []comms.Item, obligationID, phase string) (*Previous, error) {
	ns, err := s.Store.Notices(ctx, inc.ID)
	if err != nil {
		return nil, err
	}
	var out *Previous
	for _, n := range ns {
		if n.ObligationID != obligationID || n.Phase == phase || !n.Status.Final() || n.Status == Failed {
			continue
		}
		at, _ := n.givenAt()
		p := &Previous{Title: n.Title, At: at, Phase: n.Phase}
		if n.Submission != nil {
			p.Recipient, p.Reference = n.Submission.Recipient, n.Submission.Reference
		} else if n.Email != nil {
			p.Recipient = strings.Join(n.Recipients, ", ")
		}
		if out == nil || p.At.Before(out.At) {
			out = p
		}
	}
	if out != nil {
		return out, nil
	}
	for _, it := range items {
		if it.ObligationID == obligationID && it.Phase != phase && it.Record != nil && it.Record.Kind == comms.RecordSubmitted {
			if out == nil || it.Record.At.Before(out.At) {
				out = &Previous{At: it.Record.At, Recipient: it.Recipient, Phase: it.Phase}
			}
		}
	}
	return out, nil
}

// Get returns one of an incident's notices.
func (s *Service) Get(ctx context.Context, v incident.Viewer, ref, id string) (Notice, error) {
	inc, err := s.Incidents.Get(ctx, v, ref)
	if err != nil {
		return Notice{}, err
	}
	return s.load(ctx, &inc, id)
}

func (s *Service) load(ctx context.Context, inc *incident.Incident, id string) (Notice, error) {
	n, err := s.Store.Notice(ctx, id)
	if err != nil {
		return Notice{}, err
	}
	if n.IncidentID != inc.ID {
		return Notice{}, errs.E(errs.NotFound, "id", "%s has no notice %s", inc.Ref, id)
	}
	n.Ref = inc.Ref
	s.derive(&n)
	return n, nil
}

// derive fills in what a stored notice does not keep, or kept before it
// existed: its content hash, an empty recipient list, the parts still to
// be written and whether it needs an approval.
func (s *Service) derive(n *Notice) {
	if n.Recipients == nil {
		n.Recipients = []string{}
	}
	n.ContentSHA256 = n.ContentHash()
	n.Placeholders = Placeholders(n.Title, n.Body)
	n.ApprovalRequired = s.Config.ApprovalRequired(n.Audience)
}

// ready checks that a notice may go (doing: "sent", "submitted"): every
// part written, an approval that still covers it, and one at all where
// its audience needs it.
func (s *Service) ready(n *Notice, doing string) error {
	if err := n.checkWritten(doing); err != nil {
		return err
	}
	if err := n.checkApproval(); err != nil {
		return err
	}
	if s.Config.ApprovalRequired(n.Audience) && !n.approved() {
		return errs.E(errs.Rule, "approval", "a notice to %s must be approved by a second person before it is %s (notices.approval in the policy file); have someone who did not write it approve it",
			audienceWords(n.Audience), doing)
	}
	return nil
}

func audienceWords(a Audience) string {
	switch a {
	case Regulator:
		return "a regulator"
	case Customer:
		return "customers"
	case Individuals:
		return "individuals"
	}
	return "staff"
}

// List returns an incident's notices, oldest first.
func (s *Service) List(ctx context.Context, v incident.Viewer, ref string) ([]Notice, error) {
	inc, err := s.Incidents.Get(ctx, v, ref)
	if err != nil {
		return nil, err
	}
	ns, err := s.Store.Notices(ctx, inc.ID)
	for i := range ns {
		ns[i].Ref = inc.Ref
		s.derive(&ns[i])
	}
	return ns, err
}

// EditInput changes a draft; nil fields keep their value.
type EditInput struct {
	Title    *string
	Body     *string
	Audience *Audience
	// Recipients, when set, replace the email addresses the notice is for.
	Recipients *[]string
	// Version, when set, is the notice version the edit is based on: a
	// newer notice is a conflict rather than an overwrite.
	Version *int64
}

// Edit changes a notice's title, text, audience or recipients until it is
// submitted or sent. Each change is an event on the timeline, and a
// change to anything an approval covers withdraws the approval (an event
// too).
func (s *Service) Edit(ctx context.Context, v incident.Viewer, ref, id string, in EditInput) (Notice, error) {
	if in.Audience != nil && !in.Audience.Valid() {
		return Notice{}, errs.E(errs.Invalid, "audience", "%q is not one of regulator, customer, individuals, internal", *in.Audience)
	}
	var rcpts []string
	if in.Recipients != nil {
		var err error
		if rcpts, err = checkRecipients("recipients", *in.Recipients); err != nil {
			return Notice{}, err
		}
	}
	var out Notice
	_, err := s.change(ctx, v, ref, func(inc *incident.Incident, now time.Time) (Effects, []incident.Change, error) {
		n, err := s.load(ctx, inc, id)
		if err != nil {
			return Effects{}, nil, err
		}
		if err := n.editable(); err != nil {
			return Effects{}, nil, err
		}
		if in.Version != nil && *in.Version != n.Version {
			return Effects{}, nil, errs.E(errs.Precondition, "version", "notice %s changed since you loaded it: it is at version %d; reload and try again", n.ID, n.Version)
		}
		title, body := n.Title, n.Body
		if in.Title != nil {
			title = *in.Title
		}
		if in.Body != nil {
			body = *in.Body
		}
		if err := checkText(title, body); err != nil {
			return Effects{}, nil, err
		}
		was := n
		was.Recipients = slices.Clone(n.Recipients)
		if in.Audience != nil {
			n.Audience = *in.Audience
		}
		if in.Recipients != nil {
			n.Recipients = rcpts
		}
		n.setText(title, body, v.User, now)
		n.Version++
		var changed []string
		if n.Title != was.Title {
			changed = append(changed, "title")
		}
		if n.Body != was.Body {
			changed = append(changed, "body")
		}
		if n.Audience != was.Audience {
			changed = append(changed, "audience")
		}
		if !sameRecipients(n.Recipients, was.Recipients) {
			changed = append(changed, "recipients")
		}
		out = n
		if len(changed) == 0 {
			return Effects{Notice: &n}, nil, nil
		}
		ed := NoticeEditedData{Notice: n.ID, Title: n.Title, Changed: changed, TextSHA256: n.TextSHA256, ContentSHA256: n.ContentSHA256}
		if slices.Contains(changed, "title") {
			ed.PreviousTitle = was.Title
		}
		if slices.Contains(changed, "audience") {
			ed.Audience = string(n.Audience)
		}
		if slices.Contains(changed, "recipients") {
			ed.Recipients = n.Recipients
		}
		changes := []incident.Change{{Type: incident.EvNoticeEdited, Data: ed}}
		if w := n.withdraw(changed); w != nil {
			changes = append(changes, *w)
		}
		out = n
		return Effects{Notice: &n}, changes, nil
	})
	s.derive(&out)
	return out, err
}

// sameRecipients compares two recipient lists as sets, ignoring case.
func sameRecipients(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !containsFold(b, x) {
			return false
		}
	}
	return true
}

// Approve records a second person's approval of the notice as it stands:
// title, body, audience, recipients and attachments, by their hash.
// Whoever wrote or changed any of it may not approve it. contentSHA256,
// like textSHA256, names what the reviewer saw when set.
func (s *Service) Approve(ctx context.Context, v incident.Viewer, ref, id, textSHA256, contentSHA256, note string) (Notice, error) {
	var out Notice
	_, err := s.change(ctx, v, ref, func(inc *incident.Incident, now time.Time) (Effects, []incident.Change, error) {
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
		if err := n.checkWritten("approved"); err != nil {
			return Effects{}, nil, err
		}
		content := n.ContentHash()
		if contentSHA256 != "" && !strings.EqualFold(contentSHA256, content) {
			return Effects{}, nil, errs.E(errs.Conflict, "content_sha256", "the notice changed since you read it (its title, text, audience, recipients or attachments; now content SHA-256 %s); reload and check it", content)
		}
		if slices.Contains(n.Editors, v.User) {
			return Effects{}, nil, errs.E(errs.Rule, "approval", "a second person must approve: %s wrote this text", v.User)
		}
		n.ContentSHA256 = content
		n.Approval = &Approval{By: v.User, At: now, TextSHA256: n.TextSHA256, ContentSHA256: content, Note: strings.TrimSpace(note)}
		n.Status, n.Version = Approved, n.Version+1
		out = n
		return Effects{Notice: &n}, []incident.Change{{Type: incident.EvNoticeApproved, Data: NoticeApprovedData{
			Notice: n.ID, Title: n.Title, TextSHA256: n.TextSHA256, ContentSHA256: content, Audience: string(n.Audience),
			Recipients: n.Recipients, Attachments: files(n.Attachments), Note: n.Approval.Note}}}, nil
	})
	s.derive(&out)
	return out, err
}

// sameText checks, when the client names the text it saw, that it is the
// one stored.
func (n *Notice) sameText(sha string) error {
	if sha != "" && !strings.EqualFold(sha, n.TextSHA256) {
		return errs.E(errs.Conflict, "text_sha256", "the notice text changed since you read it (now SHA-256 %s); reload and check it", n.TextSHA256)
	}
	return nil
}

// SubmitInput records a notice given outside Firebreak.
type SubmitInput struct {
	Recipient string
	Channel   Channel
	// At is when it was given; now when nil. It may not be in the future.
	At        *time.Time
	Reference string
	// TextSHA256, when set, must be the current text's: the person
	// records what they read.
	TextSHA256 string
}

// clockSkew is how far in the future a submission time may be: clocks of
// browsers and servers differ a little.
const clockSkew = 5 * time.Minute

// Submit records the notice as submitted: its text becomes final, the
// timeline gets the exact text with its SHA-256 and the attachments',
// and the duty it meets is marked submitted (which starts the clocks of
// the phases anchored on it).
func (s *Service) Submit(ctx context.Context, v incident.Viewer, ref, id string, in SubmitInput) (Notice, error) {
	in.Recipient = strings.TrimSpace(in.Recipient)
	in.Reference = strings.TrimSpace(in.Reference)
	switch {
	case in.Recipient == "" || len(in.Recipient) > 300:
		return Notice{}, errs.E(errs.Invalid, "recipient", "name who received the notice (1–300 bytes)")
	case !in.Channel.Valid():
		return Notice{}, errs.E(errs.Invalid, "channel", "%q is not one of regulator_portal, email, letter, phone, other", in.Channel)
	case len(in.Reference) > 300:
		return Notice{}, errs.E(errs.Invalid, "reference", "at most 300 bytes")
	}
	if err := oneLine("recipient", in.Recipient); err != nil {
		return Notice{}, err
	}
	if err := oneLine("reference", in.Reference); err != nil {
		return Notice{}, err
	}
	var out Notice
	fx, err := s.change(ctx, v, ref, func(inc *incident.Incident, now time.Time) (Effects, []incident.Change, error) {
		n, err := s.load(ctx, inc, id)
		if err != nil {
			return Effects{}, nil, err
		}
		if err := n.editable(); err != nil {
			return Effects{}, nil, err
		}
		if err := n.sameText(in.TextSHA256); err != nil {
			return Effects{}, nil, err
		}
		at := now
		if in.At != nil {
			at = incident.Now(*in.At)
		}
		if at.After(now.Add(clockSkew)) {
			return Effects{}, nil, errs.E(errs.Invalid, "submitted_at", "%s is in the future", at.Format(time.RFC3339))
		}
		if err := s.ready(&n, "submitted"); err != nil {
			return Effects{}, nil, err
		}
		n.Status, n.FinalAt, n.Version = Submitted, &now, n.Version+1
		n.Submission = &NoticeSubmission{Recipient: in.Recipient, Channel: in.Channel, At: at, Reference: in.Reference,
			RecordedBy: v.User, RecordedAt: now, TextSHA256: n.TextSHA256}
		d := NoticeSubmittedData{Notice: n.ID, Title: n.Title, Audience: string(n.Audience), ObligationID: n.ObligationID, Phase: n.Phase,
			Recipient: in.Recipient, Channel: string(in.Channel), Reference: in.Reference, SubmittedAt: at, Text: n.Body,
			TextSHA256: n.TextSHA256, Attachments: files(n.Attachments), ContentSHA256: n.ContentHash()}
		if n.approved() {
			d.ApprovedBy = n.Approval.By
		}
		fx := Effects{Notice: &n}
		fx.Jobs = s.obligationJob(&n)
		out = n
		return fx, []incident.Change{{Type: incident.EvNoticeSubmitted, Data: d, OccurredAt: &at}}, nil
	})
	if err != nil {
		return Notice{}, err
	}
	s.afterFinal(ctx, &out, fx.Jobs)
	s.derive(&out)
	return out, nil
}

func files(as []NoticeAttachment) []NoticeFile {
	var out []NoticeFile
	for _, a := range as {
		out = append(out, NoticeFile{Name: a.Name, SHA256: a.SHA256, Size: a.Size})
	}
	return out
}

// DutyItems lists the incident's dated duties (to draft a notice for one);
// none without the obligation records.
func (s *Service) DutyItems(ctx context.Context, v incident.Viewer, ref string) ([]comms.Item, error) {
	if s.Duties == nil {
		return nil, nil
	}
	return s.Duties.Items(ctx, v, ref)
}
