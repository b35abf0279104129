package notices

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Payloads of the notice and update events (incident.EvNotice…,
// incident.EvUpdatePosted). Their JSON is hash-chained with every other
// event: a field's name, order, type or omitempty may never change.

// NoticeDraftedData is the payload of incident.EvNoticeDrafted.
type NoticeDraftedData struct {
	Notice       string `json:"notice"`
	Title        string `json:"title"`
	Audience     string `json:"audience"`
	ObligationID string `json:"obligation_id,omitempty"`
	Phase        string `json:"phase,omitempty"`
	Template     string `json:"template,omitempty"`
}

// NoticeApprovedData is the payload of incident.EvNoticeApproved: who approved
// which notice — ContentSHA256 is the hash over its title, body, audience,
// recipients and attachments' SHA-256, which are listed too.
type NoticeApprovedData struct {
	Notice        string       `json:"notice"`
	Title         string       `json:"title"`
	TextSHA256    string       `json:"text_sha256"`
	ContentSHA256 string       `json:"content_sha256,omitempty"`
	Audience      string       `json:"audience,omitempty"`
	Recipients    []string     `json:"recipients,omitempty"`
	Attachments   []NoticeFile `json:"attachments,omitempty"`
	Note          string       `json:"note,omitempty"`
}

// NoticeEditedData is the payload of incident.EvNoticeEdited: which parts changed
// (title, body, audience, recipients, attachments) and what they are now.
type NoticeEditedData struct {
	Notice  string   `json:"notice"`
	Title   string   `json:"title"`
	Changed []string `json:"changed"`
	// PreviousTitle is set when the title changed.
	PreviousTitle string   `json:"previous_title,omitempty"`
	Audience      string   `json:"audience,omitempty"`
	Recipients    []string `json:"recipients,omitempty"`
	// Added and Removed name an attachment added or removed.
	Added         *NoticeFile `json:"added,omitempty"`
	Removed       *NoticeFile `json:"removed,omitempty"`
	TextSHA256    string      `json:"text_sha256"`
	ContentSHA256 string      `json:"content_sha256"`
}

// NoticeApprovalWithdrawnData is the payload of incident.EvNoticeApprovalWithdrawn.
type NoticeApprovalWithdrawnData struct {
	Notice                string   `json:"notice"`
	Title                 string   `json:"title"`
	ApprovedBy            string   `json:"approved_by"`
	ApprovedContentSHA256 string   `json:"approved_content_sha256"`
	ContentSHA256         string   `json:"content_sha256"`
	Changed               []string `json:"changed"`
}

// NoticeFile is an attachment as the record names it.
type NoticeFile struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// NoticeSubmittedData is the payload of incident.EvNoticeSubmitted. The event's
// OccurredAt is when the notice was given; Text is the exact final text.
type NoticeSubmittedData struct {
	Notice       string       `json:"notice"`
	Title        string       `json:"title"`
	Audience     string       `json:"audience"`
	ObligationID string       `json:"obligation_id,omitempty"`
	Phase        string       `json:"phase,omitempty"`
	Recipient    string       `json:"recipient"`
	Channel      string       `json:"channel"`
	Reference    string       `json:"reference,omitempty"`
	SubmittedAt  time.Time    `json:"submitted_at"`
	Text         string       `json:"text"`
	TextSHA256   string       `json:"text_sha256"`
	Attachments  []NoticeFile `json:"attachments,omitempty"`
	ApprovedBy   string       `json:"approved_by,omitempty"`
	// ContentSHA256 is the notice's content hash, the approval's when
	// approved.
	ContentSHA256 string `json:"content_sha256,omitempty"`
}

// NoticeSentData is the payload of incident.EvNoticeSent: one email delivery of a
// notice, as the relay accepted it.
type NoticeSentData struct {
	Notice      string       `json:"notice"`
	Title       string       `json:"title"`
	To          string       `json:"to"`
	MessageID   string       `json:"message_id"`
	Reply       string       `json:"reply"`
	SentAt      time.Time    `json:"sent_at"`
	TextSHA256  string       `json:"text_sha256"`
	Attachments []NoticeFile `json:"attachments,omitempty"`
	// ContentSHA256 is the notice's content hash (see NoticeApprovedData).
	ContentSHA256 string `json:"content_sha256,omitempty"`
	ApprovedBy    string `json:"approved_by,omitempty"`
	// MessageSHA256 is the SHA-256 of the exact MIME message handed to the
	// relay (text, its HTML rendering and the files), MessageSize its bytes.
	MessageSHA256 string `json:"message_sha256,omitempty"`
	MessageSize   int    `json:"message_size,omitempty"`
}

// UpdatePostedData is the payload of incident.EvUpdatePosted.
type UpdatePostedData struct {
	Update   string   `json:"update"`
	Text     string   `json:"text"`
	Channels []string `json:"channels,omitempty"` // the subscriptions it goes to, by name
}

// describeData reads an event's data for describing it. Folding the event
// (incident's apply.go) already decoded it strictly, so a failure here
// cannot happen for a stored event; if it did, the line describes empty
// fields rather than hiding the event.
func describeData(e incident.Event, v any) { _ = json.Unmarshal(e.Data, v) }

// DescribeEvent says in one line what an event of notices did, for
// timelines (an incident.Describer); ok is false for other events.
func DescribeEvent(e incident.Event) (s string, ok bool) {
	switch e.Type {
	case incident.EvNoticeDrafted:
		var d NoticeDraftedData
		describeData(e, &d)
		s = fmt.Sprintf("drafted %s notice %q", d.Audience, d.Title)
		if d.ObligationID != "" {
			s += " for " + obligationText(d.ObligationID, d.Phase)
		}
		return s, true
	case incident.EvNoticeApproved:
		var d NoticeApprovedData
		describeData(e, &d)
		if d.ContentSHA256 != "" {
			return fmt.Sprintf("approved notice %q (content SHA-256 %s: title, text, audience, recipients, attachments)", d.Title, short(d.ContentSHA256)), true
		}
		return fmt.Sprintf("approved notice %q (text SHA-256 %s)", d.Title, short(d.TextSHA256)), true
	case incident.EvNoticeEdited:
		var d NoticeEditedData
		describeData(e, &d)
		return fmt.Sprintf("notice %q edited: %s", d.Title, editedText(d)), true
	case incident.EvNoticeApprovalWithdrawn:
		var d NoticeApprovalWithdrawnData
		describeData(e, &d)
		return fmt.Sprintf("approval withdrawn: %s changed — %s had approved notice %q as content SHA-256 %s, now %s",
			strings.Join(d.Changed, ", "), d.ApprovedBy, d.Title, short(d.ApprovedContentSHA256), short(d.ContentSHA256)), true
	case incident.EvNoticeSubmitted:
		var d NoticeSubmittedData
		describeData(e, &d)
		s = fmt.Sprintf("notice %q submitted to %s by %s", d.Title, d.Recipient, strings.ReplaceAll(d.Channel, "_", " "))
		if d.Reference != "" {
			s += ", reference " + d.Reference
		}
		if d.ObligationID != "" {
			s += " (" + obligationText(d.ObligationID, d.Phase) + ")"
		}
		return s + fmt.Sprintf(" — text SHA-256 %s", short(d.TextSHA256)), true
	case incident.EvNoticeSent:
		var d NoticeSentData
		describeData(e, &d)
		return fmt.Sprintf("notice %q emailed to %s (Message-ID %s, relay: %s)", d.Title, d.To, d.MessageID, d.Reply), true
	case incident.EvUpdatePosted:
		var d UpdatePostedData
		describeData(e, &d)
		s = "stakeholder update: " + d.Text
		if len(d.Channels) > 0 {
			s += " → " + strings.Join(d.Channels, ", ")
		}
		return s, true
	}
	return "", false
}

// editedText says what an edit changed.
func editedText(d NoticeEditedData) string {
	var parts []string
	for _, c := range d.Changed {
		switch {
		case c == "title" && d.PreviousTitle != "":
			parts = append(parts, fmt.Sprintf("title changed (was %q)", d.PreviousTitle))
		case c == "body":
			parts = append(parts, "text changed (SHA-256 "+short(d.TextSHA256)+")")
		case c == "audience":
			parts = append(parts, "audience changed to "+d.Audience)
		case c == "recipients" && len(d.Recipients) == 0:
			parts = append(parts, "recipients removed")
		case c == "recipients":
			parts = append(parts, "recipients changed to "+strings.Join(d.Recipients, ", "))
		case c == "attachments" && d.Added != nil:
			parts = append(parts, fmt.Sprintf("attachment %s added (SHA-256 %s)", d.Added.Name, short(d.Added.SHA256)))
		case c == "attachments" && d.Removed != nil:
			parts = append(parts, fmt.Sprintf("attachment %s removed (SHA-256 %s)", d.Removed.Name, short(d.Removed.SHA256)))
		default:
			parts = append(parts, c+" changed")
		}
	}
	return strings.Join(parts, "; ")
}

func obligationText(id, phase string) string {
	if phase == "" {
		return id
	}
	return id + " " + phase
}

func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12] + "…"
	}
	return hash
}
