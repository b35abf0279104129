package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
)

// BenchmarkIndicatorLookup measures "seen before" lookups (Sightings of
// one value across all incidents, as a viewer who is not an admin) with
// 1,000,000 indicators stored on SQLite, spread over 500 incidents (some
// restricted). It reports the mean and the 99th percentile per lookup.
// Run: go test ./internal/store -run - -bench IndicatorLookup -benchtime 2000x
func BenchmarkIndicatorLookup(b *testing.B) {
	const total, incidents = 1_000_000, 500
	ctx := context.Background()
	db, err := Open(ctx, b.TempDir()+"/iocs.db", Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	n := 0
	svc := incident.NewService(db, anyUser{}, incident.DefaultPolicy(), time.Now, func() string { n++; return fmt.Sprintf("bench-%d", n) })
	ids := make([]string, incidents)
	for i := range incidents {
		inc, err := svc.Declare(ctx, "lead", incident.DeclareInput{Title: "bench", Severity: "SEV2", Restricted: i%10 == 0})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = inc.ID
	}
	// Rows straight into the table: a million events are not what is
	// measured here.
	now := db.dialect.t(time.Now())
	const per = 500
	err = db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		row := "(?, ?, ?, ?, 'amber', 'active', '', 50, '', NULL, NULL, 'lead', ?, ?)"
		q := db.dialect.q(`INSERT INTO indicators (` + indicatorColumns + `) VALUES ` + strings.TrimSuffix(strings.Repeat(row+",", per), ","))
		args := make([]any, 0, per*6)
		for i := range total {
			// Values repeat across incidents 1 in 4, as IPs of a campaign do.
			v := fmt.Sprintf("10.%d.%d.%d", (i/4)>>16&255, (i/4)>>8&255, (i/4)&255)
			args = append(args, fmt.Sprintf("ioc-%d", i), ids[i%incidents], string(indicators.IPv4), v, now, now)
			if len(args) == per*6 {
				if _, err := tx.ExecContext(ctx, q, args...); err != nil {
					return err
				}
				args = args[:0]
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	v := incident.Viewer{User: "someone"}
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		k := (i * 7919) % (total / 4)
		key := indicators.Key{Type: indicators.IPv4, Value: fmt.Sprintf("10.%d.%d.%d", k>>16&255, k>>8&255, k&255)}
		t0 := time.Now()
		got, err := db.Sightings(ctx, v, []indicators.Key{key}, "", indicators.MaxSightings)
		took = append(took, time.Since(t0))
		if err != nil || len(got) == 0 {
			b.Fatalf("lookup %v: %d, %v", key, len(got), err)
		}
	}
	slices.Sort(took)
	var sum time.Duration
	for _, d := range took {
		sum += d
	}
	b.ReportMetric(float64(sum.Microseconds())/float64(len(took))/1000, "ms/lookup")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op")
}
