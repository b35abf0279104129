package triage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// alertmanagerBinary is where Debian's prometheus-alertmanager package puts
// the binary (CI installs it; see .ci/run).
const alertmanagerBinary = "/usr/bin/prometheus-alertmanager"

// TestRealAlertmanager runs a real Prometheus Alertmanager with a webhook
// receiver pointed at Firebreak: firing alerts show up as one group in the
// triage queue, Alertmanager's repeated notifications are deduplicated onto
// the same items, and resolved alerts show resolved. Nothing here asserts a
// duration: every wait is bounded polling with a generous limit.
func TestRealAlertmanager(t *testing.T) {
	bin := alertmanagerPath(t)
	ctx := context.Background()
	fb, secret := firebreakForAlertmanager(t)
	q := fb.Services.Triage

	// Alertmanager: one route grouping by alertname, short timers (it has
	// no minimum beyond non-zero group_interval and repeat_interval; a
	// repeat only goes out at a group_interval tick), a webhook receiver at
	// Firebreak, no clustering.
	dir := t.TempDir()
	cfg := fmt.Sprintf(`route:
  receiver: firebreak
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 2s
receivers:
  - name: firebreak
    webhook_configs:
      - url: %s/hooks/alertmanager/%s
        send_resolved: true
`, fb.URL(), secret)
	cfgPath := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	amURL := startAlertmanager(t, bin, cfgPath, filepath.Join(dir, "data"))

	// Two alerts sharing an alertname: one group.
	start := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	alerts := func(endsAt time.Time) []map[string]any {
		var out []map[string]any
		for _, inst := range []string{"web-1:9100", "web-2:9100"} {
			a := map[string]any{
				"labels":       map[string]string{"alertname": "HighErrorRate", "instance": inst, "job": "web", "severity": "critical"},
				"annotations":  map[string]string{"summary": "High error rate on " + inst},
				"startsAt":     start.Format(time.RFC3339),
				"generatorURL": "http://prometheus.example/graph?g0.expr=errors",
			}
			if !endsAt.IsZero() {
				a["endsAt"] = endsAt.Format(time.RFC3339)
			}
			out = append(out, a)
		}
		return out
	}
	postAlerts(t, amURL, alerts(time.Time{}))

	// The group shows up with both alerts firing.
	entry := waitFor(t, "1 queue entry with 2 firing alerts", func() (triage.Entry, string, bool) {
		return oneEntry(t, q)
	}, func(e triage.Entry) bool { return e.Group.Firing == 2 && e.Group.Resolved == 0 })
	if e := entry; e.Source != alert.SourceAlertmanager || e.Integration != "prom" || e.Group.Destination.Service != "web" ||
		e.Group.GroupLabels["alertname"] != "HighErrorRate" || e.Rank != 1 {
		t.Fatalf("entry: %+v", e)
	}
	counts := itemCounts(t, q, entry.Group.ID)
	if len(counts) != 2 {
		t.Fatalf("%d items, want 2: %v", len(counts), counts)
	}
	t.Logf("firing: entry %s, item delivery counts %v", entry.Group.ID, counts)

	// Re-sent alerts, and Alertmanager's own repeats: still one entry and
	// two items, whose delivery count grows.
	postAlerts(t, amURL, alerts(time.Time{}))
	var repeated map[string]int
	waitFor(t, "a repeated delivery counted on both items", func() (triage.Entry, string, bool) {
		e, why, ok := oneEntry(t, q)
		if !ok {
			return e, why, false
		}
		repeated = itemCounts(t, q, e.Group.ID)
		return e, fmt.Sprintf("item counts %v (were %v)", repeated, counts), len(repeated) == 2 && grew(counts, repeated)
	}, func(e triage.Entry) bool { return e.Group.Firing == 2 && e.Group.ID == entry.Group.ID })
	t.Logf("repeated: still one entry, item delivery counts %v", repeated)

	// Resolve both: endsAt in the past.
	postAlerts(t, amURL, alerts(time.Now().Add(-time.Second).UTC()))
	resolved := waitFor(t, "the entry with 0 firing and 2 resolved", func() (triage.Entry, string, bool) {
		return oneEntry(t, q)
	}, func(e triage.Entry) bool { return e.Group.Firing == 0 && e.Group.Resolved == 2 })
	if resolved.Group.ID != entry.Group.ID {
		t.Fatalf("resolved into another group %s, want %s", resolved.Group.ID, entry.Group.ID)
	}
	d, err := q.Get(ctx, admin, entry.Group.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Alerts) != 2 {
		t.Fatalf("%d items after resolve, want 2", len(d.Alerts))
	}
	for _, it := range d.Alerts {
		if it.Status != alert.StatusResolved || it.Alert.EndsAt.IsZero() || !it.Alert.StartsAt.Equal(start) {
			t.Fatalf("item %s: status %s, starts %s, ends %s", it.Fingerprint, it.Status, it.Alert.StartsAt, it.Alert.EndsAt)
		}
	}
}

// alertmanagerPath is the real Alertmanager to run, or skips the test
// saying why.
func alertmanagerPath(t *testing.T) string {
	t.Helper()
	bin := alertmanagerBinary
	if p := os.Getenv("FIREBREAK_TEST_ALERTMANAGER"); p != "" {
		bin = p
	}
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("Prometheus Alertmanager is not installed at %s (apt-get install prometheus-alertmanager, or set FIREBREAK_TEST_ALERTMANAGER): %v", bin, err)
	}
	if testing.Short() {
		t.Skip("-short: skips the real Alertmanager")
	}
	return bin
}

// firebreakForAlertmanager starts Firebreak in-process on loopback with an
// Alertmanager integration "prom" routing to service "web", and returns it
// with the integration's secret.
func firebreakForAlertmanager(t *testing.T) (*app.App, string) {
	t.Helper()
	ctx := context.Background()
	fb, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: filepath.Join(t.TempDir(), "firebreak.db")})
	if err != nil {
		t.Fatal(err)
	}
	if err := fb.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fb.Stop(context.Background()) })
	_, secret, err := fb.Services.Triage.CreateIntegration(ctx, "admin", triage.IntegrationInput{Kind: alert.SourceAlertmanager, Name: "prom", Service: "web"})
	if err != nil {
		t.Fatal(err)
	}
	return fb, secret
}

// startAlertmanager runs bin on a free loopback port until the test ends and
// returns its URL once it is ready. Its log is shown if the test fails.
func startAlertmanager(t *testing.T, bin, cfgPath, storage string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var logBuf lockedBuffer
	cmd := exec.Command(bin,
		"--config.file="+cfgPath,
		"--storage.path="+storage,
		"--web.listen-address="+addr,
		"--cluster.listen-address=", // no clustering, no gossip
		"--log.level=debug",
	)
	cmd.Stdout, cmd.Stderr = &logBuf, &logBuf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("alertmanager log:\n%s", logBuf.String())
		}
	})
	url := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("alertmanager exited: %v", err)
		default:
		}
		resp, err := http.Get(url + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("alertmanager not ready at %s after 30s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// postAlerts sends alerts to Alertmanager's API v2, as Prometheus does.
func postAlerts(t *testing.T, amURL string, alerts []map[string]any) {
	t.Helper()
	body, err := json.Marshal(alerts)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(amURL+"/api/v2/alerts", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/v2/alerts: %d %s", resp.StatusCode, b)
	}
}

// oneEntry reads the whole queue and returns its only entry.
func oneEntry(t *testing.T, q *triage.Service) (triage.Entry, string, bool) {
	t.Helper()
	entries, err := q.Queue(context.Background(), admin, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		// More than one entry is a grouping failure that waiting will
		// not mend.
		if len(entries) > 1 {
			t.Fatalf("%d queue entries, want 1 group: %+v", len(entries), entries)
		}
		return triage.Entry{}, "queue is empty", false
	}
	e := entries[0]
	return e, fmt.Sprintf("entry %s: %d firing, %d resolved", e.Group.ID, e.Group.Firing, e.Group.Resolved), true
}

// waitFor polls read until it succeeds and want holds, for up to 30 s.
func waitFor(t *testing.T, what string, read func() (triage.Entry, string, bool), want func(triage.Entry) bool) triage.Entry {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		e, state, ok := read()
		if ok && want(e) {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 30s for %s; last: %s", what, state)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// itemCounts maps each item's fingerprint to its firing delivery count.
func itemCounts(t *testing.T, q *triage.Service, groupID string) map[string]int {
	t.Helper()
	d, err := q.Get(context.Background(), admin, groupID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, it := range d.Alerts {
		out[it.Fingerprint] = it.Count
	}
	return out
}

// grew reports whether every item of before has a larger count in now (and
// no other item appeared).
func grew(before, now map[string]int) bool {
	if len(before) != len(now) {
		return false
	}
	for fp, n := range before {
		if m, ok := now[fp]; !ok || m <= n {
			return false
		}
	}
	return true
}

// lockedBuffer collects a child process's output safely.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
