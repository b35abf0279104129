// Package notices keeps the proof of what an incident's people were told:
// notices to regulators, customers, individuals and staff drafted from
// templates, reviewed, then recorded as submitted (portal, letter, phone…)
// or sent by email with every delivery recorded; the notification dossier
// that gathers it all; and stakeholder updates on a cadence per severity,
// with reminders and subscribed channels. Every step is an event on the
// incident's hash-chained timeline, written in the same transaction as
// the record it describes.
package notices

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
)

// Audience is who a notice is for.
type Audience string

const (
	Regulator   Audience = "regulator"
	Customer    Audience = "customer"
	Individuals Audience = "individuals" // affected data subjects
	Internal    Audience = "internal"
)

// Audiences lists every audience.
var Audiences = []Audience{Regulator, Customer, Individuals, Internal}

// Valid reports whether a is a known audience.
func (a Audience) Valid() bool { return slices.Contains(Audiences, a) }

// Channel is how a submitted notice was given.
type Channel string

const (
	RegulatorPortal Channel = "regulator_portal"
	ByEmail         Channel = "email"
	Letter          Channel = "letter"
	Phone           Channel = "phone"
	OtherChannel    Channel = "other"
)

// Channels lists every channel.
var Channels = []Channel{RegulatorPortal, ByEmail, Letter, Phone, OtherChannel}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return slices.Contains(Channels, c) }

// Status is where a notice stands.
type Status string

const (
	Draft     Status = "draft"
	Approved  Status = "approved"  // a second person approved this exact text
	Submitted Status = "submitted" // recorded as given by hand; final
	Sending   Status = "sending"   // being emailed; the text is final
	Sent      Status = "sent"      // every email delivery settled, at least one accepted
	Failed    Status = "failed"    // every email delivery failed
)

// Final reports whether the notice's text may no longer change.
func (s Status) Final() bool { return s != Draft && s != Approved }

// Notice is one notice and everything done with it.
type Notice struct {
	ID         string   `json:"id"`
	IncidentID string   `json:"incident_id"`
	Ref        string   `json:"ref"`
	Audience   Audience `json:"audience"`
	// ObligationID and Phase name the duty the notice meets, if any.
	ObligationID string `json:"obligation_id,omitempty"`
	Phase        string `json:"phase,omitempty"`
	Template     string `json:"template,omitempty"`
	Title        string `json:"title"`
	// Body is Markdown; lines end in \n. Once the notice is submitted or
	// sent it is the exact final text, and TextSHA256 its hash.
	Body       string `json:"body"`
	TextSHA256 string `json:"text_sha256"`
	// Recipients are the email addresses the notice is for: sending
	// without naming recipients sends to them, and an approval covers them.
	Recipients []string `json:"recipients"`
	// ContentSHA256 is the hash of everything an approval covers: title,
	// body, audience, recipients and the attachments' SHA-256 (ContentHash).
	ContentSHA256 string    `json:"content_sha256"`
	Status        Status    `json:"status"`
	Version       int64     `json:"version"`
	CreatedBy     string    `json:"created_by"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedBy     string    `json:"updated_by"`
	UpdatedAt     time.Time `json:"updated_at"`
	// Editors are everyone who wrote the text; none of them may approve it.
	Editors     []string           `json:"editors"`
	Approval    *Approval          `json:"approval,omitempty"`
	Attachments []NoticeAttachment `json:"attachments"`
	Submission  *NoticeSubmission  `json:"submission,omitempty"`
	Email       *Email             `json:"email,omitempty"`
	// FinalAt is when the text became final (submitted, or sent).
	FinalAt *time.Time `json:"final_at,omitempty"`
	// ObligationRecordedAt is when the duty was marked submitted with the
	// obligation records; nil while that is pending or when there is none.
	ObligationRecordedAt *time.Time `json:"obligation_recorded_at,omitempty"`
	// Placeholders are the parts a person must still write ([[…]]
	// markers) with their lines; a notice holding any cannot be approved,
	// submitted or sent. Worked out from the text when it is read.
	Placeholders []Placeholder `json:"placeholders"`
	// ApprovalRequired says whether a second person must approve the
	// notice before it is sent or submitted (the policy file's
	// notices.approval for its audience). Worked out when it is read.
	ApprovalRequired bool `json:"approval_required"`
}

// Placeholder is a part of a notice a person must still write: a [[…]]
// marker that a template left (by hand, or with {{todo "…"}}).
type Placeholder struct {
	Field string `json:"field"` // title or body
	Line  int    `json:"line"`  // from 1
	Text  string `json:"text"`  // the marker, brackets included
}

// placeholderRE is a marker: [[ and ]] on one line.
var placeholderRE = regexp.MustCompile(`\[\[[^\n]*?\]\]`)

// Placeholders finds the [[…]] markers in a title and a body.
func Placeholders(title, body string) []Placeholder {
	out := []Placeholder{}
	for _, f := range []struct{ name, text string }{{"title", title}, {"body", body}} {
		for i, line := range strings.Split(f.text, "\n") {
			for _, m := range placeholderRE.FindAllString(line, -1) {
				out = append(out, Placeholder{Field: f.name, Line: i + 1, Text: m})
			}
		}
	}
	return out
}

// checkWritten refuses a notice that still holds placeholders, naming
// each with its line; doing says what was refused ("sent").
func (n *Notice) checkWritten(doing string) error {
	ps := Placeholders(n.Title, n.Body)
	if len(ps) == 0 {
		return nil
	}
	e := &errs.Error{Code: errs.Rule}
	for _, p := range ps {
		e.Details = append(e.Details, errs.Detail{Field: p.Field,
			Message: fmt.Sprintf("line %d: %s is still to be written; replace it with the text before the notice is %s", p.Line, p.Text, doing)})
	}
	e.Field, e.Message = e.Details[0].Field, e.Details[0].Message
	if len(ps) > 1 {
		e.Message = fmt.Sprintf("notice %s still holds %d parts to be written (%s line %d first); replace each before it is %s", n.ID, len(ps), ps[0].Field, ps[0].Line, doing)
	}
	return e
}

// Approval is a second person's review of one exact notice: its title,
// body, audience, recipients and attachments, whose hash ContentSHA256 is.
// Any change to those withdraws it.
type Approval struct {
	By            string    `json:"by"`
	At            time.Time `json:"at"`
	TextSHA256    string    `json:"text_sha256"`
	ContentSHA256 string    `json:"content_sha256"`
	Note          string    `json:"note,omitempty"`
}

// NoticeAttachment is a file that goes with a notice, kept by its SHA-256.
type NoticeAttachment struct {
	SHA256      string    `json:"sha256"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	AddedBy     string    `json:"added_by"`
	AddedAt     time.Time `json:"added_at"`
}

// NoticeSubmission records a notice given outside Firebreak.
type NoticeSubmission struct {
	Recipient string  `json:"recipient"`
	Channel   Channel `json:"channel"`
	// At is when the notice was given, in the world.
	At         time.Time `json:"at"`
	Reference  string    `json:"reference,omitempty"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
	TextSHA256 string    `json:"text_sha256"`
}

// Email records a notice sent by email: one delivery per recipient, so
// no recipient sees another's address.
type Email struct {
	Subject     string    `json:"subject"`
	From        string    `json:"from"`
	RequestedBy string    `json:"requested_by"`
	RequestedAt time.Time `json:"requested_at"`
	TextSHA256  string    `json:"text_sha256"`
	// Deliveries are the outbox's deliveries of the emails (kind
	// notice_email), filled in when the notice is read; not stored with it.
	Deliveries []EmailDelivery `json:"deliveries"`
	// Recorded are the deliveries the notice took in once settled (an
	// accepted one's notice.sent event is written with it), so each is
	// recorded once however often the outbox says it settled.
	Recorded    []string   `json:"recorded,omitempty"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
}

// DeliveryState is where one email stands.
type DeliveryState string

const (
	DeliveryPending DeliveryState = "pending"
	DeliverySent    DeliveryState = "sent"
	DeliveryFailed  DeliveryState = "failed"
	DeliverySkipped DeliveryState = "skipped" // no longer wanted (a removed subscription)
)

// EmailDelivery is one email of a notice to one recipient.
type EmailDelivery struct {
	ID       string        `json:"id"`
	To       string        `json:"to"`
	State    DeliveryState `json:"state"`
	Attempts int           `json:"attempts"`
	// LastError is the last failure, redacted.
	LastError string `json:"last_error,omitempty"`
	// MessageID is the Message-ID header (without angle brackets); Reply is
	// the relay's answer to the message.
	MessageID string     `json:"message_id,omitempty"`
	Reply     string     `json:"reply,omitempty"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	// MessageSHA256 is the SHA-256 of the exact MIME message handed to the
	// relay — the text, its HTML rendering and the files, with every
	// header — and MessageSize its length: what arrived can be checked
	// against it byte for byte.
	MessageSHA256 string `json:"message_sha256,omitempty"`
	MessageSize   int    `json:"message_size,omitempty"`
}

// Hash returns the hex SHA-256 of text.
func Hash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// normalise makes line ends \n (browsers send \r\n) so a text hashes the
// same whichever way it arrived.
func normalise(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	return strings.ReplaceAll(text, "\r", "\n")
}

const (
	maxTitle       = 300
	maxBody        = 256 << 10
	maxRecipients  = 100
	maxAttachments = 20
	// MaxAttachmentBytes bounds one file.
	MaxAttachmentBytes = 10 << 20
)

func checkText(title, body string) error {
	switch {
	case strings.TrimSpace(title) == "":
		return errs.E(errs.Invalid, "title", "a notice needs a title")
	case len(title) > maxTitle:
		return errs.E(errs.Invalid, "title", "at most %d bytes", maxTitle)
	case len(body) > maxBody:
		return errs.E(errs.Invalid, "body", "at most %d bytes", maxBody)
	}
	// The title is the email's subject.
	return oneLine("title", title)
}

// oneLine refuses a value that reaches a mail header (or a record read as
// one line) with a line break or another control character in it.
func oneLine(field, v string) error {
	if err := notify.HeaderText(v); err != nil {
		return errs.E(errs.Invalid, field, "must be one line of text: it %s", err.Error())
	}
	return nil
}

// checkRecipients checks and de-duplicates email recipients (a comma
// may separate several in one entry).
func checkRecipients(field string, to []string) ([]string, error) {
	rcpts := []string{}
	for _, a := range to {
		for part := range strings.SplitSeq(a, ",") {
			part = strings.TrimSpace(part)
			if part == "" || containsFold(rcpts, part) {
				continue
			}
			if err := oneLine(field, part); err != nil {
				return nil, err
			}
			if err := (notify.Target{Kind: notify.KindEmail, Address: part}).Validate(); err != nil {
				return nil, errs.E(errs.Invalid, field, "%q is not an email address (expected name@example.com)", part)
			}
			rcpts = append(rcpts, part)
		}
	}
	if len(rcpts) > maxRecipients {
		return nil, errs.E(errs.Invalid, field, "at most %d recipients at once", maxRecipients)
	}
	return rcpts, nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// ContentHash is the hex SHA-256 of everything an approval covers: the
// title, the body, the audience, the recipients (lower-cased, sorted) and
// the attachments' SHA-256 (sorted), each length-prefixed so no two
// contents share an encoding.
func (n *Notice) ContentHash() string {
	rcpts := make([]string, len(n.Recipients))
	for i, r := range n.Recipients {
		rcpts[i] = strings.ToLower(r)
	}
	slices.Sort(rcpts)
	files := make([]string, len(n.Attachments))
	for i, a := range n.Attachments {
		files[i] = a.SHA256
	}
	slices.Sort(files)
	h := sha256.New()
	field := func(s string) { fmt.Fprintf(h, "%d:%s\n", len(s), s) }
	field("firebreak notice content v1")
	field(n.Title)
	field(n.Body)
	field(string(n.Audience))
	fmt.Fprintf(h, "recipients %d\n", len(rcpts))
	for _, r := range rcpts {
		field(r)
	}
	fmt.Fprintf(h, "attachments %d\n", len(files))
	for _, f := range files {
		field(f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// editable refuses changes to a final notice.
func (n *Notice) editable() error {
	if n.Status.Final() {
		return errs.E(errs.Rule, "status", "notice %s is %s: its text is final and cannot change", n.ID, n.Status)
	}
	return nil
}

// approved reports whether the notice as it stands carries an approval:
// the approval's hash is that of the current title, body, audience,
// recipients and attachments. (An approval recorded before approvals
// covered all of these has no content hash and covers nothing now.)
func (n *Notice) approved() bool {
	return n.Approval != nil && n.Approval.ContentSHA256 != "" && n.Approval.ContentSHA256 == n.ContentHash()
}

// checkApproval refuses to make final a notice whose approval no longer
// covers what it says; a notice without approval may go as it is.
func (n *Notice) checkApproval() error {
	if n.Approval != nil && !n.approved() {
		return errs.E(errs.Conflict, "approval", "the approval by %s no longer covers notice %s as it stands (content SHA-256 %s); have it approved again",
			n.Approval.By, n.ID, n.ContentHash())
	}
	return nil
}

// touched records who changed the notice's content and when, and hashes
// it again.
func (n *Notice) touched(by string, now time.Time) {
	n.TextSHA256 = Hash(n.Body)
	n.ContentSHA256 = n.ContentHash()
	n.UpdatedBy, n.UpdatedAt = by, now
	if !slices.Contains(n.Editors, by) {
		n.Editors = append(n.Editors, by)
	}
}

// setText replaces the title and body.
func (n *Notice) setText(title, body, by string, now time.Time) {
	n.Title, n.Body = strings.TrimSpace(title), normalise(body)
	n.touched(by, now)
}

// withdraw drops an approval that no longer covers the notice; the event
// says what changed. Nil when there was none to drop.
func (n *Notice) withdraw(changed []string) *incident.Change {
	if n.Approval == nil || n.approved() {
		return nil
	}
	a := n.Approval
	n.Approval, n.Status = nil, Draft
	return &incident.Change{Type: incident.EvNoticeApprovalWithdrawn, Data: NoticeApprovalWithdrawnData{
		Notice: n.ID, Title: n.Title, ApprovedBy: a.By, ApprovedContentSHA256: a.ContentSHA256, ContentSHA256: n.ContentSHA256, Changed: changed}}
}

// settled works out an emailed notice's status from its deliveries: done
// when each is settled and taken in (Recorded).
func (e *Email) settled() (done bool, anySent bool) {
	done = true
	for _, d := range e.Deliveries {
		if d.State == DeliveryPending || !slices.Contains(e.Recorded, d.ID) {
			done = false
		}
		if d.State == DeliverySent {
			anySent = true
		}
	}
	return done, anySent
}
