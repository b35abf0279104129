package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// deliver creates an Alertmanager integration and posts the sample
// notification to its webhook, as Alertmanager would.
func deliver(t *testing.T, a interface {
	CreateIntegration(context.Context, string, triage.IntegrationInput) (triage.Integration, string, error)
}, base string) {
	t.Helper()
	_, token, err := a.CreateIntegration(context.Background(), "admin", triage.IntegrationInput{Kind: alert.SourceAlertmanager, Name: "prod-am", Team: "sre"})
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile("../intake/testdata/alertmanager-01-firing-first-notification.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := http.Post(base+"/hooks/alertmanager/"+token, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusOK && r.StatusCode != http.StatusAccepted {
		t.Fatalf("webhook answered %d", r.StatusCode)
	}
}

var entryLink = regexp.MustCompile(`href="/triage/([A-Za-z0-9_-]+)"`)

// queued delivers the sample and returns the path of its queue entry as
// seen on /triage.
func queued(t *testing.T, s *site, c *http.Client) string {
	t.Helper()
	deliver(t, s.app.Services.Triage, s.url)
	r := s.get(t, c, "/triage")
	if r.status != 200 {
		t.Fatalf("/triage: %d", r.status)
	}
	for _, want := range []string{"5xx rate above 5% on checkout", "critical", "sev sev1", "alertmanager · prod-am", "<b>2</b> firing", "alertname=HighErrorRate", "<time datetime=", ">new<"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("/triage lacks %q", want)
		}
	}
	m := entryLink.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("/triage links to no entry:\n%s", r.body)
	}
	return "/triage/" + m[1]
}

func TestTriageDeclareFromAlerts(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	c := s.signIn(t, "alice")
	entry := queued(t, s, c)

	page := s.get(t, c, entry)
	for _, want := range []string{
		`href="https://runbooks.example/high-error-rate"`,     // an annotation that is a link
		`href="http://prometheus.example:9090/graph?g0.expr=`, // the generator link
		"instance=10.0.0.2:8080",                              // each alert's labels
		`value="5xx rate above 5% on checkout"`,               // declare title prefilled
		`<option value="SEV1" selected>SEV1 — `,               // severity suggested from "critical"
		`action="` + entry + `/acknowledge"`, `action="` + entry + `/dismiss"`, `action="` + entry + `/snooze"`,
		"first alert received",
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("entry page lacks %q", want)
		}
	}

	r := s.post(t, c, entry+"/acknowledge", nil)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, entry) {
		t.Fatalf("acknowledge: %d %s\n%s", r.status, r.location, r.body)
	}
	page = s.get(t, c, entry)
	if !strings.Contains(page.body, "Acknowledged by <b>alice</b>") || !strings.Contains(page.body, "acknowledged: assessment started") {
		t.Fatal("the entry does not show who acknowledged it")
	}
	if q := s.get(t, c, "/triage"); !strings.Contains(q.body, "by alice") {
		t.Fatal("the queue does not show who acknowledged it")
	}

	// A blank title keeps the rest of what was typed.
	r = s.post(t, c, entry+"/declare", url.Values{"title": {" "}, "type": {"availability.outage"}, "summary": {"my notes so far"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "my notes so far") || !strings.Contains(r.body, `value="availability.outage"`) {
		t.Fatalf("declare without a title: %d", r.status)
	}
	r = s.post(t, c, entry+"/declare", url.Values{"title": {"Checkout 5xx"}, "severity": {"SEV2"}, "type": {"availability.outage"}, "summary": {"errors on checkout"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/incidents/INC-1") {
		t.Fatalf("declare: %d %s\n%s", r.status, r.location, r.body)
	}
	inc := s.get(t, c, "/incidents/INC-1/timeline")
	for _, want := range []string{"Checkout 5xx", "declared from alertmanager (prod-am)", "2 alert(s)", `datetime="2026-11-26T22:52:14Z"`} {
		if !strings.Contains(inc.body, want) {
			t.Errorf("incident page lacks %q", want)
		}
	}
	// Handled: off the waiting queue, on the full one, and no actions left.
	if q := s.get(t, c, "/triage"); strings.Contains(q.body, entry) {
		t.Error("a declared entry is still waiting")
	}
	if q := s.get(t, c, "/triage?all=1"); !strings.Contains(q.body, entry) || !strings.Contains(q.body, `href="/incidents/INC-1"`) {
		t.Error("the full queue lacks the declared entry and its incident")
	}
	page = s.get(t, c, entry)
	if strings.Contains(page.body, entry+"/dismiss") || !strings.Contains(page.body, "declared incident") {
		t.Error("a declared entry still offers actions, or its record lacks the declaration")
	}
	if r := s.post(t, c, entry+"/dismiss", url.Values{"reason": {"late"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "already declared") {
		t.Errorf("dismiss after declare: %d", r.status)
	}
}

func TestTriageDismissSnoozeAttach(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	c := s.signIn(t, "alice")
	entry := queued(t, s, c)

	r := s.post(t, c, entry+"/dismiss", url.Values{"as": {"duplicate"}, "reason": {"  "}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "needs a reason") || !strings.Contains(r.body, `value="duplicate" checked`) {
		t.Fatalf("dismiss without a reason: %d\n%s", r.status, r.body)
	}
	r = s.post(t, c, entry+"/snooze", url.Values{"until": {"2001-01-01T00:00"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "in the future") || !strings.Contains(r.body, `value="2001-01-01T00:00"`) {
		t.Fatalf("snooze into the past: %d", r.status)
	}
	r = s.post(t, c, entry+"/attach", url.Values{"ref": {"INC-99"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "no incident INC-99") || !strings.Contains(r.body, `value="INC-99"`) {
		t.Fatalf("attach to nothing: %d", r.status)
	}

	until := time.Now().Add(2 * time.Hour).UTC().Format("2006-01-02T15:04")
	r = s.post(t, c, entry+"/snooze", url.Values{"until": {until}, "tz_offset": {"0"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/triage?") {
		t.Fatalf("snooze: %d %s\n%s", r.status, r.location, r.body)
	}
	if q := s.get(t, c, "/triage"); strings.Contains(q.body, entry) {
		t.Error("a snoozed entry is still in sight")
	}
	if page := s.get(t, c, entry); !strings.Contains(page.body, "snoozed until") {
		t.Error("the record lacks the snooze")
	}

	r = s.post(t, c, entry+"/dismiss", url.Values{"as": {"false_positive"}, "reason": {"load test on checkout"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("dismiss: %d\n%s", r.status, r.body)
	}
	page := s.get(t, c, entry)
	if !strings.Contains(page.body, "dismissed: false positive: load test on checkout") || !strings.Contains(page.body, "Dismissed: false positive") {
		t.Error("the dismissal and its reason are not on the record")
	}
}

func TestTriageViewerAndAdmin(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	vera := s.signIn(t, "vera")
	entry := queued(t, s, vera)
	page := s.get(t, vera, entry)
	if page.status != 200 || strings.Contains(page.body, "<form method=\"post\" action=\"/triage/") {
		t.Fatalf("viewer's entry page: %d, or it shows actions", page.status)
	}
	for _, a := range []string{"acknowledge", "declare", "attach", "dismiss", "snooze"} {
		if r := s.post(t, vera, entry+"/"+a, url.Values{"reason": {"x"}, "title": {"x"}, "ref": {"INC-1"}, "for": {"1h"}}); r.status != http.StatusForbidden {
			t.Errorf("viewer POST %s: %d", a, r.status)
		}
	}
	if r := s.get(t, vera, "/admin/integrations"); r.status != http.StatusForbidden {
		t.Errorf("viewer on integrations: %d", r.status)
	}
	if strings.Contains(s.get(t, vera, "/triage").body, `href="/admin/integrations"`) {
		t.Error("a viewer's nav links to integrations")
	}
	det, _ := s.app.Services.Triage.Get(context.Background(), incident.Viewer{User: "admin", SeeAll: true}, strings.TrimPrefix(entry, "/triage/"))
	if det.Status != triage.New || len(det.Log) != 0 {
		t.Fatalf("a viewer changed the entry: %s, %d actions", det.Status, len(det.Log))
	}
}

func TestIntegrationsPage(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	if err := s.app.Services.Auth.SetPassword(context.Background(), "admin", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	c := s.signIn(t, "admin")
	r := s.get(t, c, "/admin/integrations")
	if r.status != 200 || !strings.Contains(r.body, "No integrations yet") || !strings.Contains(r.body, `aria-current="page">Integrations`) {
		t.Fatalf("integrations page: %d", r.status)
	}
	r = s.post(t, c, "/admin/integrations", url.Values{"kind": {"alertmanager"}, "name": {"Prod AM!"}, "service": {"checkout"}, "team": {"sre"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "lowercase") || !strings.Contains(r.body, `value="checkout"`) {
		t.Fatalf("bad name: %d", r.status)
	}
	r = s.post(t, c, "/admin/integrations", url.Values{"kind": {"alertmanager"}, "name": {"prod-am"}, "service": {"checkout"}, "team": {"sre"}})
	m := regexp.MustCompile(`id="hook-token" class="mono" readonly value="([^"]+)"`).FindStringSubmatch(r.body)
	if r.status != 200 || m == nil {
		t.Fatalf("create: %d\n%s", r.status, r.body)
	}
	token := m[1]
	hook := s.url + "/hooks/alertmanager/" + token
	if !strings.Contains(r.body, `value="`+hook+`"`) || !strings.Contains(r.body, "receivers:") || !strings.Contains(r.body, "- url: "+hook) {
		t.Fatal("the answer lacks the webhook address or the Alertmanager snippet")
	}
	// Shown once: the list does not have it.
	list := s.get(t, c, "/admin/integrations")
	if strings.Contains(list.body, token) || !strings.Contains(list.body, "prod-am") || !strings.Contains(list.body, "checkout") {
		t.Fatal("the list shows the token, or lacks the integration")
	}
	// The address works, until the integration is disabled.
	body, _ := os.ReadFile("../intake/testdata/alertmanager-01-firing-first-notification.json")
	send := func() int {
		r, err := http.Post(hook, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	if st := send(); st >= 300 {
		t.Fatalf("webhook with the shown token: %d", st)
	}
	its, _ := s.app.Services.Triage.Integrations(context.Background())
	r = s.post(t, c, "/admin/integrations/"+its[0].ID+"/disable", url.Values{"name": {"prod-am"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("disable: %d", r.status)
	}
	if st := send(); st != http.StatusUnauthorized {
		t.Fatalf("webhook after disable: %d", st)
	}
	if list := s.get(t, c, "/admin/integrations"); !strings.Contains(list.body, "disabled") {
		t.Fatal("the list does not show it disabled")
	}
	if r := s.get(t, s.signIn(t, "alice"), "/admin/integrations"); r.status != http.StatusForbidden {
		t.Errorf("responder on integrations: %d", r.status)
	}

	// A PagerDuty integration: the page shows the Events API URL and the
	// routing key to paste, and an event sent with them is taken.
	r = s.post(t, c, "/admin/integrations", url.Values{"kind": {"pagerduty"}, "name": {"pd-nagios"}})
	m = regexp.MustCompile(`id="hook-token" class="mono" readonly value="([^"]+)"`).FindStringSubmatch(r.body)
	if r.status != 200 || m == nil || !strings.Contains(r.body, "<code>"+s.url+"/hooks/pagerduty</code> as the Events API v2 URL") ||
		!strings.Contains(r.body, "integration key (<code>routing_key</code>)") {
		t.Fatalf("create pagerduty: %d\n%s", r.status, r.body)
	}
	event := `{"routing_key":"` + m[1] + `","event_action":"trigger","dedup_key":"disk-db-1","payload":{"summary":"Disk full on db-1","source":"db-1","severity":"warning"}}`
	resp, err := http.Post(s.url+"/hooks/pagerduty", "application/json", strings.NewReader(event))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("pagerduty event with the shown routing key: %d", resp.StatusCode)
	}
}

// TestBrowserTriageScreenshots looks at the queue and an entry in light and
// dark, on a desktop and a 375px phone, and checks nothing scrolls sideways.
func TestTriageOnlyWebLinks(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	_, token, err := s.app.Services.Triage.CreateIntegration(context.Background(), "admin", triage.IntegrationInput{Kind: alert.SourceAlertmanager, Name: "am"})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := os.ReadFile("../intake/testdata/alertmanager-01-firing-first-notification.json")
	body = bytes.ReplaceAll(body, []byte("https://runbooks.example/high-error-rate"), []byte("javascript:alert(1)"))
	r, err := http.Post(s.url+"/hooks/alertmanager/"+token, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	c := s.signIn(t, "alice")
	q, _ := s.app.Services.Triage.Queue(context.Background(), incident.Viewer{User: "admin", SeeAll: true}, false, 10)
	if len(q) != 1 {
		t.Fatalf("queue has %d entries (webhook answered %d)", len(q), r.StatusCode)
	}
	page := s.get(t, c, "/triage/"+q[0].Group.ID)
	if strings.Contains(page.body, `href="javascript:`) || strings.Contains(page.body, "ZgotmplZ") || !strings.Contains(page.body, "javascript:alert(1)") {
		t.Fatal("a javascript: address is a link, or is not shown at all")
	}
}

// TestTriageActionsAreLive: an action on the queue reaches open pages on
// this node, so the queue refreshes without a reload.
func TestTriageActionsAreLive(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	alice := s.signIn(t, "alice")
	entry := queued(t, s, alice)
	vera := s.signIn(t, "vera")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.url+"/events", nil)
	r, err := vera.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	got := make(chan string, 1)
	go func() {
		var seen strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := r.Body.Read(buf)
			seen.Write(buf[:n])
			if strings.Contains(seen.String(), "triage.acknowledge") || err != nil {
				got <- seen.String()
				return
			}
		}
	}()
	if r := s.post(t, alice, entry+"/acknowledge", nil); r.status != http.StatusSeeOther {
		t.Fatalf("acknowledge: %d", r.status)
	}
	select {
	case stream := <-got:
		if !strings.Contains(stream, `"type":"triage.acknowledge","actor":"alice"`) {
			t.Fatalf("the stream did not carry the acknowledgement: %q", stream)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no live change within 5s")
	}
}
