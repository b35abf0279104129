package store_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// BenchmarkIngestOneNewAlertPG is the paging bench's intake without HTTP:
// deliveries of one new alert each (its own group), 64 in flight, into
// Ingest on PostgreSQL (FIREBREAK_TEST_POSTGRES_URL). Every delivery runs
// its statements one after another under the queue's lock, so the time
// per delivery (ns/op) is the intake's ceiling in deliveries per second;
// it also reports the process's CPU per delivery. Wall time on a shared
// machine moves with the neighbours: compare A/B in the same minutes.
func BenchmarkIngestOneNewAlertPG(b *testing.B) {
	db, _ := storetest.OpenPostgres(b)
	now := time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)
	ctx := context.Background()
	p := alert.NewPipeline(&alert.Route{Service: "svc", GroupBy: []string{"alertname", "instance"}})
	newEntry := func(g alert.Group, o alert.Outcome) triage.Entry {
		return triage.Entry{Group: g, Status: triage.New, Source: alert.SourceGeneric, Integration: "gen", Severity: o.Alert.Severity, Rank: 3, UpdatedAt: now}
	}
	var n atomic.Int64
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b.SetParallelism(32) // 64 in flight on 2 CPUs
	b.ResetTimer()
	start := cpu()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			at := now.Add(time.Duration(i) * time.Millisecond)
			a := []alert.Alert{{Source: alert.SourceGeneric, Integration: "gen", Status: alert.StatusFiring, Summary: "down",
				Labels: map[string]string{"alertname": "Down", "instance": fmt.Sprintf("host-%d", i)}, StartsAt: at, ReceivedAt: at}}
			prepared, err := p.Prepare(ctx, at, a)
			if err != nil {
				b.Error(err)
				return
			}
			outs, err := db.Ingest(ctx, func(st alert.State) ([]alert.Outcome, error) { return prepared.Process(ctx, st) }, newEntry, nil)
			if err != nil {
				b.Error(err)
				return
			}
			if len(outs) != 1 || outs[0].Kind != alert.NewGroup {
				b.Errorf("delivery %d: %d outcomes, the first %v; want one new group", i, len(outs), outs)
				return
			}
		}
	})
	b.ReportMetric(float64((cpu()-start).Microseconds())/float64(b.N), "cpu-µs/delivery")
}
