package intake

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

// TestPagerDutyDocumentedExamples parses the example bodies of PagerDuty's
// Events API v2 documentation (testdata/pagerduty-*.json).
func TestPagerDutyDocumentedExamples(t *testing.T) {
	t.Parallel()
	b, err := PagerDuty(readTestdata(t, "pagerduty-01-trigger.json"), delivery)
	if err != nil {
		t.Fatal(err)
	}
	want := Batch{Alerts: []alert.Alert{{
		Source: alert.SourcePagerDuty, Integration: "prom-prod",
		Fingerprint: "samplekeyhere", DedupKey: "samplekeyhere",
		Status: alert.StatusFiring, Summary: "DISK at 99% on machine prod-datapipe03.example.com",
		Details:  "{\n  \"free space\": \"1%\",\n  \"ping time\": \"1500ms\",\n  \"load avg\": 0.75\n}",
		Severity: "critical",
		Labels: map[string]string{"alertname": "samplekeyhere", "source": "prod-datapipe03.example.com", "component": "mysql",
			"group": "prod-datapipe", "class": "disk"},
		Annotations: map[string]string{"client": "Sample Monitoring Service"},
		Links: []alert.Link{
			{Text: "Link text", URL: "https://example.com/"},
			{Text: "Image: Example text", URL: "https://www.pagerduty.com/wp-content/uploads/2016/05/pagerduty-logo-green.png"},
			{Text: "Example text", URL: "https://example.com/"},
			{Text: "Sample Monitoring Service", URL: "https://monitoring.example.com"},
		},
		StartsAt:     time.Date(2015, 7, 17, 8, 42, 58, 315e6, time.UTC),
		ReceivedAt:   recv,
		GeneratorURL: "https://monitoring.example.com",
	}}}
	if !reflect.DeepEqual(b, want) {
		t.Errorf("trigger:\ngot  %+v\nwant %+v", b, want)
	}

	b, err = PagerDuty(readTestdata(t, "pagerduty-02-acknowledge.json"), delivery)
	if err != nil || len(b.Alerts) != 0 || !reflect.DeepEqual(b.Acks, []string{"samplekeyhere"}) || b.Problems != nil {
		t.Errorf("acknowledge: %+v, %v", b, err)
	}

	b, err = PagerDuty(readTestdata(t, "pagerduty-03-resolve.json"), delivery)
	if err != nil || len(b.Alerts) != 1 || b.Problems != nil {
		t.Fatalf("resolve: %+v, %v", b, err)
	}
	if r := b.Alerts[0]; r.Status != alert.StatusResolved || r.Fingerprint != "samplekeyhere" || !r.EndsAt.Equal(recv) ||
		!reflect.DeepEqual(r.Labels, map[string]string{"alertname": "samplekeyhere"}) {
		t.Errorf("resolve: %+v", r)
	}

	// Without a dedup_key, a trigger gets one made from the event: the same
	// delivery the same key, another delivery another.
	body := readTestdata(t, "pagerduty-04-trigger-minimal.json")
	b1, err1 := PagerDuty(body, delivery)
	b2, _ := PagerDuty(body, delivery)
	later := delivery
	later.ReceivedAt = recv.Add(time.Second)
	b3, _ := PagerDuty(body, later)
	if err1 != nil || len(b1.Alerts) != 1 {
		t.Fatalf("minimal: %+v, %v", b1, err1)
	}
	k := b1.Alerts[0].DedupKey
	if len(k) != 32 || k != b2.Alerts[0].DedupKey || k == b3.Alerts[0].DedupKey || b1.Alerts[0].Fingerprint != k ||
		b1.Alerts[0].Severity != "info" || b1.Alerts[0].Labels["alertname"] != k {
		t.Errorf("made-up keys %q %q %q: %+v", k, b2.Alerts[0].DedupKey, b3.Alerts[0].DedupKey, b1.Alerts[0])
	}
}

func TestPagerDutyProblems(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, body string
		refused    string // the error's message, when the body is refused whole
		problems   []string
	}{
		{"empty", ``, "body is empty", nil},
		{"not JSON", `{"event_action":`, "not a PagerDuty event", nil},
		{"array", `[]`, "not a PagerDuty event", nil},
		{"null", `null`, "not a PagerDuty event", nil},
		{"no action", `{"routing_key":"k"}`, "", []string{`event_action: required: "trigger", "acknowledge" or "resolve"`}},
		{"bad action", `{"event_action":"page"}`, "", []string{`event_action: must be "trigger", "acknowledge" or "resolve", got "page"`}},
		{"resolve without key", `{"event_action":"resolve"}`, "", []string{"dedup_key: required to resolve: the dedup_key the trigger answered with"}},
		{"acknowledge with blank key", `{"event_action":"acknowledge","dedup_key":" "}`, "", []string{"dedup_key: must not be blank"}},
		{"key too long", `{"event_action":"resolve","dedup_key":"` + strings.Repeat("k", 256) + `"}`, "", []string{"dedup_key: at most 255 bytes, got 256"}},
		{"trigger without payload", `{"event_action":"trigger"}`, "", []string{"payload: required to trigger: an object with summary, source and severity"}},
		{"payload not an object", `{"event_action":"trigger","payload":"x"}`, "", []string{"payload: must be an object, found a string"}},
		{"payload missing fields", `{"event_action":"trigger","payload":{}}`, "", []string{
			"payload.summary: required to trigger", "payload.source: required to trigger", "payload.severity: required to trigger"}},
		{"bad severity and time", `{"event_action":"trigger","payload":{"summary":"s","source":"h","severity":"high","timestamp":"yesterday"}}`, "", []string{
			`payload.severity: must be one of critical, error, warning, info, got "high"`,
			`payload.timestamp: must be an ISO 8601 time such as 2015-07-17T08:42:58.315+0000, got "yesterday"`}},
		{"unsafe links", `{"event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info"},
			"links":[{"href":"javascript:alert(1)"}],"images":[{"src":"file:///etc/passwd"},{"alt":"x"}],"client_url":"data:text/html,x"}`, "", []string{
			`links[0].href: must be an absolute http or https URL, got "javascript:alert(1)"`,
			`images[0].src: must be an absolute http or https URL, got "file:///etc/passwd"`,
			"images[1].src: required",
			`client_url: must be an absolute http or https URL, got "data:text/html,x"`}},
		{"wrong types", `{"event_action":"trigger","routing_key":5,"dedup_key":true,"payload":{"summary":1,"source":"h","severity":"info"}}`, "", []string{
			"routing_key: must be a string, found a number", "dedup_key: must be a string, found a boolean", "payload.summary: must be a string, found a number"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := PagerDuty([]byte(tt.body), delivery)
			if tt.refused != "" {
				if err == nil || errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), tt.refused) {
					t.Fatalf("err %v, want Invalid with %q", err, tt.refused)
				}
				return
			}
			if err != nil || b.Alerts != nil || b.Acks != nil {
				t.Fatalf("batch %+v, err %v", b, err)
			}
			var got []string
			for _, p := range b.Problems {
				got = append(got, p.Field+": "+p.Message)
			}
			if !reflect.DeepEqual(got, tt.problems) {
				t.Errorf("problems\ngot  %q\nwant %q", got, tt.problems)
			}
		})
	}
}

func TestPagerDutyRoutingKey(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		`{"routing_key":" fbk_abc ","event_action":"trigger"}`: "fbk_abc",
		`{"routing_key":5}`: "",
		`{}`:                "",
		`not json`:          "",
	} {
		if got := PagerDutyRoutingKey([]byte(body)); got != want {
			t.Errorf("%s: %q, want %q", body, got, want)
		}
	}
}
