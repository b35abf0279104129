package app_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"net/textproto"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// TestDomainMetrics drives a server on loopback through alerts on a
// webhook (one repeated, one resolved), mail on the SMTP listener (one
// filed, one refused), a delivery over a webhook channel and a duty that
// comes due and then overdue on the injected clock, and reads each count
// back from /metrics, which promtool still passes.
func TestDomainMetrics(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			testDomainMetrics(t, b)
		})
	}
}

func testDomainMetrics(t *testing.T, b storetest.Backend) {
	ctx := context.Background()
	dsn := storetest.SQLiteDSN(t)
	if b.Name == "postgres" {
		dsn = storetest.PostgresDSN(t)
	}
	clock := storetest.NewClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	var mu sync.Mutex
	var hooks []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		hooks = append(hooks, string(body))
		mu.Unlock()
	}))
	t.Cleanup(hook.Close)
	org := &duties.Profile{Roles: []string{"controller"}, EntityTypes: []string{"essential_entity"}, Countries: []string{"DE"}}
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: dsn, Version: "test", Now: clock.Now,
		Outbound: outbound.LoopbackPolicy(), Organization: org, SMTPAddr: "127.0.0.1:0",
		SMTP: app.SMTPConfig{Mailboxes: triage.Mailboxes{Alerts: []string{"alerts@firebreak.test"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })

	// From start: every bounded series is there, at 0.
	text := scrape(t, a.URL())
	for _, s := range []string{
		`firebreak_alerts_received_total{integration="generic"}`, `firebreak_alerts_received_total{integration="email"}`,
		`firebreak_alerts_deduplicated_total{integration="alertmanager"}`, `firebreak_alerts_resolved_total{integration="pagerduty"}`,
		`firebreak_smtp_messages_total{outcome="accepted"}`, `firebreak_smtp_messages_total{outcome="refused"}`,
		`firebreak_outbox_channel_deliveries_total{channel="webhook",outcome="sent"}`, `firebreak_outbox_channel_deliveries_total{channel="email",outcome="failed"}`,
		`firebreak_outbox_channel_attempt_seconds_count{channel="slack"}`,
		`firebreak_outbox_deliveries_total{kind="contact_code",outcome="sent"}`,
		`firebreak_duties{state="due_soon"}`, `firebreak_duties{state="overdue"}`,
	} {
		if v, ok := metricValue(text, s); !ok || v != 0 {
			t.Errorf("at start %s = %v (present %v), want 0", s, v, ok)
		}
	}

	// Alerts: fired, fired again (deduplicated), resolved.
	_, secret, err := a.Services.Triage.CreateIntegration(ctx, "admin", triage.IntegrationInput{Kind: alert.SourceGeneric, Name: "backups", Service: "db"})
	if err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"trigger", "trigger", "resolve"} {
		body := fmt.Sprintf(`{"dedup_key":"backup-db1","action":%q,"summary":"Nightly backup of db1 failed","labels":{"alertname":"Backup"}}`, action)
		resp, err := http.Post(a.URL()+"/hooks/generic/"+secret, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("%s: %d %s", action, resp.StatusCode, b)
		}
	}

	// Mail: one refused at RCPT, one filed as an alert.
	if err := sendMail(a.SMTPAddr(), "root@firebreak.test", "Subject: x\r\n\r\nx\r\n"); !isSMTPCode(err, 550) {
		t.Fatalf("unknown mailbox: %v, want 550", err)
	}
	if err := sendMail(a.SMTPAddr(), "alerts@firebreak.test", "From: cron@example.org\r\nSubject: Disk full on db2\r\n\r\n/var is at 100%\r\n"); err != nil {
		t.Fatalf("mail to the alerts mailbox: %v", err)
	}

	// A delivery over the webhook channel: a new contact's code.
	if _, err := a.Services.Auth.CreateUser(ctx, auth.UserInput{Username: "cleo", Role: auth.Responder}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Services.Contacts.AddContact(ctx, contacts.Actor{User: "cleo"}, "cleo", contacts.ContactInput{Name: "phone",
		Target: notify.Target{Kind: notify.KindWebhook, Address: hook.URL + "/cleo", Secret: pagingHookKey}}); err != nil {
		t.Fatal(err)
	}

	// A duty: NIS2's early warning is due 24 h after awareness, on a
	// restricted incident (counted; nothing of it is named).
	inc, err := a.Services.Incidents.Declare(ctx, "cleo", incident.DeclareInput{Title: "Customer records exposed", Severity: "SEV3",
		Source: incident.SourceInternal, Restricted: true})
	if err != nil {
		t.Fatal(err)
	}
	in := duties.FactsInput{Anchors: map[string]string{"aware": clock.Now().Format(time.RFC3339)}, PersonalData: true, AffectedIndividuals: ptr(1200),
		AffectedByJurisdiction: map[string]int{"EU": 1200}, DataTypes: []string{"credentials"}}
	if _, err := a.Services.Duties.PutFacts(ctx, incident.Viewer{User: "cleo"}, inc.Ref, in, nil); err != nil {
		t.Fatal(err)
	}

	want := map[string]float64{
		`firebreak_alerts_received_total{integration="generic"}`:                      3,
		`firebreak_alerts_deduplicated_total{integration="generic"}`:                  1,
		`firebreak_alerts_resolved_total{integration="generic"}`:                      1,
		`firebreak_alerts_received_total{integration="email"}`:                        1,
		`firebreak_alerts_received_total{integration="grafana"}`:                      0,
		`firebreak_smtp_messages_total{outcome="accepted"}`:                           1,
		`firebreak_smtp_messages_total{outcome="refused"}`:                            1,
		`firebreak_smtp_messages_total{outcome="failed"}`:                             0,
		`firebreak_outbox_channel_deliveries_total{channel="webhook",outcome="sent"}`: 1,
		`firebreak_outbox_channel_attempt_seconds_count{channel="webhook"}`:           1,
		`firebreak_outbox_deliveries_total{kind="contact_code",outcome="sent"}`:       1,
		`firebreak_duties{state="due_soon"}`:                                          0,
		`firebreak_duties{state="overdue"}`:                                           0,
	}
	waitMetrics(t, a.URL(), want)

	// The gauges are the incident page's statuses: counted the same way.
	dutyCounts := func() (soon, overdue float64) {
		items, err := a.Services.Duties.Items(ctx, incident.Viewer{User: "admin", SeeAll: true}, inc.Ref)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			switch it.Status {
			case comms.DueSoon:
				soon++
			case comms.Overdue:
				overdue++
			}
		}
		return soon, overdue
	}
	clock.Advance(21 * time.Hour) // 3 h left of the early warning's 24
	soon, overdue := dutyCounts()
	if soon < 1 || overdue != 0 {
		t.Fatalf("the incident page has %v due soon, %v overdue 21 h after awareness", soon, overdue)
	}
	want[`firebreak_duties{state="due_soon"}`], want[`firebreak_duties{state="overdue"}`] = soon, overdue
	waitMetrics(t, a.URL(), want)
	clock.Advance(4 * time.Hour) // an hour past it
	soon, overdue = dutyCounts()
	if overdue < 1 {
		t.Fatalf("the incident page has no duty overdue 25 h after awareness")
	}
	want[`firebreak_duties{state="due_soon"}`], want[`firebreak_duties{state="overdue"}`] = soon, overdue
	waitMetrics(t, a.URL(), want)
	// Submitted, the early warning is no longer overdue.
	if err := a.Services.Duties.RecordSubmission(ctx, incident.Viewer{User: "cleo"}, inc.Ref, "eu-nis2-art23-significant-incident", "early_warning", clock.Now(), ""); err != nil {
		t.Fatal(err)
	}
	soon, after := dutyCounts()
	if after != overdue-1 {
		t.Fatalf("the incident page has %v overdue after the submission, want %v", after, overdue-1)
	}
	want[`firebreak_duties{state="due_soon"}`], want[`firebreak_duties{state="overdue"}`] = soon, after
	text = waitMetrics(t, a.URL(), want)
	if strings.Contains(text, inc.Ref) || strings.Contains(text, inc.ID) || strings.Contains(text, "backups") {
		t.Errorf("the metrics name an incident or an integration:\n%s", grepLines(text, inc.Ref))
	}
	promtoolCheck(t, text)
}

// waitMetrics scrapes until every series in want has its value (the
// inline sends and the access log settle just after their answers).
func waitMetrics(t *testing.T, base string, want map[string]float64) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		text := scrape(t, base)
		var off []string
		for s, v := range want {
			if got, ok := metricValue(text, s); !ok || got != v {
				off = append(off, fmt.Sprintf("%s = %v (present %v), want %v", s, got, ok, v))
			}
		}
		if len(off) == 0 {
			return text
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics:\n%s", strings.Join(off, "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// metricValue is the value of the series named exactly as series (labels
// in the exposition's order) in text.
func metricValue(text, series string) (float64, bool) {
	for _, l := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f, err == nil
		}
	}
	return 0, false
}

func promtoolCheck(t *testing.T, text string) {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Log("promtool is not installed (Debian: apt-get install prometheus); not checked by it")
		return
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

// sendMail runs one SMTP transaction with net/smtp.
func sendMail(addr, to, msg string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("client.example.org"); err != nil {
		return err
	}
	if err := c.Mail("cron@example.org"); err != nil {
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

func isSMTPCode(err error, code int) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code == code
}
