package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

// pdExample is one of PagerDuty's documented Events API v2 bodies
// (internal/intake/testdata) with the integration's token as routing key.
func pdExample(t *testing.T, name, token string) string {
	t.Helper()
	b, err := os.ReadFile("../intake/testdata/pagerduty-" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), `"routing_key": "samplekeyhere"`, `"routing_key": "`+token+`"`)
}

// pdPost posts an event and decodes PagerDuty's answer.
func pdPost(t *testing.T, url, body string) (int, map[string]any) {
	t.Helper()
	code, raw := deliver(t, url, body)
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatalf("%d %q: %v", code, raw, err)
	}
	return code, m
}

// TestPagerDutyTriggerAcknowledgeResolve sends PagerDuty's documented
// trigger, acknowledge and resolve events: they open, acknowledge and
// resolve one queue entry, answered as PagerDuty answers.
func TestPagerDutyTriggerAcknowledgeResolve(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	ctx := context.Background()
	it, err := s.admin.CreateIntegration(ctx, httpapi.IntegrationBody{Kind: "pagerduty", Name: "nagios", Service: "storage"})
	if err != nil {
		t.Fatal(err)
	}
	if it.WebhookURL != s.url+"/hooks/pagerduty/"+it.Token {
		t.Fatalf("webhook_url %q", it.WebhookURL)
	}
	code, ans := pdPost(t, s.url+"/hooks/pagerduty", pdExample(t, "01-trigger", it.Token))
	if code != http.StatusAccepted || ans["status"] != "success" || ans["message"] != "Event processed" || ans["dedup_key"] != "samplekeyhere" {
		t.Fatalf("trigger: %d %v", code, ans)
	}
	q, err := s.admin.Queue(ctx, false, 0)
	if err != nil || len(q) != 1 {
		t.Fatalf("queue: %v %+v", err, q)
	}
	e := q[0]
	if e.Source != "pagerduty" || e.Integration != "nagios" || e.Status != "new" || e.Severity != "critical" || e.Rank != 1 ||
		e.Group.Summary != "DISK at 99% on machine prod-datapipe03.example.com" || e.Group.Firing != 1 ||
		e.Group.Destination.Service != "storage" || e.Group.CommonLabels["component"] != "mysql" {
		t.Fatalf("entry: %+v", e)
	}
	d, err := s.admin.Entry(ctx, e.ID)
	if err != nil || len(d.Alerts) != 1 || !strings.Contains(d.Alerts[0].Alert.Details, `"free space": "1%"`) {
		t.Fatalf("detail: %v %+v", err, d)
	}
	if n := len(d.Alerts[0].Alert.Links); n != 4 {
		t.Fatalf("links (link, image, image href, client): %+v", d.Alerts[0].Alert.Links)
	}

	// The same trigger again is a repeat of the same alert.
	if code, ans := pdPost(t, s.url+"/v2/enqueue", pdExample(t, "01-trigger", it.Token)); code != 202 || ans["dedup_key"] != "samplekeyhere" {
		t.Fatalf("repeat through /v2/enqueue: %d %v", code, ans)
	}
	if d, _ := s.admin.Entry(ctx, e.ID); len(d.Alerts) != 1 || d.Alerts[0].Count != 2 {
		t.Fatalf("repeat: %+v", d.Alerts)
	}

	// acknowledge, here with the token in the path and none in the body.
	ack := strings.Replace(pdExample(t, "02-acknowledge", ""), `"routing_key": "",`, "", 1)
	if code, ans := pdPost(t, s.url+"/hooks/pagerduty/"+it.Token, ack); code != 202 || ans["dedup_key"] != "samplekeyhere" {
		t.Fatalf("acknowledge: %d %v", code, ans)
	}
	d, err = s.admin.Entry(ctx, e.ID)
	if err != nil || d.Status != "acknowledged" || d.AckedBy != "integration:nagios" || len(d.Log) != 1 || d.Log[0].Action != "acknowledge" {
		t.Fatalf("after acknowledge: %v %+v", err, d.Entry)
	}
	// Again: nothing changes, and the answer is still success.
	if code, _ := pdPost(t, s.url+"/hooks/pagerduty/"+it.Token, ack); code != 202 {
		t.Fatalf("second acknowledge: %d", code)
	}
	if d, _ := s.admin.Entry(ctx, e.ID); len(d.Log) != 1 {
		t.Fatalf("a repeated acknowledge was recorded: %+v", d.Log)
	}

	code, ans = pdPost(t, s.url+"/hooks/pagerduty", pdExample(t, "03-resolve", it.Token))
	if code != 202 || ans["status"] != "success" || ans["dedup_key"] != "samplekeyhere" {
		t.Fatalf("resolve: %d %v", code, ans)
	}
	d, err = s.admin.Entry(ctx, e.ID)
	if err != nil || d.Group.Firing != 0 || d.Group.Resolved != 1 || d.Alerts[0].Status != "resolved" {
		t.Fatalf("after resolve: %v %+v", err, d)
	}

	// A trigger without dedup_key is answered with the key made for it,
	// and that key resolves it.
	code, ans = pdPost(t, s.url+"/hooks/pagerduty", pdExample(t, "04-trigger-minimal", it.Token))
	key, _ := ans["dedup_key"].(string)
	if code != 202 || len(key) != 32 {
		t.Fatalf("trigger without dedup_key: %d %v", code, ans)
	}
	resolve := `{"routing_key":"` + it.Token + `","dedup_key":"` + key + `","event_action":"resolve"}`
	if code, _ := pdPost(t, s.url+"/hooks/pagerduty", resolve); code != 202 {
		t.Fatalf("resolve by the made-up key: %d", code)
	}
	q, _ = s.admin.Queue(ctx, true, 0)
	for _, e := range q {
		if e.Group.Firing != 0 {
			t.Fatalf("still firing: %+v", e)
		}
	}
}

func TestPagerDutyRefusals(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	ctx := context.Background()
	it, err := s.admin.CreateIntegration(ctx, httpapi.IntegrationBody{Kind: "pagerduty", Name: "pd"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.admin.CreateIntegration(ctx, httpapi.IntegrationBody{Kind: "generic", Name: "gen"})
	if err != nil {
		t.Fatal(err)
	}
	trigger := func(token string) string { return pdExample(t, "01-trigger", token) }
	for _, tt := range []struct {
		name, url, body string
		code            int
		errors          string
	}{
		{"no routing key", "/hooks/pagerduty", strings.Replace(trigger(""), `"routing_key": "",`, "", 1), 401, ""},
		{"unknown routing key", "/hooks/pagerduty", trigger("fbk_not_a_token_of_ours_at_all_000"), 401, ""},
		{"another kind's token", "/hooks/pagerduty", trigger(other.Token), 401, ""},
		{"bad severity", "/hooks/pagerduty", strings.Replace(trigger(it.Token), `"severity": "critical"`, `"severity": "disaster"`, 1), 400,
			`payload.severity: must be one of critical, error, warning, info, got "disaster"`},
		{"not an event", "/hooks/pagerduty/" + it.Token, `[1,2]`, 400, "not a PagerDuty event: must be an object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, raw := deliver(t, s.url+tt.url, tt.body)
			if code != tt.code {
				t.Fatalf("%d %s, want %d", code, raw, tt.code)
			}
			if tt.code == 400 {
				var a struct {
					Status, Message string
					Errors          []string
				}
				if err := json.Unmarshal([]byte(raw), &a); err != nil || a.Status != "invalid event" || a.Message != "Event object is invalid" ||
					len(a.Errors) != 1 || !strings.HasPrefix(a.Errors[0], tt.errors) {
					t.Fatalf("answer %s", raw)
				}
			}
		})
	}
	if q, _ := s.admin.Queue(ctx, true, 0); len(q) != 0 {
		t.Fatalf("refused events stored: %+v", q)
	}
}
