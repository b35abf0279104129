package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// A document arrives as written: its text is the whole plain-text body,
// its attachment byte for byte, and the relay's reply and the Message-ID
// come back for the record.
func TestSendDocument(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, nil)
	e := emailFor(srv)
	text := "# Notice\n\nDear customer,\n\nÜmlauts, long lines " + strings.Repeat("x", 120) + " and a trailing space \nend\n"
	pdf := bytes.Repeat([]byte{0, 1, 2, 0xff}, 1000)
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	sent, err := e.SendDocument(context.Background(), "ops@customer.example", Document{ID: "0190-abc", Subject: "Security incident notice",
		Text: text, Time: at, Attachments: []File{{Name: "report.pdf", ContentType: "application/pdf", Data: pdf}}})
	if err != nil {
		t.Fatal(err)
	}
	if sent.MessageID != "notice.0190-abc@firebreak.example" {
		t.Errorf("message ID %q", sent.MessageID)
	}
	if !strings.HasPrefix(sent.Reply, "250") || sent.Result.StatusCode != 250 {
		t.Errorf("reply %q, result %+v", sent.Reply, sent.Result)
	}
	got := srv.received()
	if len(got) != 1 || len(got[0].to) != 1 || got[0].to[0] != "ops@customer.example" {
		t.Fatalf("received %+v", got)
	}
	m, err := mail.ReadMessage(bytes.NewReader(got[0].data))
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("Message-Id") != "<"+sent.MessageID+">" || m.Header.Get("Subject") != "Security incident notice" {
		t.Errorf("headers %v", m.Header)
	}
	mt, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if mt != "multipart/mixed" {
		t.Fatalf("content type %s", mt)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var body string
	var file []byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if p.FileName() == "report.pdf" {
			file, _ = io.ReadAll(base64.NewDecoder(base64.StdEncoding, p))
			continue
		}
		body = decodePart(t, p)
	}
	if body != text {
		t.Errorf("body differs from the text:\n%q\n%q", body, text)
	}
	if sha256.Sum256(file) != sha256.Sum256(pdf) {
		t.Errorf("attachment differs (%d bytes)", len(file))
	}
}

// A refused recipient is a permanent failure that names the reply.
func TestSendDocumentRefused(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, func(s *smtpServer) {
		s.rcptErr = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	})
	_, err := emailFor(srv).SendDocument(context.Background(), "nobody@customer.example", Document{ID: "x", Subject: "s", Text: "t\n"})
	if err == nil || Retryable(err) || !strings.Contains(err.Error(), "550") {
		t.Fatalf("err %v (retryable %v)", err, Retryable(err))
	}
}

// An invitation travels as the text/calendar alternative with its method
// (what mail clients offer to accept) and as invite.ics, byte for byte.
func TestSendDocumentCalendar(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, nil)
	e := emailFor(srv)
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:x@t\r\nSUMMARY:Review " + strings.Repeat("é", 40) + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	if _, err := e.SendDocument(context.Background(), "ann@example.org", Document{ID: "inv-1", Subject: "Invitation", Text: "Join us.\n", Calendar: []byte(ics)}); err != nil {
		t.Fatal(err)
	}
	got := srv.received()
	if len(got) != 1 {
		t.Fatalf("received %d", len(got))
	}
	m, err := mail.ReadMessage(bytes.NewReader(got[0].data))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string][]byte{}
	var walk func(ct string, body io.Reader)
	walk = func(ct string, body io.Reader) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("content type %q: %v", ct, err)
		}
		if !strings.HasPrefix(mt, "multipart/") {
			b, _ := io.ReadAll(body)
			parts[mt+" method="+params["method"]] = b
			return
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var r io.Reader = p
			if p.Header.Get("Content-Transfer-Encoding") == "base64" {
				r = base64.NewDecoder(base64.StdEncoding, p)
			}
			walk(p.Header.Get("Content-Type"), r)
		}
	}
	walk(m.Header.Get("Content-Type"), m.Body)
	if got := string(parts["text/calendar method=REQUEST"]); got != ics {
		t.Errorf("text/calendar part %q, want %q (parts %v)", got, ics, slices.Collect(maps.Keys(parts)))
	}
	if got := string(parts["application/ics method="]); got != ics {
		t.Errorf("invite.ics %q, want %q", got, ics)
	}
	if got := string(parts["text/plain method="]); got != "Join us.\n" && got != "Join us.\r\n" {
		t.Errorf("text %q", got)
	}
}
