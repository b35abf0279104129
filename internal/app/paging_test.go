package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/roster"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// mailbox is an in-process SMTP server on loopback that keeps every
// message, with when it arrived.
type mailbox struct {
	mu   sync.Mutex
	mail []mail
	port int
}

type mail struct {
	at   time.Time
	to   []string
	data string
}

func (m *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{box: m}, nil }

type mailSession struct {
	box *mailbox
	to  []string
}

func (s *mailSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.box.mu.Lock()
	s.box.mail = append(s.box.mail, mail{at: time.Now(), to: s.to, data: string(b)})
	s.box.mu.Unlock()
	return nil
}
func (s *mailSession) Reset()        { s.to = nil }
func (s *mailSession) Logout() error { return nil }

func startMailbox(t *testing.T) *mailbox {
	m := &mailbox{}
	srv := smtp.NewServer(m)
	srv.Domain = "mx.test"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	m.port = ln.Addr().(*net.TCPAddr).Port
	return m
}

func (m *mailbox) messages() []mail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]mail(nil), m.mail...)
}

// hookbox is a loopback webhook receiver that verifies signatures.
type hookbox struct {
	mu  sync.Mutex
	got []hooked
	srv *httptest.Server
}

type hooked struct {
	at time.Time
	p  notify.WebhookPayload
}

const pagingHookKey = "app-test-webhook-key-0123456789"

func startHookbox(t *testing.T) *hookbox {
	h := &hookbox{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, _ := io.ReadAll(r.Body)
		if err := notify.VerifySignature([]byte(pagingHookKey), r.Header.Get("X-Firebreak-Timestamp"), r.Header.Get("X-Firebreak-Signature"), body, at, 0); err != nil {
			t.Errorf("webhook signature: %v", err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var p notify.WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		h.mu.Lock()
		h.got = append(h.got, hooked{at, p})
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookbox) all() []hooked {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hooked(nil), h.got...)
}

func waitUntil(t *testing.T, what string, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var verifyCode = regexp.MustCompile(`code (\d{6})`)

// TestAlertmanagerPagesOnCall: a real Prometheus Alertmanager fires; the
// on-call person's webhook and mailbox (a real SMTP exchange) get the page
// within half a second of Firebreak accepting the alert; the signed link in
// the page shows a confirmation on GET (changing nothing) and acknowledges
// on POST; the acknowledger leads the incident declared from the entry.
func TestAlertmanagerPagesOnCall(t *testing.T) {
	bin := "/usr/bin/prometheus-alertmanager"
	if p := os.Getenv("FIREBREAK_TEST_ALERTMANAGER"); p != "" {
		bin = p
	}
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("Prometheus Alertmanager is not installed at %s (apt-get install prometheus-alertmanager): %v", bin, err)
	}
	if testing.Short() {
		t.Skip("-short: skips the real Alertmanager")
	}
	ctx := context.Background()
	box, hooks := startMailbox(t), startHookbox(t)
	fb, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: filepath.Join(t.TempDir(), "firebreak.db"), Version: "test",
		Outbound: outbound.LoopbackPolicy(),
		Email:    &notify.Email{Host: "127.0.0.1", Port: box.port, From: "Firebreak <pager@firebreak.test>", TLS: notify.TLSNone, Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if err := fb.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fb.Stop(context.Background()) })
	pg := fb.Services

	// Dana is on call, reachable by webhook and email, both verified with
	// the codes they received.
	if _, err := fb.Services.Auth.CreateUser(ctx, auth.UserInput{Username: "dana", Email: "dana@example.test", Role: auth.Responder}); err != nil {
		t.Fatal(err)
	}
	me := contacts.Actor{User: "dana"}
	hook, err := pg.Contacts.AddContact(ctx, me, "dana", contacts.ContactInput{Name: "phone", Target: notify.Target{Kind: notify.KindWebhook, Address: hooks.srv.URL + "/dana", Secret: pagingHookKey}})
	if err != nil {
		t.Fatal(err)
	}
	code := verifyCode.FindStringSubmatch(hooks.all()[0].p.Title)
	if _, err := pg.Contacts.VerifyContact(ctx, me, hook.ID, code[1]); err != nil {
		t.Fatal(err)
	}
	mailC, err := pg.Contacts.AddContact(ctx, me, "dana", contacts.ContactInput{Name: "mail", Target: notify.Target{Kind: notify.KindEmail, Address: "dana@example.test"}})
	if err != nil {
		t.Fatal(err)
	}
	code = verifyCode.FindStringSubmatch(box.messages()[0].data)
	if code == nil {
		t.Fatalf("no code in the verification mail:\n%s", box.messages()[0].data)
	}
	if _, err := pg.Contacts.VerifyContact(ctx, me, mailC.ID, code[1]); err != nil {
		t.Fatal(err)
	}
	sch := oncall.Schedule{Name: "web-primary", TimeZone: "America/New_York", Layers: []oncall.Layer{{Name: "weekly", Users: []string{"dana"},
		Start: time.Now().Add(-48 * time.Hour), Rotation: oncall.Rotation{Kind: oncall.Weekly}}}}
	pol := oncall.Policy{Name: "web", Steps: []oncall.Step{{Targets: []oncall.Target{{Kind: oncall.TargetSchedule, Name: "web-primary"}}, Delay: 5}}}
	if err := pg.Roster.Change(ctx, "admin", []any{sch, pol, roster.Service{Name: "web", Policy: "web"}}, nil); err != nil {
		t.Fatal(err)
	}
	_, secret, err := fb.Services.Triage.CreateIntegration(ctx, "admin", triage.IntegrationInput{Kind: alert.SourceAlertmanager, Name: "prom", Service: "web"})
	if err != nil {
		t.Fatal(err)
	}
	hooksBefore, mailBefore := len(hooks.all()), len(box.messages())

	// Alertmanager, pointed at Firebreak.
	dir := t.TempDir()
	cfg := fmt.Sprintf("route:\n  receiver: firebreak\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: firebreak\n    webhook_configs:\n      - url: %s/hooks/alertmanager/%s\n", fb.URL(), secret)
	cfgPath := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	amURL := runAlertmanager(t, bin, cfgPath, filepath.Join(dir, "data"))
	body, _ := json.Marshal([]map[string]any{{
		"labels":      map[string]string{"alertname": "CheckoutDown", "severity": "critical", "instance": "web-1"},
		"annotations": map[string]string{"summary": "Checkout returns 503"},
	}})
	resp, err := http.Post(amURL+"/api/v2/alerts", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	// The entry appears; both channels page Dana.
	var entry triage.Entry
	waitUntil(t, "a queue entry", 30*time.Second, func() bool {
		q, _ := fb.Services.Triage.Queue(ctx, incident.Viewer{User: "admin", SeeAll: true}, false, 10)
		if len(q) == 1 {
			entry = q[0]
		}
		return len(q) == 1
	})
	waitUntil(t, "the webhook page and the email page", 10*time.Second, func() bool {
		return len(hooks.all()) > hooksBefore && len(box.messages()) > mailBefore
	})
	page := hooks.all()[hooksBefore]
	email := box.messages()[mailBefore]
	accepted := entry.Group.FirstSeen // when Firebreak took the alert in
	for what, at := range map[string]time.Time{"webhook": page.at, "email": email.at} {
		lat := at.Sub(accepted)
		t.Logf("alert accepted → %s page: %s", what, lat.Round(time.Millisecond))
		if lat > 500*time.Millisecond {
			t.Errorf("%s page took %s (target p99 < 500 ms)", what, lat)
		}
	}
	if !strings.Contains(page.p.Title, "Checkout returns 503") || page.p.Severity != "critical" || page.p.AckURL == "" {
		t.Fatalf("webhook page: %+v", page.p)
	}
	decoded, _ := io.ReadAll(quotedprintable.NewReader(strings.NewReader(email.data)))
	if !strings.Contains(string(decoded), "/ack/") || !strings.Contains(email.data, "Checkout returns 503") || email.to[0] != "dana@example.test" {
		t.Fatalf("email page:\n%s", email.data)
	}

	// The link: GET only asks, POST acknowledges, a second POST is refused.
	link, _ := url.Parse(page.p.AckURL)
	ack := fb.URL() + link.Path
	get, err := http.Get(ack)
	if err != nil {
		t.Fatal(err)
	}
	getBody, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if get.StatusCode != http.StatusOK || !strings.Contains(string(getBody), "<form") {
		t.Fatalf("GET ack link: %d\n%s", get.StatusCode, getBody)
	}
	views, _ := pg.Escalations.For(ctx, escalation.SubjectQueue, entry.Group.ID)
	if len(views) != 1 || views[0].State != escalation.Open {
		t.Fatalf("GET changed the escalation: %+v", views)
	}
	post, err := http.PostForm(ack, nil)
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if post.StatusCode != http.StatusOK {
		t.Fatalf("POST ack link: %d", post.StatusCode)
	}
	views, _ = pg.Escalations.For(ctx, escalation.SubjectQueue, entry.Group.ID)
	if views[0].State != escalation.Acknowledged || views[0].AckedBy != "dana" {
		t.Fatalf("after POST: %+v", views[0].Escalation)
	}
	again, err := http.PostForm(ack, nil)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if again.StatusCode/100 != 4 {
		t.Fatalf("second POST of the link: %d, want 4xx", again.StatusCode)
	}
	waitUntil(t, "the entry acknowledged by dana", 5*time.Second, func() bool {
		e, err := fb.Services.Triage.Entry(ctx, entry.Group.ID)
		return err == nil && e.Status == triage.Acknowledged && e.AckedBy == "dana"
	})
	// Dana assesses and declares: she leads the incident.
	inc, err := fb.Services.Triage.Declare(ctx, incident.Viewer{User: "dana"}, entry.Group.ID, incident.DeclareInput{Severity: "SEV2"})
	if err != nil {
		t.Fatal(err)
	}
	if lead := inc.Holders(incident.IRLead); len(lead) != 1 || lead[0] != "dana" {
		t.Fatalf("IR Lead after the acknowledged page: %v", lead)
	}
}

// TestAckAssignsIRLead: acknowledging a page about an incident without an
// IR Lead makes the acknowledger its IR Lead.
func TestAckAssignsIRLead(t *testing.T) {
	ctx := context.Background()
	hooks := startHookbox(t)
	fb, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: filepath.Join(t.TempDir(), "firebreak.db"), Version: "test", Outbound: outbound.LoopbackPolicy()})
	if err != nil {
		t.Fatal(err)
	}
	if err := fb.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fb.Stop(context.Background()) })
	pg := fb.Services
	if _, err := fb.Services.Auth.CreateUser(ctx, auth.UserInput{Username: "eve", Role: auth.Responder}); err != nil {
		t.Fatal(err)
	}
	c, err := pg.Contacts.AddContact(ctx, contacts.Actor{User: "eve"}, "eve", contacts.ContactInput{Target: notify.Target{Kind: notify.KindWebhook, Address: hooks.srv.URL, Secret: pagingHookKey}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pg.Contacts.VerifyContact(ctx, contacts.Actor{User: "eve"}, c.ID, verifyCode.FindStringSubmatch(hooks.all()[0].p.Title)[1]); err != nil {
		t.Fatal(err)
	}
	inc, err := fb.Services.Incidents.Declare(ctx, "admin", incident.DeclareInput{Title: "Suspicious logins", Severity: "SEV3"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := pg.Escalations.PageIncident(ctx, incident.Viewer{User: "admin", SeeAll: true}, inc.Ref, escalation.PageInput{
		Targets: []oncall.Target{{Kind: oncall.TargetUser, Name: "eve"}}, Message: "Can you take this?"})
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "eve's page", 5*time.Second, func() bool { return len(hooks.all()) == 2 })
	if p := hooks.all()[1].p; !strings.Contains(p.Body, "Can you take this?") || !strings.Contains(p.Title, inc.Ref) {
		t.Fatalf("page: %+v", p)
	}
	if _, err := pg.Escalations.Acknowledge(ctx, "eve", e.ID); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "eve as IR Lead", 5*time.Second, func() bool {
		got, err := fb.Services.Incidents.Get(ctx, incident.Viewer{User: "admin", SeeAll: true}, inc.Ref)
		return err == nil && len(got.Holders(incident.IRLead)) == 1 && got.Holders(incident.IRLead)[0] == "eve"
	})
}

func runAlertmanager(t *testing.T, bin, cfgPath, storage string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var out bytes.Buffer
	var mu sync.Mutex
	cmd := exec.Command(bin, "--config.file="+cfgPath, "--storage.path="+storage, "--web.listen-address="+addr, "--cluster.listen-address=")
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return out.Write(p) })
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			mu.Lock()
			t.Logf("alertmanager:\n%s", out.String())
			mu.Unlock()
		}
	})
	u := "http://" + addr
	waitUntil(t, "alertmanager ready", 30*time.Second, func() bool {
		resp, err := http.Get(u + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return u
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestDeadJobsAreVisible: a job that fails for good is listed for admins.
func TestDeadJobsAreVisible(t *testing.T) {
	s := newSetup(t, storetest.Backends()[0])
	ctx := context.Background()
	if err := s.app.DB.Enqueue(ctx, engine.Job{Kind: "no.such.kind", Args: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	get := func(token string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, s.app.URL()+"/api/v1/jobs/dead", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitUntil(t, "the job dead-lettered", 5*time.Second, func() bool {
		code, body := get(adminToken)
		return code == http.StatusOK && strings.Contains(body, `no handler for job kind \"no.such.kind\"`)
	})
	s.user(t, "rob", "responder")
	tok, err := s.admin.CreateToken(ctx, "rob", "t")
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := get(tok.Secret); code != http.StatusForbidden {
		t.Fatalf("a responder listed dead jobs: %d", code)
	}
}
