package cli_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func deliverSample(t *testing.T, url, alertname string) {
	t.Helper()
	deliverTruncated(t, url, alertname, 0)
}

// deliverTruncated is deliverSample from a receiver whose max_alerts left
// n alerts out.
func deliverTruncated(t *testing.T, url, alertname string, n int) {
	t.Helper()
	b, err := os.ReadFile("../intake/testdata/alertmanager-01-firing-first-notification.json")
	if err != nil {
		t.Fatal(err)
	}
	// Another alert: new name, and new fingerprints as Alertmanager's would be.
	body := strings.NewReplacer("HighErrorRate", alertname, "6eb5d58c6b6f9a2e", alertname+"-1", "80aa36c0a221a02d", alertname+"-2",
		`"truncatedAlerts": 0`, fmt.Sprintf(`"truncatedAlerts": %d`, n)).Replace(string(b))
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("delivery: %d %s", resp.StatusCode, out)
	}
}

// queueIDs lists the waiting entries' IDs by alertname.
func queueIDs(t *testing.T, h *harness, args ...string) map[string]string {
	t.Helper()
	var q struct {
		Items []struct {
			ID    string
			Group struct {
				GroupLabels map[string]string `json:"group_labels"`
			}
		}
	}
	out := h.ok(t, append([]string{"triage", "list", "-o", "json"}, args...)...)
	if err := json.Unmarshal([]byte(out), &q); err != nil {
		t.Fatalf("triage list -o json: %v\n%s", err, out)
	}
	ids := map[string]string{}
	for _, e := range q.Items {
		ids[e.Group.GroupLabels["alertname"]] = e.ID
	}
	return ids
}

func TestTriageFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if out := h.ok(t, "integrations", "list"); !strings.Contains(out, "No integrations") {
		t.Fatalf("integrations list, empty: %s", out)
	}
	out := h.ok(t, "integrations", "create", "alertmanager", "prom", "--service", "checkout", "--team", "payments")
	hook := regexp.MustCompile(`Webhook URL: (\S+)`).FindStringSubmatch(out)
	token := regexp.MustCompile(`Token:\s+(fbk_\S+)`).FindStringSubmatch(out)
	if hook == nil || token == nil || !strings.HasPrefix(hook[1], h.env["FIREBREAK_URL"]+"/hooks/alertmanager/") || !strings.HasSuffix(hook[1], token[1]) {
		t.Fatalf("integrations create: %s", out)
	}
	out = h.ok(t, "integrations", "create", "generic", "ci", "-o", "json")
	var created struct {
		ID, Kind, Name, Service, Token string
		WebhookURL                     string `json:"webhook_url"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("create -o json: %v %s", err, out)
	}
	if created.Kind != "generic" || created.Name != "ci" || created.Service != "ci" || !strings.HasPrefix(created.Token, "fbk_") || !strings.HasSuffix(created.WebhookURL, created.Token) {
		t.Fatalf("create -o json: %s", out)
	}
	out = h.ok(t, "integrations", "list")
	for _, want := range []string{"KIND", "alertmanager", "prom", "checkout", "payments", "generic", "enabled"} {
		if !strings.Contains(out, want) {
			t.Errorf("integrations list lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "fbk_") {
		t.Fatalf("integrations list shows a token:\n%s", out)
	}
	h.ok(t, "integrations", "disable", created.ID)
	if out := h.ok(t, "integrations", "list"); !strings.Contains(out, "disabled") {
		t.Fatalf("after disable: %s", out)
	}
	h.fails(t, "404", "integrations", "disable", "nope")
	h.fails(t, "kind", "integrations", "create", "nagios", "x")

	if out := h.ok(t, "triage", "list"); !strings.Contains(out, "Nothing awaits triage") {
		t.Fatalf("empty queue: %s", out)
	}
	for _, name := range []string{"HighErrorRate", "LatencyHigh", "LoadTest"} {
		deliverSample(t, hook[1], name)
	}
	deliverTruncated(t, hook[1], "DiskFull", 3)
	out = h.ok(t, "triage", "list")
	for _, want := range []string{"ID", "SEVERITY", "SOURCE", "SUMMARY", "ALERTS", "FIRST SEEN", "LAST SEEN", "STATUS",
		"critical", "alertmanager/prom", "5xx rate above 5% on checkout", "2/0", "new"} {
		if !strings.Contains(out, want) {
			t.Errorf("triage list lacks %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`2/0 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ +new`).MatchString(out) {
		t.Errorf("triage list lacks first and last seen:\n%s", out)
	}
	ids := queueIDs(t, h)
	if len(ids) != 4 {
		t.Fatalf("queue: %v", ids)
	}
	first := ids["HighErrorRate"]
	// Alertmanager left 3 of DiskFull's alerts out (max_alerts).
	if !regexp.MustCompile(`2/0 \+3 not sent +\d{4}-`).MatchString(out) {
		t.Errorf("triage list does not show the 3 alerts not sent:\n%s", out)
	}
	if out := h.ok(t, "triage", "show", ids["DiskFull"]); !regexp.MustCompile(`Not sent +3 more alerts not sent by Alertmanager \(max_alerts\)`).MatchString(out) {
		t.Errorf("triage show lacks the alerts not sent:\n%s", out)
	}
	if out := h.ok(t, "triage", "show", ids["DiskFull"], "-o", "json"); !strings.Contains(out, `"truncated_alerts": 3`) {
		t.Errorf("triage show -o json lacks truncated_alerts:\n%s", out)
	}
	if out := h.ok(t, "triage", "show", first); strings.Contains(out, "Not sent") {
		t.Errorf("triage show of a complete delivery's entry says alerts were not sent:\n%s", out)
	}

	out = h.ok(t, "triage", "show", first)
	for _, want := range []string{first, "5xx rate above 5% on checkout", "new", "critical", "prom", "checkout", "payments",
		"2 firing, 0 resolved", "env=prod", "runbook_url: https://runbooks.example/high-error-rate", "Links",
		"Alerts:", "firing", "instance=10.0.0.1:8080", "instance=10.0.0.2:8080", "Record:", "no actions yet"} {
		if !strings.Contains(out, want) {
			t.Errorf("triage show lacks %q:\n%s", want, out)
		}
	}

	if out := h.ok(t, "triage", "ack", first); !strings.Contains(out, "Acknowledged "+first) || !strings.Contains(out, "acknowledged by admin") {
		t.Fatalf("ack: %s", out)
	}
	out = h.ok(t, "triage", "declare", first, "--severity", "SEV2", "--type", "availability")
	if !strings.Contains(out, "Declared INC-1: 5xx rate above 5% on checkout (triage), detected 2026-11-26 22:52:14Z") {
		t.Fatalf("declare: %s", out)
	}
	if out := h.ok(t, "incidents", "timeline", "INC-1", "-o", "json"); !strings.Contains(out, `"signal.linked"`) {
		t.Fatalf("timeline lacks signal.linked: %s", out)
	}
	out = h.ok(t, "triage", "show", first)
	for _, want := range []string{"declared INC-1", "acknowledge", "declared", "admin"} {
		if !strings.Contains(out, want) {
			t.Errorf("show after declare lacks %q:\n%s", want, out)
		}
	}
	h.fails(t, "already declared", "triage", "ack", first)

	h.ok(t, "triage", "attach", ids["LatencyHigh"], "INC-1")
	h.fails(t, "404", "triage", "attach", ids["LatencyHigh"]+"x", "INC-1")

	h.fails(t, "--reason is required", "triage", "dismiss", ids["LoadTest"])
	if out := h.ok(t, "triage", "dismiss", ids["LoadTest"], "--reason", "false positive: load test"); !strings.Contains(out, "Dismissed") {
		t.Fatalf("dismiss: %s", out)
	}

	h.fails(t, "one of --until", "triage", "snooze", ids["DiskFull"])
	h.fails(t, "RFC 3339", "triage", "snooze", ids["DiskFull"], "--until", "tomorrow")
	h.fails(t, "until", "triage", "snooze", ids["DiskFull"], "--until", "2020-01-01T00:00:00Z")
	until := time.Now().Add(3 * time.Hour).UTC().Format(time.RFC3339)
	if out := h.ok(t, "triage", "snooze", ids["DiskFull"], "--until", until); !strings.Contains(out, "snoozed until") {
		t.Fatalf("snooze --until: %s", out)
	}
	if out := h.ok(t, "triage", "list"); !strings.Contains(out, "Nothing awaits triage") {
		t.Fatalf("queue after every action: %s", out)
	}
	out = h.ok(t, "triage", "list", "--all")
	for _, want := range []string{"declared INC-1", "attached INC-1", "dismissed", "snoozed until"} {
		if !strings.Contains(out, want) {
			t.Errorf("list --all lacks %q:\n%s", want, out)
		}
	}
	h.fails(t, "404", "triage", "show", "nope")
	h.fails(t, "404", "triage", "ack", "nope")
}

func TestTriageSnoozeFor(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	out := h.ok(t, "integrations", "create", "alertmanager", "prom", "-o", "json")
	var it struct {
		WebhookURL string `json:"webhook_url"`
	}
	if err := json.Unmarshal([]byte(out), &it); err != nil {
		t.Fatal(err)
	}
	deliverSample(t, it.WebhookURL, "HighErrorRate")
	id := queueIDs(t, h)["HighErrorRate"]
	h.fails(t, "positive duration", "triage", "snooze", id, "--for", "-1h")
	h.fails(t, "one of --until", "triage", "snooze", id, "--for", "2h", "--until", "2026-11-27T09:00:00Z")
	out = h.ok(t, "triage", "snooze", id, "--for", "2h", "-o", "json")
	var e struct {
		Status       string
		SnoozedUntil time.Time `json:"snoozed_until"`
	}
	if err := json.Unmarshal([]byte(out), &e); err != nil || e.Status != "snoozed" || time.Until(e.SnoozedUntil) < 110*time.Minute || time.Until(e.SnoozedUntil) > 2*time.Hour {
		t.Fatalf("snooze --for 2h: %v %s", err, out)
	}
	if ids := queueIDs(t, h); len(ids) != 0 {
		t.Fatalf("a snoozed entry is listed: %v", ids)
	}
	if ids := queueIDs(t, h, "--all"); ids["HighErrorRate"] != id {
		t.Fatalf("--all lacks the snoozed entry: %v", ids)
	}
}
