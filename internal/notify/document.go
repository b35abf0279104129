package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Document is a message sent exactly as written — a notice to a customer
// or a regulator — unlike a page, which each channel lays out: the text is
// the whole plain-text body (no title line, no links added), HTML when
// set is its alternative rendering (multipart/alternative), and the
// attachments go as they are.
type Document struct {
	// ID names the message: the Message-ID derives from it, so a retried
	// send of the same document is recognisably the same mail.
	ID          string
	Subject     string
	Text        string
	HTML        string // optional: the text rendered, a whole HTML document
	Attachments []File
	// Calendar, when set, is an iCalendar request (RFC 5546, METHOD:REQUEST):
	// it goes as the text/calendar alternative mail clients offer to
	// accept, and as invite.ics for those that only list attachments.
	Calendar []byte
	Time     time.Time
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
	// MessageSHA256 is the hex SHA-256 of the exact message handed to the
	// relay (headers and MIME body, as the DATA command carries it before
	// dot-stuffing); MessageSize its length in bytes.
	MessageSHA256 string
	MessageSize   int
	Result        Result
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
	// The bytes the relay gets are the ones hashed: the message is written
	// out before it is sent (which fixes its MIME boundaries), and written
	// again to make sure it comes out the same.
	sum, size, err := messageHash(msg)
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
	return Sent{MessageID: id, Reply: reply, MessageSHA256: sum, MessageSize: size, Result: a.result(code, reply)}, nil
}

// messageHash writes msg out twice and returns the hex SHA-256 of the
// bytes; a message that does not come out the same twice is refused, as
// its hash would not be that of what is sent.
func messageHash(msg *gomail.Msg) (string, int, error) {
	var first, second bytes.Buffer
	if _, err := msg.WriteTo(&first); err != nil {
		return "", 0, fmt.Errorf("email: writing the message: %w", err)
	}
	if _, err := msg.WriteTo(&second); err != nil {
		return "", 0, fmt.Errorf("email: writing the message: %w", err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		return "", 0, fmt.Errorf("email: the message does not come out the same twice; not sent, as its hash would not be that of what went")
	}
	sum := sha256.Sum256(first.Bytes())
	return hex.EncodeToString(sum[:]), first.Len(), nil
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
	if d.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, d.HTML)
	}
	if len(d.Calendar) > 0 {
		// Not one of AttachmentTypes: it is made here, never uploaded.
		msg.AddAlternativeString(gomail.ContentType("text/calendar; method=REQUEST"), string(d.Calendar))
		if err := msg.AttachReader("invite.ics", bytes.NewReader(d.Calendar), gomail.WithFileContentType("application/ics")); err != nil {
			return nil, "", fmt.Errorf("email: the invitation: %w", err)
		}
	}
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
