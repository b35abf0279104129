package triage

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/intake"
)

// MailKind is what mail to a mailbox becomes.
type MailKind string

const (
	MailReport MailKind = "report" // an external report, like the public form's
	MailAlert  MailKind = "alert"  // an alert, through the alert pipeline
)

// Mailboxes are the addresses Firebreak accepts mail for. An entry is a
// full address ("security@example.org") or a local part with "@"
// ("security@"), which matches it at any domain; case does not matter.
type Mailboxes struct {
	Reports []string
	Alerts  []string
}

// Kind returns what mail to addr becomes, and false for an address that is
// not a mailbox here.
func (m Mailboxes) Kind(addr string) (MailKind, bool) {
	addr = strings.ToLower(strings.Trim(strings.TrimSpace(addr), "<>"))
	local, _, ok := strings.Cut(addr, "@")
	if !ok || local == "" {
		return "", false
	}
	for _, l := range []struct {
		kind  MailKind
		boxes []string
	}{{MailReport, m.Reports}, {MailAlert, m.Alerts}} {
		for _, b := range l.boxes {
			b = strings.ToLower(strings.TrimSpace(b))
			if b == addr || (strings.HasSuffix(b, "@") && b == local+"@") {
				return l.kind, true
			}
		}
	}
	return "", false
}

// Validate checks that every mailbox is an address or a local part with "@".
func (m Mailboxes) Validate() error {
	for _, b := range append(append([]string{}, m.Reports...), m.Alerts...) {
		b = strings.TrimSpace(b)
		local, domain, ok := strings.Cut(b, "@")
		if _, err := mail.ParseAddress(b); !ok || local == "" || (domain != "" && err != nil) || strings.ContainsAny(local, " <>,") {
			return errs.E(errs.Invalid, "mailbox", "%q is not a mailbox: use an address such as security@example.org, or security@ for any domain", b)
		}
	}
	return nil
}

// ReceiveEmail files a message sent to the mailbox to: for MailReport an
// external report (reporter from From, title from Subject, description
// from the body, every attachment and the raw message stored by SHA-256),
// for MailAlert an alert through the pipeline, grouped by subject. It
// returns the report's reference or the alert group's ID once committed.
func (s *Service) ReceiveEmail(ctx context.Context, to string, kind MailKind, msg intake.Email) (string, error) {
	now := incident.Now(s.now())
	raw, err := s.putFile(ctx, File{Name: "message.eml", ContentType: "message/rfc822", Data: msg.Raw}, now)
	if err != nil {
		return "", fmt.Errorf("store the message: %w", err)
	}
	ann := map[string]string{"received_via": "email to " + to, "message_sha256": raw.SHA256, "message_size": fmt.Sprint(raw.Size)}
	if msg.MessageID != "" {
		ann["message_id"] = msg.MessageID
	}
	files := make([]File, 0, len(msg.Attachments))
	for _, a := range msg.Attachments {
		files = append(files, File{Name: a.Name, ContentType: a.ContentType, Data: a.Data})
	}
	text := msg.Text
	if msg.TextTruncated {
		text += "\n\n[cut: the whole message is kept as message.eml]"
	}
	for _, n := range msg.Notes { // what the parser could not read exactly, beside the text it concerns
		text += "\n\n[" + n + "]"
	}
	switch kind {
	case MailReport:
		return s.emailReport(ctx, msg, text, files, ann)
	case MailAlert:
		return s.emailAlert(ctx, to, msg, text, files, ann, now)
	}
	return "", errs.E(errs.Invalid, "to", "%s is not a mailbox here", to)
}

func (s *Service) emailReport(ctx context.Context, msg intake.Email, text string, files []File, ann map[string]string) (string, error) {
	in := ReportInput{Name: cut(msg.FromName, 200), Title: cut(msg.Subject, 200), Files: files, Annotations: ann}
	if in.Title == "" {
		in.Title = "(no subject)"
	}
	if a, err := mail.ParseAddress(msg.FromAddress); err == nil && a.Address == msg.FromAddress && len(a.Address) <= 254 {
		in.Contact = a.Address
	} else if msg.FromAddress != "" {
		ann["from"] = cut(msg.FromAddress, 254) // kept, but not offered as a contact
	}
	const maxDescription = 20000
	if len(text) > maxDescription {
		text = cut(text, maxDescription-60) + "\n\n[cut: the whole message is kept as message.eml]"
	}
	in.Description = text
	// The SMTP listener bounds the message, so an attachment may be larger
	// than the form's.
	return s.report(ctx, in, intake.DefaultEmailLimits.MaxPart)
}

func (s *Service) emailAlert(ctx context.Context, to string, msg intake.Email, text string, files []File, ann map[string]string, now time.Time) (string, error) {
	if len(files) > MaxFiles {
		return "", errs.E(errs.Invalid, "attachment", "at most %d attachments", MaxFiles)
	}
	for i, f := range files {
		a, err := s.putFile(ctx, f, now)
		if err != nil {
			return "", err
		}
		key := "attachment"
		if i > 0 {
			key = fmt.Sprintf("attachment_%d", i+1)
		}
		ann[key], ann[key+"_sha256"], ann[key+"_size"] = a.Name, a.SHA256, fmt.Sprint(a.Size)
	}
	subject := cut(msg.Subject, intake.MaxLabelValue)
	if subject == "" {
		subject = "(no subject)"
	}
	mailbox := strings.ToLower(to)
	labels := map[string]string{"alertname": subject, "mailbox": mailbox}
	if msg.FromAddress != "" {
		labels["from"] = cut(strings.ToLower(msg.FromAddress), intake.MaxLabelValue)
	}
	if msg.FromName != "" {
		ann["from_name"] = msg.FromName
	}
	start := now
	if !msg.Date.IsZero() && !msg.Date.After(now.Add(5*time.Minute)) && msg.Date.After(now.Add(-7*24*time.Hour)) {
		start = incident.Now(msg.Date) // the sender's clock, when it is plausible
	}
	a := alert.Alert{Source: alert.SourceEmail, Integration: mailbox, Status: alert.StatusFiring, Summary: subject,
		Details: cut(text, intake.MaxDetails), Labels: labels, Annotations: ann, StartsAt: start, ReceivedAt: now}
	local, _, _ := strings.Cut(mailbox, "@")
	route := &alert.Route{Service: local, GroupBy: []string{"alertname"}}
	pipeline := alert.NewPipeline(route)
	outcomes, err := s.store.Ingest(ctx,
		func(st alert.State) ([]alert.Outcome, error) { return pipeline.Process(ctx, st, now, []alert.Alert{a}) },
		func(g alert.Group, o alert.Outcome) Entry {
			return Entry{Group: g, Status: New, Source: alert.SourceEmail, Integration: mailbox, Rank: 5,
				Annotations: o.Alert.Annotations, UpdatedAt: now}
		}, nil)
	if err != nil {
		return "", fmt.Errorf("ingest email alert: %w", err)
	}
	s.metrics.ingested(alert.SourceEmail, 1, outcomes)
	it := Integration{Name: mailbox, Kind: alert.SourceEmail}
	for _, o := range outcomes {
		if o.Kind == alert.IncidentTimeline {
			s.toTimeline(ctx, it, o)
		}
	}
	if len(outcomes) == 0 {
		return "", nil
	}
	return outcomes[0].Group.ID, nil
}

// cut shortens s to at most n bytes without splitting a character.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n]
}
