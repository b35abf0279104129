package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

// A document with an HTML rendering goes as multipart/alternative (text
// first, HTML second) beside its files, and the hash returned is that of
// the exact message the SMTP server received.
func TestSendDocumentHashesTheMessageSent(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, nil)
	e := emailFor(srv)
	text := "# Notice\n\nDear customer,\n.\n..a line that starts with dots\nend\n"
	sent, err := e.SendDocument(context.Background(), "ops@customer.example", Document{ID: "0190-hash", Subject: "Notice",
		Text: text, HTML: "<!doctype html><p>Dear customer,</p>", Time: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC),
		Attachments: []File{{Name: "report.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.7 x")}}})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.received()
	if len(got) != 1 {
		t.Fatalf("received %d", len(got))
	}
	sum := sha256.Sum256(got[0].data)
	if sent.MessageSHA256 != hex.EncodeToString(sum[:]) || sent.MessageSize != len(got[0].data) {
		t.Fatalf("recorded SHA-256 %s (%d bytes), the server received %x (%d bytes)", sent.MessageSHA256, sent.MessageSize, sum, len(got[0].data))
	}
	raw := string(got[0].data)
	for _, want := range []string{"multipart/mixed", "multipart/alternative", "text/plain", "text/html", "report.pdf"} {
		if !strings.Contains(raw, want) {
			t.Errorf("message lacks %s", want)
		}
	}
	if strings.Index(raw, "Content-Type: text/plain") > strings.Index(raw, "Content-Type: text/html") {
		t.Error("the HTML part comes before the text")
	}
	if !bytes.Contains(got[0].data, []byte("\r\n")) {
		t.Error("lines do not end in CRLF")
	}
}
