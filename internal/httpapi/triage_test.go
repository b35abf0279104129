package httpapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// newSetupOn is newSetup on a chosen backend, with a clock when now is
// not nil.
func newSetupOn(t *testing.T, b storetest.Backend, now func() time.Time) *setup {
	t.Helper()
	dsn := storetest.SQLiteDSN(t)
	if b.Name == "postgres" {
		dsn = storetest.PostgresDSN(t)
	}
	a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DSN: dsn, BootstrapToken: adminToken, Version: "test", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	s := &setup{url: a.URL(), app: a, admin: client.New(a.URL(), adminToken), tokens: map[string]string{"admin": adminToken}}
	for _, u := range []struct{ name, role string }{{"vera", "viewer"}, {"rita", "responder"}} {
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

func (s *setup) as(user string) *client.Client { return client.New(s.url, s.tokens[user]) }

func alertmanagerSample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../intake/testdata/alertmanager-01-firing-first-notification.json")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// variant is the sample as another alert: name replaces the alertname, and
// the fingerprints change with it as Alertmanager's would.
func variant(sample, name string) string {
	return strings.NewReplacer("HighErrorRate", name, "6eb5d58c6b6f9a2e", name+"-1", "80aa36c0a221a02d", name+"-2").Replace(sample)
}

func deliver(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func statusOf(err error) int {
	var e *client.Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

func TestIntegrationsAreForAdmins(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	ctx := context.Background()
	for _, tt := range []struct {
		user, method, path, body string
		status                   int
	}{
		{"rita", "GET", "/api/v1/integrations", "", 403},
		{"rita", "POST", "/api/v1/integrations", `{"kind":"generic","name":"ci"}`, 403},
		{"rita", "DELETE", "/api/v1/integrations/x", "", 403},
		{"vera", "GET", "/api/v1/integrations", "", 403},
		{"", "GET", "/api/v1/integrations", "", 401},
		{"admin", "POST", "/api/v1/integrations", `{"kind":"nagios","name":"ci"}`, 422},
		{"admin", "POST", "/api/v1/integrations", `{"kind":"generic","name":"Not A Name"}`, 422},
		{"admin", "DELETE", "/api/v1/integrations/nope", "", 404},
	} {
		if a := s.call(t, tt.user, tt.method, tt.path, tt.body); a.status != tt.status {
			t.Errorf("%s %s %s: %d, want %d: %s", tt.user, tt.method, tt.path, a.status, tt.status, a.raw)
		}
	}
	if a := s.call(t, "admin", "POST", "/api/v1/integrations", `{"kind":"generic","name":"Not A Name"}`); !contains(a.locations(), "name") {
		t.Errorf("bad name: problem names %v", a.locations())
	}

	it, err := s.admin.CreateIntegration(ctx, httpapi.IntegrationBody{Kind: "generic", Name: "ci", Team: "build"})
	if err != nil {
		t.Fatal(err)
	}
	if it.ID == "" || it.Service != "ci" || it.Team != "build" || it.CreatedBy != "admin" || !strings.HasPrefix(it.Token, "fbk_") {
		t.Fatalf("created: %+v", it)
	}
	if want := s.url + "/hooks/generic/" + it.Token; it.WebhookURL != want {
		t.Fatalf("webhook_url %q, want %q", it.WebhookURL, want)
	}
	// The URL is the public one (here the listening one), whatever the
	// request says its scheme and host are.
	a := s.call(t, "admin", "POST", "/api/v1/integrations", `{"kind":"grafana","name":"graf"}`, "X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil.example")
	if a.status != 201 || a.body["webhook_url"] != s.url+"/hooks/grafana/"+a.body["token"].(string) {
		t.Fatalf("with forged X-Forwarded-*: %d %s", a.status, a.raw)
	}
	list, err := s.admin.Integrations(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %v %+v", err, list)
	}
	raw := s.call(t, "admin", "GET", "/api/v1/integrations", "").raw
	if strings.Contains(raw, it.Token) || strings.Contains(raw, "token") {
		t.Fatalf("the list shows a token: %s", raw)
	}
	if err := s.admin.DisableIntegration(ctx, it.ID); err != nil {
		t.Fatal(err)
	}
	if code, body := deliver(t, it.WebhookURL, `{"summary":"x"}`); code != 401 {
		t.Fatalf("delivery to a disabled integration: %d %s", code, body)
	}
	list, _ = s.admin.Integrations(ctx)
	for _, i := range list {
		if i.ID == it.ID && !i.Disabled {
			t.Fatalf("not disabled: %+v", i)
		}
	}
}

func TestTriageQueueFromAlertToIncident(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			testTriageQueue(t, newSetupOn(t, b, nil))
		})
	}
}

func testTriageQueue(t *testing.T, s *setup) {
	ctx := context.Background()
	rita, vera := s.as("rita"), s.as("vera")
	it, err := s.admin.CreateIntegration(ctx, httpapi.IntegrationBody{Kind: "alertmanager", Name: "prom", Service: "checkout", Team: "payments"})
	if err != nil {
		t.Fatal(err)
	}
	sample := alertmanagerSample(t)
	if code, body := deliver(t, it.WebhookURL, sample); code != 200 {
		t.Fatalf("delivery: %d %s", code, body)
	}

	// Anyone signed in reads the queue.
	q, err := vera.Queue(ctx, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 1 {
		t.Fatalf("queue has %d entries, want 1: %+v", len(q), q)
	}
	e := q[0]
	if e.ID == "" || e.ID != e.Group.ID || e.Status != "new" || e.Source != "alertmanager" || e.Integration != "prom" ||
		e.Severity != "critical" || e.Rank != 1 || e.Group.Firing != 2 || e.Group.Summary != "5xx rate above 5% on checkout" {
		t.Fatalf("entry: %+v", e)
	}
	if e.Annotations["runbook_url"] == "" || len(e.Links) == 0 || e.Group.CommonLabels["service"] != "checkout" {
		t.Fatalf("entry lacks annotations, links or labels: %+v", e)
	}
	d, err := vera.Entry(ctx, e.ID)
	if err != nil || d.ID != e.ID || len(d.Alerts) != 2 || len(d.Log) != 0 {
		t.Fatalf("detail: %v %+v", err, d)
	}
	if s.call(t, "", "GET", "/api/v1/triage", "").status != 401 {
		t.Fatal("the queue is open without a token")
	}

	// A viewer may not act.
	for _, action := range []string{"acknowledge", "dismiss", "snooze", "declare", "attach"} {
		if a := s.call(t, "vera", "POST", "/api/v1/triage/"+e.ID+"/"+action, `{}`); a.status != 403 {
			t.Errorf("viewer %s: %d %s", action, a.status, a.raw)
		}
	}
	if _, err := vera.Acknowledge(ctx, e.ID); statusOf(err) != 403 {
		t.Fatalf("viewer acknowledge via client: %v", err)
	}

	// Bad input names the field.
	for _, tt := range []struct {
		name, path, body string
		status           int
		location         string
	}{
		{"dismiss without reason", "/dismiss", `{}`, 422, "reason"},
		{"dismiss with a blank reason", "/dismiss", `{"reason":"   "}`, 422, "reason"},
		{"dismiss without body", "/dismiss", ``, 400, ""},
		{"snooze without until", "/snooze", `{}`, 422, "until"},
		{"snooze into the past", "/snooze", `{"until":"2020-01-01T00:00:00Z"}`, 422, "until"},
		{"snooze with a bad time", "/snooze", `{"until":"tomorrow"}`, 422, "body.until"},
		{"attach without incident", "/attach", `{}`, 422, "incident"},
		{"attach to nothing", "/attach", `{"incident":"INC-99"}`, 404, "incident"},
		{"declare with an unknown severity", "/declare", `{"severity":"SEV9"}`, 422, "severity"},
		{"declare with an unknown field", "/declare", `{"bogus":1}`, 422, "body.bogus"},
	} {
		a := s.call(t, "rita", "POST", "/api/v1/triage/"+e.ID+tt.path, tt.body)
		if a.status != tt.status || (tt.location != "" && !contains(a.locations(), tt.location)) {
			t.Errorf("%s: %d %s, want %d naming %q", tt.name, a.status, a.raw, tt.status, tt.location)
		}
		if ct := a.header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s: Content-Type %q", tt.name, ct)
		}
	}
	// An unknown entry is 404.
	for _, action := range []string{"", "/acknowledge", "/dismiss", "/snooze", "/declare", "/attach"} {
		method, body := "POST", ""
		switch action {
		case "":
			method = "GET"
		case "/dismiss":
			body = `{"reason":"x"}`
		case "/snooze":
			body = `{"until":"` + time.Now().Add(time.Hour).UTC().Format(time.RFC3339) + `"}`
		case "/declare": // the body is optional
		case "/attach":
			body = `{"incident":"INC-1"}`
		}
		if a := s.call(t, "rita", method, "/api/v1/triage/0000-nope"+action, body); a.status != 404 {
			t.Errorf("%s unknown entry%s: %d %s", method, action, a.status, a.raw)
		}
	}

	acked, err := rita.Acknowledge(ctx, e.ID)
	if err != nil || acked.Status != "acknowledged" || acked.AckedBy != "rita" || acked.AckedAt == nil {
		t.Fatalf("acknowledge: %v %+v", err, acked)
	}
	// Acknowledged entries still wait.
	if q, _ := vera.Queue(ctx, false, 0); len(q) != 1 || q[0].Status != "acknowledged" {
		t.Fatalf("queue after acknowledge: %+v", q)
	}

	inc, err := rita.DeclareFromQueue(ctx, e.ID, httpapi.TriageDeclareBody{Severity: "SEV2"}, "")
	if err != nil {
		t.Fatal(err)
	}
	first := time.Date(2026, 11, 26, 22, 52, 14, 0, time.UTC)
	if inc.Ref != "INC-1" || inc.Title != "5xx rate above 5% on checkout" || inc.Severity != "SEV2" || inc.Source != "alert" ||
		!inc.DetectedAt.Equal(first) || inc.DeclaredBy != "rita" {
		t.Fatalf("declared: %+v", inc)
	}
	a := s.call(t, "rita", "GET", "/api/v1/triage/"+e.ID, "")
	if a.body["status"] != "declared" || a.body["incident_ref"] != "INC-1" {
		t.Fatalf("entry after declare: %s", a.raw)
	}
	tl, err := rita.Timeline(ctx, "INC-1", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if !hasEvent(tl, "signal.linked") {
		t.Fatalf("timeline lacks signal.linked: %+v", tl.Items)
	}
	// It is on the record, and it no longer waits.
	d, _ = vera.Entry(ctx, e.ID)
	if len(d.Log) != 2 || d.Log[0].Action != "acknowledge" || d.Log[0].Actor != "rita" || d.Log[1].Action != "declared" || d.Log[1].Data != "INC-1" {
		t.Fatalf("record: %+v", d.Log)
	}
	if q, _ := vera.Queue(ctx, false, 0); len(q) != 0 {
		t.Fatalf("a declared entry still waits: %+v", q)
	}
	if q, _ := vera.Queue(ctx, true, 0); len(q) != 1 {
		t.Fatalf("all=true: %+v", q)
	}
	if _, err := rita.Acknowledge(ctx, e.ID); statusOf(err) != 422 {
		t.Fatalf("acknowledging a declared entry: %v", err)
	}
	if a := s.call(t, "rita", "POST", "/api/v1/triage/"+e.ID+"/declare", `{}`); a.status != 422 || !contains(a.locations(), "status") {
		t.Fatalf("declaring twice: %d %s", a.status, a.raw)
	}

	// A second group: snoozed, it leaves the queue; attached, it feeds INC-1.
	if code, body := deliver(t, it.WebhookURL, variant(sample, "LatencyHigh")); code != 200 {
		t.Fatalf("second delivery: %d %s", code, body)
	}
	q, _ = vera.Queue(ctx, false, 0)
	if len(q) != 1 || q[0].ID == e.ID {
		t.Fatalf("queue after second delivery: %+v", q)
	}
	second := q[0].ID
	until := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	sn, err := rita.Snooze(ctx, second, until)
	if err != nil || sn.Status != "snoozed" || sn.SnoozedUntil == nil || !sn.SnoozedUntil.Equal(until) {
		t.Fatalf("snooze: %v %+v", err, sn)
	}
	if q, _ := vera.Queue(ctx, false, 0); len(q) != 0 {
		t.Fatalf("a snoozed entry shows: %+v", q)
	}
	if _, err := rita.Attach(ctx, second, "INC-404"); statusOf(err) != 404 {
		t.Fatalf("attach to a missing incident: %v", err)
	}
	att, err := rita.Attach(ctx, second, "INC-1")
	if err != nil || att.Ref != "INC-1" {
		t.Fatalf("attach: %v %+v", err, att)
	}
	tl, _ = rita.Timeline(ctx, "INC-1", nil, false)
	if n := countEvents(tl, "signal.linked"); n != 2 {
		t.Fatalf("%d signal.linked events after attach, want 2", n)
	}
	d, _ = vera.Entry(ctx, second)
	if d.Status != "attached" || d.IncidentRef != "INC-1" || len(d.Log) != 2 || d.Log[0].Action != "snooze" || d.Log[1].Action != "attached" {
		t.Fatalf("attached entry: %+v", d)
	}

	// A third: dismissed with its reason.
	if code, body := deliver(t, it.WebhookURL, variant(sample, "LoadTest")); code != 200 {
		t.Fatalf("third delivery: %d %s", code, body)
	}
	q, _ = vera.Queue(ctx, false, 0)
	if len(q) != 1 {
		t.Fatalf("queue: %+v", q)
	}
	dis, err := rita.Dismiss(ctx, q[0].ID, "false positive: load test")
	if err != nil || dis.Status != "dismissed" || dis.Reason != "false positive: load test" {
		t.Fatalf("dismiss: %v %+v", err, dis)
	}
	d, _ = vera.Entry(ctx, q[0].ID)
	if len(d.Log) != 1 || d.Log[0].Action != "dismiss" || d.Log[0].Data != "false positive: load test" || d.Log[0].Actor != "rita" {
		t.Fatalf("dismiss record: %+v", d.Log)
	}
	if all, _ := vera.Queue(ctx, true, 0); len(all) != 3 {
		t.Fatalf("all=true lists %d, want 3", len(all))
	}
	if lim, _ := vera.Queue(ctx, true, 2); len(lim) != 2 {
		t.Fatalf("limit=2 lists %d", len(lim))
	}
}

func hasEvent(tl client.Timeline, typ string) bool { return countEvents(tl, typ) > 0 }

func countEvents(tl client.Timeline, typ string) int {
	n := 0
	for _, it := range tl.Items {
		if it.Type == typ {
			n++
		}
	}
	return n
}

// TestTriageQueueOrder: most severe first, then newest.
func TestTriageQueueOrder(t *testing.T) {
	t.Parallel()
	var clock atomic.Int64
	clock.Store(time.Now().Add(-time.Hour).UnixNano())
	s := newSetupOn(t, storetest.Backend{Name: "sqlite"}, func() time.Time { return time.Unix(0, clock.Load()) })
	ctx := context.Background()
	it, err := s.admin.CreateIntegration(ctx, httpapi.IntegrationBody{Kind: "alertmanager", Name: "prom"})
	if err != nil {
		t.Fatal(err)
	}
	sample := alertmanagerSample(t)
	for _, d := range []struct{ name, sev string }{{"OldWarning", "warning"}, {"OldCritical", "critical"}, {"NewWarning", "warning"}, {"NewCritical", "critical"}} {
		body := strings.ReplaceAll(variant(sample, d.name), `"critical"`, `"`+d.sev+`"`)
		if code, out := deliver(t, it.WebhookURL, body); code != 200 {
			t.Fatalf("delivery: %d %s", code, out)
		}
		clock.Add(int64(time.Minute))
	}
	q, err := s.as("vera").Queue(ctx, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range q {
		got = append(got, e.Group.CommonLabels["alertname"])
	}
	if want := "NewCritical OldCritical NewWarning OldWarning"; strings.Join(got, " ") != want {
		t.Fatalf("order %q, want %s", got, want)
	}
}

// A refused webhook says how to authenticate (RFC 9110 §11.6.1): no token
// is a bare Bearer challenge, an unknown one is invalid_token (RFC 6750).
func TestHookRefusalChallenges(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	for _, tt := range []struct {
		name, path, auth, want string
	}{
		{"unknown token in the path", "/hooks/generic/fbk_nope", "", `Bearer realm="firebreak-hooks", error="invalid_token"`},
		{"unknown Bearer token", "/hooks/generic", "Bearer fbk_nope", `Bearer realm="firebreak-hooks", error="invalid_token"`},
		{"no token", "/hooks/generic", "", `Bearer realm="firebreak-hooks"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), "POST", s.url+tt.path, strings.NewReader(`{"summary":"x"}`))
			if err != nil {
				t.Fatal(err)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != tt.want {
				t.Fatalf("%d WWW-Authenticate %q, want 401 with %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), tt.want)
			}
		})
	}
}
