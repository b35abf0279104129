package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
)

// BenchmarkIndicatorLookup measures "seen before" lookups with 1,000,000
// indicators stored, spread over 500 incidents (one in ten restricted),
// on SQLite and, when FIREBREAK_TEST_POSTGRES_URL is set, PostgreSQL. A
// lookup is what GET /api/v1/indicators/lookup asks of the store: the
// value read as every type it is valid as (an IPv4 address is also a
// valid account, process, mutex… name: six keys), as a viewer who is not
// an admin, so the restricted-incident condition is in the query. One
// lookup in fifty is of a value every incident holds (a resolver every
// report names), which reads 500 rows to return the newest 200. It
// reports the mean and the 99th percentile per lookup.
// Run: go test ./internal/store -run - -bench IndicatorLookup -benchtime 2000x
func BenchmarkIndicatorLookup(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchLookup(b, b.TempDir()+"/iocs.db") })
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv(postgresEnv) == "" {
			b.Skip(postgresEnv + " is not set")
		}
		benchLookup(b, freshPostgres(b))
	})
}

func benchLookup(b *testing.B, dsn string) {
	const total, incidents = 1_000_000, 500
	ctx := context.Background()
	db, err := Open(ctx, dsn, Options{})
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
	const per = 500
	start := time.Now()
	err = db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		row := "(?, ?, ?, ?, 'amber', 'active', '', 50, '', NULL, NULL, 'lead', ?, ?)"
		q := db.dialect.q(`INSERT INTO indicators (` + indicatorColumns + `) VALUES ` + strings.TrimSuffix(strings.Repeat(row+",", per), ","))
		args := make([]any, 0, per*6)
		for i := range total {
			// Values repeat across incidents 1 in 4, as IPs of a campaign
			// do; the first 500 rows are one value in every incident.
			v := fmt.Sprintf("10.%d.%d.%d", (i/4)>>16&255, (i/4)>>8&255, (i/4)&255)
			if i < incidents {
				v = "192.0.2.53"
			}
			at := db.dialect.t(start.Add(time.Duration(i) * time.Millisecond))
			args = append(args, fmt.Sprintf("ioc-%d", i), ids[i%incidents], string(indicators.IPv4), v, at, at)
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
	if db.dialect.postgres() {
		// As autovacuum would soon after a load this size.
		if _, err := db.write.ExecContext(ctx, `ANALYZE indicators`); err != nil {
			b.Fatal(err)
		}
	}
	v := incident.Viewer{User: "someone"}
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		k := (i*7919)%(total/4-incidents) + incidents
		value := fmt.Sprintf("10.%d.%d.%d", k>>16&255, k>>8&255, k&255)
		want := 1
		if i%50 == 0 {
			value, want = "192.0.2.53", indicators.MaxSightings
		}
		keys := indicators.Interpret(value)
		t0 := time.Now()
		got, err := db.Sightings(ctx, v, keys, "", indicators.MaxSightings)
		took = append(took, time.Since(t0))
		if err != nil || len(got) < want {
			b.Fatalf("lookup %s: %d, %v", value, len(got), err)
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
