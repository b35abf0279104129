package triage_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/triage"
)

// TestRealAlertmanagerMaxAlerts runs a real Prometheus Alertmanager whose
// webhook receiver sets max_alerts: 1, with three firing alerts of one
// group: Firebreak's entry holds the one alert sent and records the two
// Alertmanager left out (truncatedAlerts) as truncated_alerts.
func TestRealAlertmanagerMaxAlerts(t *testing.T) {
	bin := alertmanagerPath(t)
	ctx := context.Background()
	fb, secret := firebreakForAlertmanager(t)
	q := fb.Services.Triage

	dir := t.TempDir()
	cfg := fmt.Sprintf(`route:
  receiver: firebreak
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: firebreak
    webhook_configs:
      - url: %s/hooks/alertmanager
        max_alerts: 1
        http_config:
          authorization:
            type: Bearer
            credentials: %s
`, fb.URL(), secret)
	cfgPath := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	amURL := startAlertmanager(t, bin, cfgPath, filepath.Join(dir, "data"))

	start := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	var alerts []map[string]any
	for _, inst := range []string{"db-1:9187", "db-2:9187", "db-3:9187"} {
		alerts = append(alerts, map[string]any{
			"labels":      map[string]string{"alertname": "ReplicationLag", "instance": inst, "severity": "warning"},
			"annotations": map[string]string{"summary": "Replication lag on " + inst},
			"startsAt":    start.Format(time.RFC3339),
		})
	}
	postAlerts(t, amURL, alerts)

	// Alertmanager sends the group once all three are in it (group_wait);
	// until then a delivery may carry fewer, so wait for the count of the
	// complete group.
	e := waitFor(t, "1 queue entry recording 2 alerts not sent", func() (triage.Entry, string, bool) {
		e, why, ok := oneEntry(t, q)
		return e, fmt.Sprintf("%s, truncated_alerts %d", why, e.TruncatedAlerts), ok
	}, func(e triage.Entry) bool { return e.TruncatedAlerts == 2 })
	if e.Group.Firing != 1 || e.Group.Resolved != 0 || e.Group.GroupLabels["alertname"] != "ReplicationLag" {
		t.Fatalf("entry: %d firing, %d resolved, group labels %v; want the 1 alert sent, firing", e.Group.Firing, e.Group.Resolved, e.Group.GroupLabels)
	}
	d, err := q.Get(ctx, admin, e.Group.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Alerts) != 1 {
		t.Fatalf("%d alerts stored, want the 1 Alertmanager sent", len(d.Alerts))
	}
	if want := "2 more alerts not sent by Alertmanager (max_alerts)"; e.TruncatedNote() != want {
		t.Fatalf("note %q, want %q", e.TruncatedNote(), want)
	}
}
