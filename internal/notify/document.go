package notify

import (
	"bytes"
	"context"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Document is a message sent exactly as written — a notice to a customer
// or a regulator — unlike a page, which each channel lays out: the text is
// the whole plain-text body (no title line, no links added, no HTML
// alternative) and the attachments go as they are.
type Document struct {
	// ID names the message: the Message-ID derives from it, so a retried
	// send of the same document is recognisably the same mail.
	ID          string
	Subject     string
	Text        string
	Attachments []File
	Time        time.Time
}

// File is an attachment.
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// Sent is what the relay said about a document it accepted.
type Sent struct {
	MessageID string // without angle brackets
	Reply     string // the relay's reply to the end of the data, e.g. "250 2.0.0 OK: queued as …"
	Result    Result
}

// Sender is the From address documents go out with.
func (e *Email) Sender() string { return e.From }

// SendDocument submits d to one recipient.
func (e *Email) SendDocument(ctx context.Context, to string, d Document) (Sent, error) {
	t := Target{Kind: KindEmail, Address: to}
	a := newAttempt(KindEmail, t)
	a.secrets = append(a.secrets, e.Password)
	if err := t.Validate(); err != nil {
		_, ferr := a.fail(0, "", false, err, err.Error())
		return Sent{}, ferr
	}
	if err := e.Validate(); err != nil {
		_, ferr := a.fail(0, "", false, err, err.Error())
		return Sent{}, ferr
	}
	msg, id, err := e.document(to, d)
	if err != nil {
		_, ferr := a.fail(0, "", false, err, err.Error())
		return Sent{}, ferr
	}
	c, err := e.client()
	if err != nil {
		_, ferr := a.fail(0, "", false, err, err.Error())
		return Sent{}, ferr
	}
	ctx, cancel := withTimeout(ctx, e.Timeout)
	defer cancel()
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		r, ferr := a.failSMTP(ctx, err)
		return Sent{Result: r}, ferr
	}
	// The relay accepted the data: its reply is a 2xx, whose code the
	// SMTP library keeps apart from the text.
	reply := a.scrub(msg.ServerResponse())
	code := replyCode(fmt.Errorf("%s", reply))
	if code == 0 || !strings.HasPrefix(reply, strconv.Itoa(code)) {
		code = 250
		reply = strings.TrimSpace("250 " + reply)
	}
	return Sent{MessageID: id, Reply: reply, Result: a.result(code, reply)}, nil
}

func (e *Email) document(to string, d Document) (*gomail.Msg, string, error) {
	msg := gomail.NewMsg()
	if err := msg.From(e.From); err != nil {
		return nil, "", fmt.Errorf("email: From: %w", err)
	}
	if err := msg.To(to); err != nil {
		return nil, "", fmt.Errorf("email: To: %w", err)
	}
	// Checked again here, whatever the caller checked: a value with a
	// line break would add headers (or parts) outside the recorded text.
	if err := HeaderText(to); err != nil {
		return nil, "", fmt.Errorf("email: the recipient %w", err)
	}
	if err := HeaderText(d.Subject); err != nil {
		return nil, "", fmt.Errorf("email: the subject %w", err)
	}
	msg.Subject(d.Subject)
	domain := "firebreak.invalid"
	if a, err := mail.ParseAddress(e.From); err == nil {
		if _, dom, ok := strings.Cut(a.Address, "@"); ok && dom != "" {
			domain = dom
		}
	}
	id := strings.Replace(MessageID(d.ID, domain), "page.", "notice.", 1)
	msg.SetMessageIDWithValue(id)
	if d.Time.IsZero() {
		msg.SetDate()
	} else {
		msg.SetDateWithValue(d.Time)
	}
	msg.SetBodyString(gomail.TypeTextPlain, d.Text)
	for _, f := range d.Attachments {
		if err := HeaderText(f.Name); err != nil || f.Name == "" {
			return nil, "", fmt.Errorf("email: the attachment name %q is not one line of text", f.Name)
		}
		ct, err := AttachmentType(f.ContentType)
		if err != nil {
			return nil, "", fmt.Errorf("email: attachment %s: content type %w", f.Name, err)
		}
		if err := msg.AttachReader(f.Name, bytes.NewReader(f.Data), gomail.WithFileContentType(gomail.ContentType(ct))); err != nil {
			return nil, "", fmt.Errorf("email: attachment %s: %w", f.Name, err)
		}
	}
	return msg, id, nil
}
