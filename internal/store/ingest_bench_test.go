package store

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// BenchmarkIngestNewAlerts is the storm of new alerts of bench/alerts
// --new-alerts without HTTP and parsing: bodies of 100 firing alerts, body
// i of alertname i mod 200 with instances never seen, 8 in flight, through
// the pipeline into Ingest on SQLite as served. It reports the process's
// CPU per alert (cpu-µs/alert), which the other work on a shared machine
// does not move as it moves the time per body.
func BenchmarkIngestNewAlerts(b *testing.B) {
	const perBody, groups = 100, 200
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	ctx := context.Background()
	db, err := Open(ctx, b.TempDir()+"/ingest.db", Options{Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	p := alert.NewPipeline(&alert.Route{Service: "svc", GroupBy: []string{"alertname"}})
	newEntry := func(g alert.Group, o alert.Outcome) triage.Entry {
		return triage.Entry{Group: g, Status: triage.New, Source: alert.SourceAlertmanager, Integration: "am", Severity: o.Alert.Severity, Rank: 3, UpdatedAt: now}
	}
	var bodies atomic.Int64
	body := func() []alert.Alert {
		i := int(bodies.Add(1))
		at := now.Add(time.Duration(i) * time.Millisecond) // the clock moves on, as in a real storm
		out := make([]alert.Alert, perBody)
		for j := range out {
			out[j] = alert.Alert{Source: alert.SourceAlertmanager, Integration: "am", Status: alert.StatusFiring,
				Labels:      map[string]string{"alertname": fmt.Sprintf("Storm%03d", i%groups), "instance": fmt.Sprintf("host-%d-%d:9100", i, j), "job": "node", "severity": "warning"},
				Annotations: map[string]string{"summary": "disk filling up"}, StartsAt: now.Add(-time.Minute), ReceivedAt: at}
		}
		return out
	}
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	// wchar: the bytes the process wrote (WAL frames, checkpoints), which
	// are what each page an alert dirties costs, whatever else runs.
	written := func() int64 {
		io, err := os.ReadFile("/proc/self/io")
		if err != nil {
			return 0 // not Linux: the figure is left out
		}
		for line := range strings.Lines(string(io)) {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "wchar: "); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				return n
			}
		}
		return 0
	}
	b.SetParallelism(4) // 8 in flight on 2 CPUs
	b.ResetTimer()
	start, wrote := cpu(), written()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			alerts := body()
			prepared, err := p.Prepare(ctx, alerts[0].ReceivedAt, alerts)
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := db.Ingest(ctx, func(st alert.State) ([]alert.Outcome, error) { return prepared.Process(ctx, st) }, newEntry, nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64((cpu()-start).Microseconds())/float64(b.N*perBody), "cpu-µs/alert")
	b.ReportMetric(float64(written()-wrote)/float64(b.N*perBody), "written-B/alert")
}
