package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

const debianAlertmanager = "/usr/bin/prometheus-alertmanager"

// TestVersusTiny runs the side-by-side harness small, so it cannot rot: two
// legs a side of 200 alerts each. It never looks at speed, only that no body
// failed and that each receiver holds every alert it was sent: Alertmanager
// as GET /api/v2/alerts lists them, Firebreak in its SQLite file.
func TestVersusTiny(t *testing.T) {
	if _, err := os.Stat(debianAlertmanager); err != nil {
		t.Skipf("side-by-side needs Alertmanager (Debian: apt-get install prometheus-alertmanager): %v", err)
	}
	dbPath := filepath.Join(t.TempDir(), "firebreak.db")
	c := config{db: dbPath, alerts: 200, batch: 100, concurrency: 8, groups: 200,
		versus: true, legs: 2, alertmanagerBin: debianAlertmanager}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out strings.Builder
	res, err := versus(ctx, c, slog.New(slog.DiscardHandler), &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	const want = 2 * 200
	for _, s := range []*side{res.am, res.fb} {
		if s.failed != 0 || s.alerts != want || s.bodies != want/100 {
			t.Errorf("%s: %d alerts in %d bodies answered, %d bodies failed (first: %v); want %d alerts in %d bodies, none failed",
				s.name, s.alerts, s.bodies, s.failed, s.firstErr, want, want/100)
		}
	}
	if res.amListed != want {
		t.Errorf("alertmanager lists %d alerts, want %d", res.amListed, want)
	}
	if res.fb.newAlerts != want {
		t.Errorf("firebreak's receipts count %d new alerts, want %d", res.fb.newAlerts, want)
	}
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stored int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM alert_items`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != want {
		t.Errorf("firebreak stored %d alerts, want %d", stored, want)
	}
	for _, line := range []string{"1    alertmanager", "1    firebreak", "2    alertmanager", "2    firebreak", "ratio firebreak/alertmanager"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("output has no %q", line)
		}
	}
}

// TestStormIsNewAndTheSameForBoth checks the storm itself: every alert is
// new (no label set twice), each body is one alertname's, and the body
// Alertmanager gets holds exactly the alerts of Firebreak's webhook body.
func TestStormIsNewAndTheSameForBoth(t *testing.T) {
	c := config{batch: 100, groups: 3, newAlerts: true}
	gen := newGenerator(c)
	am := (&alertmanager{}).target(gen)
	seen := map[string]bool{}
	for i := range 10 {
		hook, n := gen.body(i)
		var msg amMessage
		if err := json.Unmarshal(hook, &msg); err != nil {
			t.Fatal(err)
		}
		amBody, m := am.body(i)
		var posted []postableAlert
		if err := json.Unmarshal(amBody, &posted); err != nil {
			t.Fatal(err)
		}
		if n != c.batch || m != c.batch || len(msg.Alerts) != c.batch || len(posted) != c.batch {
			t.Fatalf("body %d: %d webhook and %d Alertmanager alerts, want %d each", i, len(msg.Alerts), len(posted), c.batch)
		}
		for k, a := range msg.Alerts {
			key := a.Labels["alertname"] + "/" + a.Labels["instance"]
			if seen[key] {
				t.Errorf("body %d: %s sent before", i, key)
			}
			seen[key] = true
			if a.Status != "firing" || a.Labels["alertname"] != msg.Alerts[0].Labels["alertname"] {
				t.Errorf("body %d alert %d: %s %s, want firing and the body's one alertname", i, k, a.Status, key)
			}
			p := posted[k]
			if !maps.Equal(p.Labels, a.Labels) || !maps.Equal(p.Annotations, a.Annotations) || p.StartsAt != a.StartsAt || p.EndsAt != "" || p.GeneratorURL != a.GeneratorURL {
				t.Errorf("body %d alert %d: Alertmanager gets %+v, Firebreak %+v", i, k, p, a)
			}
		}
	}
}

// TestProcessCPU reads this process's own CPU time from /proc the way the
// side-by-side run reads Alertmanager's, and checks it against getrusage.
func TestProcessCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc/<pid>/stat is Linux's")
	}
	// Spin until getrusage says 100 ms of CPU have gone by.
	x := 0
	for start := cpuTime(); cpuTime()-start < 100*time.Millisecond; {
		for i := range 100000 {
			x ^= i
		}
	}
	got, ok := processCPU(os.Getpid())
	want := cpuTime()
	if !ok {
		t.Fatal("processCPU: not readable")
	}
	// /proc counts in 10 ms ticks, and its sampling differs from
	// getrusage's; the two agree to within a few ticks.
	if got < want-50*time.Millisecond || got > want+50*time.Millisecond {
		t.Errorf("processCPU = %v, getrusage = %v (x=%d)", got, want, x)
	}
	if _, ok := processCPU(-1); ok {
		t.Error("processCPU(-1): read a process that cannot exist")
	}
}
