package engine_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/store"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// BenchmarkEnqueueToStart measures, on SQLite with the real clock, the time
// from calling Enqueue (its commit included) to the handler starting, one
// job at a time, and reports the median and 99th percentile; commit-p50-ms
// is the Enqueue call alone.
func BenchmarkEnqueueToStart(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.SQLiteDSN(b), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	eng := engine.New(db, engine.Options{SingleNode: true})
	db.OnJobs(eng.Notify)
	starts := make(chan time.Time, 1)
	eng.Handle("bench", func(ctx context.Context, j engine.Job) error { starts <- time.Now(); return nil })
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { eng.Run(runCtx); close(done) }()
	defer func() { cancel(); <-done }()

	var lat, commit []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := db.Enqueue(ctx, engine.Job{Kind: "bench"}); err != nil {
			b.Fatal(err)
		}
		commit = append(commit, time.Since(t0))
		lat = append(lat, (<-starts).Sub(t0))
	}
	ms := func(d []time.Duration, p float64) float64 {
		slices.Sort(d)
		return float64(d[int(p*float64(len(d)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(ms(lat, .50), "p50-ms")
	b.ReportMetric(ms(lat, .99), "p99-ms")
	b.ReportMetric(ms(commit, .50), "commit-p50-ms")
}
