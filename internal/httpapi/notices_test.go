package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// smtpBox is an in-process SMTP server on loopback that keeps every
// message with the time it arrived.
type smtpBox struct {
	mu   sync.Mutex
	got  []smtpMail
	port int
}

type smtpMail struct {
	at   time.Time
	to   []string
	data []byte
}

func (b *smtpBox) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSess{box: b}, nil }

type smtpSess struct {
	box *smtpBox
	to  []string
}

func (s *smtpSess) Mail(string, *smtp.MailOptions) error { return nil }
func (s *smtpSess) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *smtpSess) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.box.mu.Lock()
	s.box.got = append(s.box.got, smtpMail{at: time.Now(), to: s.to, data: b})
	s.box.mu.Unlock()
	return nil
}
func (s *smtpSess) Reset()        { s.to = nil }
func (s *smtpSess) Logout() error { return nil }

func startSMTPBox(t *testing.T) *smtpBox {
	t.Helper()
	b := &smtpBox{}
	srv := smtp.NewServer(b)
	srv.Domain = "mx.customer.test"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	b.port = ln.Addr().(*net.TCPAddr).Port
	return b
}

func (b *smtpBox) mail() []smtpMail {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]smtpMail(nil), b.got...)
}

// plainBody returns a message's text part, its transfer encoding undone.
func plainBody(t *testing.T, raw []byte) (body string, files map[string][]byte, hdr mail.Header) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	files = map[string][]byte{}
	mt, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	decode := func(enc string, r io.Reader) []byte {
		switch strings.ToLower(enc) {
		case "quoted-printable":
			r = quotedprintable.NewReader(r)
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, r)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !strings.HasPrefix(mt, "multipart/") {
		return strings.ReplaceAll(string(decode(m.Header.Get("Content-Transfer-Encoding"), m.Body)), "\r\n", "\n"), files, m.Header
	}
	var walk func(r io.Reader, boundary string)
	walk = func(r io.Reader, boundary string) {
		mr := multipart.NewReader(r, boundary)
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pt, pp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			switch {
			case strings.HasPrefix(pt, "multipart/"):
				walk(p, pp["boundary"])
			case p.FileName() != "":
				files[p.FileName()] = decode(p.Header.Get("Content-Transfer-Encoding"), p)
			case pt == "text/plain":
				body = strings.ReplaceAll(string(decode(p.Header.Get("Content-Transfer-Encoding"), p)), "\r\n", "\n")
			case pt == "text/html":
				files[".html"] = decode(p.Header.Get("Content-Transfer-Encoding"), p)
			}
		}
	}
	walk(m.Body, params["boundary"])
	return body, files, m.Header
}

// htmlBody is the HTML alternative of a message; "" when it has none.
func htmlBody(t *testing.T, raw []byte) string {
	t.Helper()
	_, files, _ := plainBody(t, raw)
	return string(files[".html"])
}

func newNoticeSetup(t *testing.T, cfg app.Config) *setup {
	t.Helper()
	cfg.Addr, cfg.DSN, cfg.BootstrapToken, cfg.Version = "127.0.0.1:0", storetest.SQLiteDSN(t), adminToken, "test"
	a, err := app.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	s := &setup{url: a.URL(), app: a, admin: client.New(a.URL(), adminToken), tokens: map[string]string{"admin": adminToken}}
	for _, u := range []struct{ name, role string }{{"vera", "viewer"}, {"rita", "responder"}, {"rob", "responder"}} {
		if _, err := s.admin.CreateUser(context.Background(), httpapi.UserBody{Username: u.name, Role: u.role}); err != nil {
			t.Fatal(err)
		}
		tok, err := s.admin.CreateToken(context.Background(), u.name, "test")
		if err != nil {
			t.Fatal(err)
		}
		s.tokens[u.name] = tok.Secret
	}
	return s
}

func decodeNotice(t *testing.T, a answer) notices.Notice {
	t.Helper()
	var n notices.Notice
	if err := json.Unmarshal([]byte(a.raw), &n); err != nil {
		t.Fatalf("decode notice: %v\n%s", err, a.raw)
	}
	return n
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A customer notice sent by email arrives at a real SMTP server exactly as
// written, with its attachment; its record holds the text, its SHA-256,
// each delivery's Message-ID, relay reply and time; afterwards the text
// cannot change; the dossier holds all of it and is hidden from those who
// may not see a restricted incident.
func TestCustomerNoticeByEmail(t *testing.T) {
	t.Parallel()
	box := startSMTPBox(t)
	s := newNoticeSetup(t, app.Config{
		Email:   &notify.Email{Host: "127.0.0.1", Port: box.port, From: "Example Security <security@example.com>", TLS: notify.TLSNone, Timeout: 5 * time.Second},
		Notices: notices.Config{Organization: notices.Letterhead{Name: "Example GmbH", Contact: "security@example.com"}},
	})
	a := s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"Payment page skimmer","severity":"SEV1","summary":"A script on the payment page copied card numbers.","restricted":true}`)
	if a.status != 201 {
		t.Fatalf("declare: %d %s", a.status, a.raw)
	}
	ref := a.body["ref"].(string)
	a = s.call(t, "rita", "POST", "/api/v1/incidents/"+ref+"/notices", `{"audience":"customer"}`)
	if a.status != 201 {
		t.Fatalf("draft: %d %s", a.status, a.raw)
	}
	n := decodeNotice(t, a)
	// The customer is not sent the internal summary: the parts about
	// what happened are left for a person to write.
	if n.Template != "customer" || strings.Contains(n.Body, "A script on the payment page copied card numbers.") || len(n.Placeholders) == 0 ||
		!strings.Contains(n.Title, "Example GmbH") || !n.ApprovalRequired {
		t.Fatalf("draft %+v", n)
	}
	text := markerRE.ReplaceAllString(n.Body, "A script on our payment page copied card numbers.") + "\n**Änderungen vorbehalten** — Ihr Security-Team\n"
	a = s.call(t, "rita", "PATCH", "/api/v1/incidents/"+ref+"/notices/"+n.ID, mustJSON(t, map[string]any{"body": text, "recipients": []string{"ops@acme.test", "cfo@acme.test"}}),
		"If-Match", fmt.Sprintf(`"%d"`, n.Version))
	if a.status != 200 {
		t.Fatalf("edit: %d %s", a.status, a.raw)
	}
	stale := n.Version
	n = decodeNotice(t, a)
	if a := s.call(t, "rita", "PATCH", "/api/v1/incidents/"+ref+"/notices/"+n.ID, `{"body":"x"}`, "If-Match", fmt.Sprintf(`"%d"`, stale)); a.status != 412 {
		t.Fatalf("edit on a stale version: %d %s", a.status, a.raw)
	}
	report := []byte("%PDF-1.7\nforensic report\x00\x01\x02")
	a = s.call(t, "rita", "POST", "/api/v1/incidents/"+ref+"/notices/"+n.ID+"/attachments",
		mustJSON(t, map[string]any{"name": "report.pdf", "content_type": "application/pdf", "content": report}))
	if a.status != 200 {
		t.Fatalf("attach: %d %s", a.status, a.raw)
	}
	sum := sha256.Sum256(report)
	wantSHA := hex.EncodeToString(sum[:])
	if n = decodeNotice(t, a); len(n.Attachments) != 1 || n.Attachments[0].SHA256 != wantSHA {
		t.Fatalf("attachments %+v", n.Attachments)
	}
	// The relay is configured but the recipients are checked first.
	a = s.call(t, "rita", "POST", "/api/v1/incidents/"+ref+"/notices/"+n.ID+"/send", `{"to":["not an address"]}`)
	if a.status != 422 || !strings.Contains(a.raw, "is not an email address") {
		t.Fatalf("bad recipient: %d %s", a.status, a.raw)
	}
	// A customer notice goes once a second person approved it.
	a = s.call(t, "rita", "POST", "/api/v1/incidents/"+ref+"/notices/"+n.ID+"/send", `{}`)
	if a.status != 422 || !contains(a.locations(), "approval") || len(box.mail()) != 0 {
		t.Fatalf("send without approval: %d %s", a.status, a.raw)
	}
	if a = s.call(t, "admin", "POST", "/api/v1/incidents/"+ref+"/notices/"+n.ID+"/approve", `{}`); a.status != 200 {
		t.Fatalf("approve: %d %s", a.status, a.raw)
	}
	before := time.Now()
	a = s.call(t, "rita", "POST", "/api/v1/incidents/"+ref+"/notices/"+n.ID+"/send",
		mustJSON(t, map[string]any{"to": []string{"ops@acme.test", "cfo@acme.test"}, "text_sha256": notices.Hash(text)}))
	after := time.Now()
	if a.status != 200 {
		t.Fatalf("send: %d %s", a.status, a.raw)
	}
	n = decodeNotice(t, a)
	if n.Status != notices.Sent || n.Body != text || n.TextSHA256 != notices.Hash(text) || n.FinalAt == nil || n.Email == nil || len(n.Email.Deliveries) != 2 {
		t.Fatalf("sent notice %+v", n)
	}
	got := box.mail()
	if len(got) != 2 {
		t.Fatalf("the SMTP server received %d messages", len(got))
	}
	for i, d := range n.Email.Deliveries {
		if d.State != notices.DeliverySent || d.SentAt == nil || d.SentAt.Before(before.Add(-time.Second)) || d.SentAt.After(after.Add(time.Second)) ||
			!strings.HasPrefix(d.Reply, "250") || !strings.HasPrefix(d.MessageID, "notice.") {
			t.Errorf("delivery %d: %+v", i, d)
		}
		// The first emails are sent in parallel: each delivery's message
		// is the one that went to its recipient, whatever the order.
		j := slices.IndexFunc(got, func(m smtpMail) bool { return len(m.to) == 1 && m.to[0] == d.To })
		if j < 0 {
			t.Fatalf("delivery %d says %s; no message went (only) there: %v", i, d.To, got)
		}
		m := got[j]
		// The record holds the SHA-256 of the exact message the server got.
		if sum := sha256.Sum256(m.data); d.MessageSHA256 != hex.EncodeToString(sum[:]) || d.MessageSize != len(m.data) {
			t.Errorf("message %d: recorded SHA-256 %s (%d bytes), the server received %x (%d bytes)", i, d.MessageSHA256, d.MessageSize, sum, len(m.data))
		}
		if html := htmlBody(t, m.data); !strings.Contains(html, "<strong>Änderungen vorbehalten</strong>") || strings.Contains(html, "**") {
			t.Errorf("message %d: the HTML part %q", i, html)
		}
		body, files, hdr := plainBody(t, m.data)
		if body != text {
			t.Errorf("message %d: the text that arrived differs from the record:\n%q\n%q", i, body, text)
		}
		if hdr.Get("Message-Id") != "<"+d.MessageID+">" || hdr.Get("Subject") == "" {
			t.Errorf("message %d headers: %v", i, hdr)
		}
		if f := files["report.pdf"]; sha256.Sum256(f) != sum {
			t.Errorf("message %d: attachment differs", i)
		}
		if d.SentAt.Sub(m.at).Abs() > time.Second {
			t.Errorf("recorded time %s, arrival %s", d.SentAt, m.at)
		}
	}
	// The text is final.
	for _, c := range []struct{ method, path, body string }{
		{"PATCH", "", `{"body":"rewritten"}`},
		{"POST", "/submit", `{"recipient":"Acme","channel":"letter"}`},
		{"POST", "/send", `{"to":["ops@acme.test"]}`},
		{"POST", "/approve", `{}`},
	} {
		a = s.call(t, "rob", c.method, "/api/v1/incidents/"+ref+"/notices/"+n.ID+c.path, c.body)
		if a.status != 422 && a.status != 404 || !strings.Contains(a.raw, "final") && a.status != 404 {
			t.Errorf("%s %s on a sent notice: %d %s", c.method, c.path, a.status, a.raw)
		}
	}
	a = s.call(t, "rita", "GET", "/api/v1/incidents/"+ref+"/notices/"+n.ID, "")
	if stored := decodeNotice(t, a); stored.Body != text || stored.TextSHA256 != notices.Hash(text) {
		t.Fatalf("stored text changed")
	}
	// The dossier.
	a = s.call(t, "rita", "GET", "/api/v1/incidents/"+ref+"/dossier", "")
	if a.status != 200 {
		t.Fatalf("dossier: %d %s", a.status, a.raw)
	}
	var d notices.Dossier
	if err := json.Unmarshal([]byte(a.raw), &d); err != nil {
		t.Fatal(err)
	}
	if d.Incident.Ref != ref || len(d.Notices) != 1 || d.Notices[0].Body != text || d.Notices[0].TextSHA256 != notices.Hash(text) ||
		d.Notices[0].Attachments[0].SHA256 != wantSHA || len(d.Notices[0].Email.Deliveries) != 2 || d.Notices[0].Email.Deliveries[0].MessageID == "" {
		t.Fatalf("dossier notices %s", mustJSON(t, d.Notices))
	}
	sent := 0
	for _, e := range d.Timeline {
		if e.Type == "notice.sent" {
			sent++
			var data struct {
				MessageID  string `json:"message_id"`
				TextSHA256 string `json:"text_sha256"`
			}
			json.Unmarshal(e.Data, &data)
			if data.TextSHA256 != notices.Hash(text) || data.MessageID == "" || e.Hash == "" {
				t.Errorf("timeline event %+v", e)
			}
		}
	}
	if sent != 2 || d.Chain.LastHash == "" || d.Chain.Events < 4 {
		t.Fatalf("dossier timeline: %d sent events, chain %+v", sent, d.Chain)
	}
	// Restricted: rob and vera are no participants.
	for _, u := range []string{"rob", "vera"} {
		if a = s.call(t, u, "GET", "/api/v1/incidents/"+ref+"/dossier", ""); a.status != 404 {
			t.Errorf("%s read a restricted dossier: %d", u, a.status)
		}
		if a = s.call(t, u, "GET", "/api/v1/incidents/"+ref+"/notices/"+n.ID, ""); a.status != 404 {
			t.Errorf("%s read a restricted notice: %d", u, a.status)
		}
	}
	if a = s.call(t, "admin", "GET", "/api/v1/incidents/"+ref+"/dossier", ""); a.status != 200 {
		t.Errorf("admin: %d", a.status)
	}
	if a = s.call(t, "rita", "GET", "/api/v1/incidents/"+ref+"/notices/"+n.ID+"/attachments/"+wantSHA, ""); a.status != 200 || a.raw != string(report) {
		t.Errorf("attachment download: %d", a.status)
	}
}

// A template that fails answers 422 naming its line; viewers cannot draft;
// updates post and list.
func TestNoticeTemplatesAndUpdatesAPI(t *testing.T) {
	t.Parallel()
	s := newNoticeSetup(t, app.Config{})
	a := s.call(t, "admin", "PUT", "/api/v1/notice-templates/acme", `{"audience":"customer","title":"Notice","body":"Dear Acme,\n\n{{.Incident.Titel}}\n"}`)
	if a.status != 422 || !strings.Contains(a.raw, "line 3") || !strings.Contains(strings.Join(a.locations(), ","), "body") {
		t.Fatalf("bad template: %d %s", a.status, a.raw)
	}
	a = s.call(t, "admin", "PUT", "/api/v1/notice-templates/acme", `{"audience":"customer","title":"Notice","body":"Dear Acme,\n{{if .Incident.Title}}\n"}`)
	if a.status != 422 || !strings.Contains(a.raw, "line 3: the template ends inside an {{if}}") {
		t.Fatalf("unclosed if: %d %s", a.status, a.raw)
	}
	if a = s.call(t, "rita", "PUT", "/api/v1/notice-templates/acme", `{"audience":"customer","title":"N","body":"b"}`); a.status != 403 {
		t.Fatalf("a responder stored a template: %d", a.status)
	}
	a = s.call(t, "admin", "PUT", "/api/v1/notice-templates/acme", `{"audience":"customer","obligations":["contract-acme-24h"],"title":"Notice about {{.Incident.Ref}}","body":"Dear Acme,\n\n{{.Incident.Title}}\n"}`)
	if a.status != 200 {
		t.Fatalf("template: %d %s", a.status, a.raw)
	}
	a = s.call(t, "vera", "GET", "/api/v1/notice-templates", "")
	if a.status != 200 || !strings.Contains(a.raw, `"name":"gdpr-art33"`) || !strings.Contains(a.raw, `"source":"custom"`) {
		t.Fatalf("list: %d %s", a.status, a.raw)
	}
	a = s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"Checkout down","severity":"SEV2"}`)
	ref := a.body["ref"].(string)
	if a = s.call(t, "vera", "POST", "/api/v1/incidents/"+ref+"/notices", `{"audience":"internal"}`); a.status != 403 {
		t.Fatalf("a viewer drafted: %d", a.status)
	}
	a = s.call(t, "rita", "POST", "/api/v1/incidents/"+ref+"/notices", `{"obligation_id":"contract-acme-24h"}`)
	if n := decodeNotice(t, a); a.status != 201 || n.Template != "acme" || n.Title != "Notice about "+ref || n.Body != "Dear Acme,\n\nCheckout down\n" {
		t.Fatalf("draft from the stored template: %d %s", a.status, a.raw)
	}
	a = s.call(t, "rita", "POST", "/api/v1/incidents/"+ref+"/updates", `{"text":"Rolled back the release."}`)
	if a.status != 201 {
		t.Fatalf("update: %d %s", a.status, a.raw)
	}
	a = s.call(t, "vera", "GET", "/api/v1/incidents/"+ref+"/updates", "")
	if a.status != 200 || !strings.Contains(a.raw, "Rolled back the release.") || a.body["every_minutes"] != float64(60) {
		t.Fatalf("updates: %d %s", a.status, a.raw)
	}
	if a = s.call(t, "rita", "POST", "/api/v1/subscriptions", `{"name":"leads","kind":"email","address":"leads@example.com"}`); a.status != 403 {
		t.Fatalf("a responder added a global subscription: %d", a.status)
	}
	a = s.call(t, "rita", "POST", "/api/v1/incidents/"+ref+"/subscriptions", `{"name":"war room","kind":"slack","address":"https://hooks.slack.test/services/T0/B0/SECRETTOKEN"}`)
	if a.status != 201 || strings.Contains(a.raw, "SECRETTOKEN") {
		t.Fatalf("subscribe: %d %s", a.status, a.raw)
	}
	if a = s.call(t, "rita", "GET", "/api/v1/incidents/"+ref+"/subscriptions", ""); strings.Contains(a.raw, "SECRETTOKEN") || !strings.Contains(a.raw, "war room") {
		t.Fatalf("subscriptions show a secret or miss one: %s", a.raw)
	}
}
