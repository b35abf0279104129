package mailin_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/smtp"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

const maxBytes = 64 << 10

func setup(t *testing.T) *app.App {
	t.Helper()
	a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DSN: storetest.SQLiteDSN(t),
		BootstrapToken: "fbk_test_bootstrap_admin_token_0123456789", SMTPAddr: "127.0.0.1:0",
		SMTP: app.SMTPConfig{MaxBytes: maxBytes, Mailboxes: triage.Mailboxes{Reports: []string{"security@localhost"}, Alerts: []string{"alerts@"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return a
}

func multipartMessage(attachment []byte) string {
	return strings.ReplaceAll(`From: Eve Researcher <eve@example.org>
To: security@localhost
Subject: Leak on the status page
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="frontier"

--frontier
Content-Type: text/plain; charset=utf-8

The status page lists internal hostnames; request attached.
--frontier
Content-Type: application/octet-stream
Content-Disposition: attachment; filename="request.bin"
Content-Transfer-Encoding: base64

`+wrap(base64.StdEncoding.EncodeToString(attachment))+`
--frontier--
`, "\n", "\r\n")
}

// send runs one SMTP transaction with net/smtp and returns the first error
// as a textproto.Error (the server's code and message).
func send(t *testing.T, addr, to, msg string) error {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.example.org"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("eve@example.org"); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func code(err error) (int, string) {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code, te.Msg
	}
	return 0, fmt.Sprint(err)
}

// wrap breaks base64 into 76-character lines, as mail clients do.
func wrap(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// reports returns the external-report entries in the queue.
func reports(t *testing.T, a *app.App) []triage.Entry {
	t.Helper()
	entries, err := a.Services.Triage.Queue(context.Background(), incident.Viewer{User: "admin", SeeAll: true}, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []triage.Entry
	for _, e := range entries {
		if e.Source == alert.SourceReport {
			out = append(out, e)
		}
	}
	return out
}

func TestEmailBecomesAnExternalReport(t *testing.T) {
	t.Parallel()
	a := setup(t)
	attachment := []byte("GET /status HTTP/1.1\r\nHost: status.example\r\n\x00\x01\xff")
	if err := send(t, a.SMTPAddr(), "Security@LOCALHOST", multipartMessage(attachment)); err != nil {
		t.Fatal(err)
	}
	got := reports(t, a)
	if len(got) != 1 {
		t.Fatalf("%d report entries, want 1", len(got))
	}
	e := got[0]
	ann := e.Annotations
	if ann["report_kind"] != "external" || ann["contact"] != "eve@example.org" || ann["reporter_name"] != "Eve Researcher" ||
		ann["attachment"] != "request.bin" || ann["attachment_sha256"] != sha(attachment) || ann["received_via"] != "email to security@localhost" ||
		e.Group.Summary != "Leak on the status page" {
		t.Fatalf("entry %+v", e)
	}
	ctx := context.Background()
	_, data, err := a.Services.Triage.Attachment(ctx, sha(attachment))
	if err != nil || !bytes.Equal(data, attachment) {
		t.Fatalf("stored attachment %q, %v", data, err)
	}
	// The message itself is kept, with the listener's Received line on top.
	_, eml, err := a.Services.Triage.Attachment(ctx, ann["message_sha256"])
	if err != nil || !bytes.HasPrefix(eml, []byte("Received: from client.example.org (127.0.0.1:")) || !bytes.Contains(eml, []byte("Subject: Leak on the status page")) {
		t.Fatalf("stored message %.200q, %v", eml, err)
	}
	d, err := a.Services.Triage.Get(ctx, incident.Viewer{User: "admin", SeeAll: true}, e.Group.ID)
	if err != nil || len(d.Alerts) != 1 || !strings.Contains(d.Alerts[0].Alert.Details, "internal hostnames") {
		t.Fatalf("detail %+v, %v", d, err)
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	a := setup(t)
	n, msg := code(send(t, a.SMTPAddr(), "root@localhost", multipartMessage([]byte("x"))))
	if n != 550 || msg != "5.1.1 <root@localhost>: no such mailbox here" {
		t.Fatalf("unknown recipient: %d %q", n, msg)
	}
	big := multipartMessage(bytes.Repeat([]byte("A"), maxBytes))
	n, msg = code(send(t, a.SMTPAddr(), "security@localhost", big))
	if n != 552 || msg != fmt.Sprintf("5.3.4 message exceeds %d bytes", maxBytes) {
		t.Fatalf("oversized: %d %q", n, msg)
	}
	n, msg = code(send(t, a.SMTPAddr(), "security@localhost", "Subject: one long line\r\n\r\n"+strings.Repeat("x", 3000)+"\r\n"))
	if n != 554 || msg != "5.6.0 a line of the message exceeds 2000 bytes (RFC 5322: 998)" {
		t.Fatalf("long line: %d %q", n, msg)
	}
	n, msg = code(send(t, a.SMTPAddr(), "security@localhost", "Content-Type: multipart/mixed\r\n\r\nx\r\n"))
	if n != 554 || msg != "5.6.0 message not accepted: a multipart/mixed part without a boundary" {
		t.Fatalf("malformed: %d %q", n, msg)
	}
	if got := reports(t, a); len(got) != 0 {
		t.Fatalf("refused mail stored %d reports", len(got))
	}
}

// TestReplyNamesTheReference talks SMTP by hand to see the 250's text.
func TestReplyNamesTheReference(t *testing.T) {
	t.Parallel()
	a := setup(t)
	c, err := textproto.Dial("tcp", a.SMTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	step := func(cmd string, want int) string {
		t.Helper()
		if cmd != "" {
			if err := c.PrintfLine("%s", cmd); err != nil {
				t.Fatal(err)
			}
		}
		_, msg, err := c.ReadResponse(want)
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		return msg
	}
	step("", 220)
	step("EHLO client.example.org", 250)
	step("MAIL FROM:<monitor@example.org>", 250)
	step("RCPT TO:<alerts@example.com>", 250)
	step("DATA", 354)
	msg := step("Subject: Disk full on db-1\r\nFrom: monitor@example.org\r\n\r\n/var is at 99%\r\n.", 250)
	entries, _ := a.Services.Triage.Queue(context.Background(), incident.Viewer{User: "admin", SeeAll: true}, true, 0)
	if len(entries) != 1 || msg != "2.0.0 OK: filed as "+entries[0].Group.ID {
		t.Fatalf("reply %q, entries %+v", msg, entries)
	}
	e := entries[0]
	if e.Source != alert.SourceEmail || e.Integration != "alerts@example.com" || e.Group.Summary != "Disk full on db-1" || e.Group.Destination.Service != "alerts" {
		t.Fatalf("alert entry %+v", e)
	}
	// The same alert again is a repeat in the same group.
	step("MAIL FROM:<monitor@example.org>", 250)
	step("RCPT TO:<alerts@example.com>", 250)
	step("DATA", 354)
	step("Subject: Disk full on db-1\r\nFrom: monitor@example.org\r\n\r\n/var is at 100%\r\n.", 250)
	if entries, _ := a.Services.Triage.Queue(context.Background(), incident.Viewer{User: "admin", SeeAll: true}, true, 0); len(entries) != 1 {
		t.Fatalf("a repeated alert made %d entries", len(entries))
	}
	step("QUIT", 221)
}

// TestSwaks sends with a real SMTP client, as the README's example does.
func TestSwaks(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("swaks")
	if err != nil {
		t.Skip("swaks is not installed (apt-get install swaks): skipping the real-client test")
	}
	a := setup(t)
	file := filepath.Join(t.TempDir(), "dump.csv")
	content := []byte("id,email\n1,alice@example.com\n2,bob@example.com\n")
	if err := os.WriteFile(file, content, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--server", a.SMTPAddr(), "--to", "security@localhost", "--from", "eve@example.org",
		"--header", "Subject: Leak", "--body", "Our customer list is on a paste site.", "--attach", "@"+file).CombinedOutput()
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`<-\s+250 2\.0\.0 OK: filed as RPT-[A-Z0-9]{5}-[A-Z0-9]{5}`).Match(out) {
		t.Fatalf("swaks did not see the reference:\n%s", out)
	}
	got := reports(t, a)
	if len(got) != 1 {
		t.Fatalf("%d reports, want 1", len(got))
	}
	ann := got[0].Annotations
	if ann["attachment_sha256"] != sha(content) || ann["attachment"] != "dump.csv" || ann["contact"] != "eve@example.org" || got[0].Group.Summary != "Leak" {
		t.Fatalf("report %+v", got[0])
	}
}

// TestMessagesCounted: firebreak_smtp_messages_total counts each refusal
// (at RCPT and at DATA) and each filed message, over real SMTP.
func TestMessagesCounted(t *testing.T) {
	t.Parallel()
	a := setup(t)
	sends := []struct {
		to, msg string
		code    int
	}{
		{"root@localhost", multipartMessage([]byte("x")), 550},
		{"security@localhost", multipartMessage(bytes.Repeat([]byte("A"), maxBytes)), 552},
		{"security@localhost", "Content-Type: multipart/mixed\r\n\r\nx\r\n", 554},
		{"security@localhost", multipartMessage([]byte("x")), 0},
	}
	for _, s := range sends {
		if n, msg := code(send(t, a.SMTPAddr(), s.to, s.msg)); n != s.code {
			t.Fatalf("to %s: %d %q, want %d", s.to, n, msg, s.code)
		}
	}
	want := map[string]string{"accepted": "1", "refused": "3", "failed": "0"}
	resp, err := http.Get(a.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for outcome, n := range want {
		if line := `firebreak_smtp_messages_total{outcome="` + outcome + `"} ` + n; !strings.Contains(string(b), line+"\n") {
			t.Errorf("metrics lack %s", line)
		}
	}
}
