package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestTriageEntryTruncatedAlerts: an entry's JSON carries
// truncated_alerts, the count Alertmanager's last delivery to it left out
// under max_alerts, and 0 (never absent) when it left out none; the
// OpenAPI document declares the field.
func TestTriageEntryTruncatedAlerts(t *testing.T) {
	t.Parallel()
	s := newSetupOn(t, storetest.Backends()[0], nil)
	ctx := context.Background()
	it, err := s.admin.CreateIntegration(ctx, httpapi.IntegrationBody{Kind: "alertmanager", Name: "prom", Service: "checkout"})
	if err != nil {
		t.Fatal(err)
	}
	sample := alertmanagerSample(t)
	cut := strings.Replace(sample, `"truncatedAlerts": 0`, `"truncatedAlerts": 4`, 1)
	if code, body := deliver(t, it.WebhookURL, cut); code != 200 || !strings.Contains(body, `"truncated":4`) {
		t.Fatalf("delivery: %d %s", code, body)
	}
	if code, body := deliver(t, it.WebhookURL, variant(sample, "DiskFull")); code != 200 {
		t.Fatalf("delivery: %d %s", code, body)
	}

	list := s.call(t, "vera", "GET", "/api/v1/triage", "")
	if list.status != 200 {
		t.Fatalf("list: %d %s", list.status, list.raw)
	}
	got := map[string]any{}
	ids := map[string]string{}
	for _, e := range list.items() {
		g, _ := e["group"].(map[string]any)
		labels, _ := g["group_labels"].(map[string]any)
		name, _ := labels["alertname"].(string)
		v, present := e["truncated_alerts"]
		if !present {
			t.Fatalf("entry %s has no truncated_alerts: %v", name, e)
		}
		got[name], ids[name] = v, e["id"].(string)
	}
	if got["HighErrorRate"] != float64(4) || got["DiskFull"] != float64(0) {
		t.Fatalf("truncated_alerts by alertname %v, want HighErrorRate 4 and DiskFull 0", got)
	}
	d := s.call(t, "vera", "GET", "/api/v1/triage/"+ids["HighErrorRate"], "")
	if d.status != 200 || d.body["truncated_alerts"] != float64(4) {
		t.Fatalf("detail: %d %s", d.status, d.raw)
	}

	doc := s.call(t, "", "GET", "/api/v1/openapi.json", "")
	schemas, _ := doc.body["components"].(map[string]any)["schemas"].(map[string]any)
	for _, name := range []string{"TriageEntry", "TriageDetail"} {
		sch, _ := schemas[name].(map[string]any)
		props, _ := sch["properties"].(map[string]any)
		p, _ := props["truncated_alerts"].(map[string]any)
		if p["type"] != "integer" || p["minimum"] != float64(0) || p["description"] == nil {
			t.Errorf("%s.truncated_alerts in the OpenAPI document: %v", name, p)
		}
	}
}
