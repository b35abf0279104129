package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// BenchmarkSearch measures q= on the incident list (ranked, limit 50,
// with passages, as a viewer who is not an admin) over
// FIREBREAK_BENCH_SEARCH_N incidents (default 100,000), on SQLite and,
// when FIREBREAK_TEST_POSTGRES_URL is set, PostgreSQL. The incidents are
// loaded straight into the tables (multi-row inserts in one transaction)
// with text drawn from a 20,000-word vocabulary by a Zipf law, so some
// words are in a large share of incidents and most in few; the queries
// are one or two words drawn uniformly from the vocabulary. It reports
// p50 and p99 per query.
// Run: go test ./internal/store -run - -bench Search -benchtime 500x
func BenchmarkSearch(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("FIREBREAK_BENCH_SEARCH_N")); err == nil && v > 0 {
		n = v
	}
	b.Run("sqlite", func(b *testing.B) { benchSearch(b, b.TempDir()+"/search.db", n) })
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv(postgresEnv) == "" {
			b.Skip(postgresEnv + " is not set")
		}
		benchSearch(b, freshPostgres(b), n)
	})
}

const vocabulary = 20_000

func benchWord(i uint64) string { return "w" + strconv.FormatUint(i, 36) + "x" }

func benchSearch(b *testing.B, dsn string, total int) {
	ctx := context.Background()
	db, err := Open(ctx, dsn, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	r := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(r, 1.1, 1, vocabulary-1)
	text := func(words int) string {
		w := make([]string, words)
		for i := range w {
			w[i] = benchWord(zipf.Uint64())
		}
		return strings.Join(w, " ")
	}
	const per = 200
	start := time.Now()
	at := db.dialect.t(start)
	err = db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		incRow := "(?, ?, ?, ?, ?, 'bench', 'SEV3', 'active', ?, 'lead', ?, ?, 1, ?, NULL)"
		incQ := db.dialect.q(`INSERT INTO incidents (id, number, ref, title, summary, type, severity, state, restricted, declared_by, declared_at, updated_at, version, doc, postmortem_open_due) VALUES ` +
			strings.TrimSuffix(strings.Repeat(incRow+",", per), ","))
		searchQ := db.dialect.q(`INSERT INTO ` + db.searchTable() + ` (` + db.searchKey() + `, title, summary, timeline, postmortem) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?),", per), ","))
		var incArgs, searchArgs []any
		for i := 1; i <= total; i++ {
			inc := incident.Incident{ID: fmt.Sprintf("bench-%d", i), Number: int64(i), Ref: incident.RefOf(int64(i)), Title: text(6), Summary: text(20),
				Severity: "SEV3", State: incident.Active, Restricted: i%10 == 0, DeclaredBy: "lead", Version: 1}
			doc := fmt.Sprintf(`{"id":%q,"ref":%q,"number":%d,"title":%q,"summary":%q,"state":"active","severity":"SEV3","restricted":%t,"declared_by":"lead","version":1}`,
				inc.ID, inc.Ref, inc.Number, inc.Title, inc.Summary, inc.Restricted)
			incArgs = append(incArgs, inc.ID, inc.Number, inc.Ref, inc.Title, inc.Summary, inc.Restricted, at, at, doc)
			searchArgs = append(searchArgs, inc.Number, inc.Title, inc.Summary, text(60), text(40))
			if i%per == 0 {
				if _, err := tx.ExecContext(ctx, incQ, incArgs...); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, searchQ, searchArgs...); err != nil {
					return err
				}
				incArgs, searchArgs = incArgs[:0], searchArgs[:0]
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if db.dialect.postgres() {
		if _, err := db.write.ExecContext(ctx, `ANALYZE incidents; ANALYZE incident_search`); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("loaded %d incidents in %s", total, time.Since(start).Round(time.Millisecond))
	v := incident.Viewer{User: "someone"}
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		q := benchWord(r.Uint64N(vocabulary))
		if i%4 == 0 {
			q += " " + benchWord(r.Uint64N(vocabulary))
		}
		t0 := time.Now()
		_, err := db.List(ctx, incident.Filter{Text: q, Viewer: v, Limit: 50})
		took = append(took, time.Since(t0))
		if err != nil {
			b.Fatalf("search %q: %v", q, err)
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op")
}
