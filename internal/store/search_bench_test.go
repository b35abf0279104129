package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"runtime"
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
//
// FIREBREAK_BENCH_SEARCH_KEEP=name keeps the loaded data for the next run
// (SQLite: $TMPDIR/name.db; PostgreSQL: schema name), so iterating on a
// query does not reload a million incidents; FIREBREAK_BENCH_SEARCH_SLOW=k
// logs the k slowest queries with their match counts.
func BenchmarkSearch(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("FIREBREAK_BENCH_SEARCH_N")); err == nil && v > 0 {
		n = v
	}
	// The harness calls each sub-benchmark twice (b.N = 1, then the
	// real N): the closures keep the loaded database so it loads once,
	// in the parent's TempDir, which outlives both calls.
	dir := b.TempDir()
	var lite, pg *DB
	b.Cleanup(func() {
		for _, db := range []*DB{lite, pg} {
			if db != nil {
				db.Close()
			}
		}
	})
	keep := os.Getenv("FIREBREAK_BENCH_SEARCH_KEEP")
	b.Run("sqlite", func(b *testing.B) {
		if lite == nil {
			path := dir + "/search.db"
			if keep != "" {
				path = os.TempDir() + "/" + keep + ".db"
			}
			lite = loadSearchBench(b, path, n)
		}
		benchSearch(b, lite)
	})
	// The schema too: a sub-benchmark's cleanups run after each call.
	pgDSN := ""
	if os.Getenv(postgresEnv) != "" {
		if keep != "" {
			pgDSN = keptPostgres(b, keep)
		} else {
			pgDSN = freshPostgres(b)
		}
	}
	b.Run("postgres", func(b *testing.B) {
		if pgDSN == "" {
			b.Skip(postgresEnv + " is not set")
		}
		if pg == nil {
			pg = loadSearchBench(b, pgDSN, n)
		}
		benchSearch(b, pg)
	})
}

const vocabulary = 20_000

func benchWord(i uint64) string { return "w" + strconv.FormatUint(i, 36) + "x" }

// loadSearchBench opens dsn and loads total incidents with their index
// rows; the caller closes it.
func loadSearchBench(b *testing.B, dsn string, total int) *DB {
	ctx := context.Background()
	db, err := Open(ctx, dsn, Options{})
	if err != nil {
		b.Fatal(err)
	}
	var have int
	if err := db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM incidents").Scan(&have); err != nil {
		b.Fatal(err)
	}
	if have == total {
		b.Logf("kept %d incidents", have)
		return db
	} else if have != 0 {
		b.Fatalf("kept data holds %d incidents, not %d", have, total)
	}
	r := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(r, 1.1, 1, vocabulary-1)
	var sb strings.Builder
	text := func(words int) string {
		sb.Reset()
		for i := range words {
			if i > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(benchWord(zipf.Uint64()))
		}
		return sb.String()
	}
	const per = 200
	start := time.Now()
	at := db.dialect.t(start)
	if db.dialect.postgres() {
		// One GIN build after the load is several times faster than a
		// million insertions into it; the test database's own settings.
		if _, err := db.write.ExecContext(ctx, `DROP INDEX incident_search_doc`); err != nil {
			b.Fatal(err)
		}
	}
	err = db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		incRow := "(?, ?, ?, ?, ?, 'bench', 'SEV3', 'active', ?, 'lead', ?, ?, 1, ?, NULL)"
		incQ, err := tx.PrepareContext(ctx, db.dialect.q(`INSERT INTO incidents (id, number, ref, title, summary, type, severity, state, restricted, declared_by, declared_at, updated_at, version, doc, postmortem_open_due) VALUES `+
			strings.TrimSuffix(strings.Repeat(incRow+",", per), ",")))
		if err != nil {
			return err
		}
		defer incQ.Close()
		searchQ, err := tx.PrepareContext(ctx, db.dialect.q(`INSERT INTO `+db.searchTable()+` (`+db.searchKey()+`, title, summary, timeline, postmortem) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?),", per), ",")))
		if err != nil {
			return err
		}
		defer searchQ.Close()
		incArgs := make([]any, 0, per*9)
		searchArgs := make([]any, 0, per*5)
		for i := 1; i <= total; i++ {
			id, ref, title, summary, restricted := "bench-"+strconv.Itoa(i), incident.RefOf(int64(i)), text(6), text(20), i%10 == 0
			doc := fmt.Sprintf(`{"id":%q,"ref":%q,"number":%d,"title":%q,"summary":%q,"state":"active","severity":"SEV3","restricted":%t,"declared_by":"lead","version":1}`,
				id, ref, i, title, summary, restricted)
			incArgs = append(incArgs, id, i, ref, title, summary, restricted, at, at, doc)
			searchArgs = append(searchArgs, i, title, summary, text(60), text(40))
			if i%per == 0 {
				if _, err := incQ.ExecContext(ctx, incArgs...); err != nil {
					return err
				}
				if _, err := searchQ.ExecContext(ctx, searchArgs...); err != nil {
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
		if _, err := db.write.ExecContext(ctx, `SET maintenance_work_mem = '512MB'; CREATE INDEX incident_search_doc ON incident_search USING GIN (doc); RESET maintenance_work_mem; ANALYZE incidents; ANALYZE incident_search`); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("loaded %d incidents in %s", total, time.Since(start).Round(time.Millisecond))
	return db
}

func benchSearch(b *testing.B, db *DB) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 4))
	v := incident.Viewer{User: "someone"}
	took := make([]time.Duration, 0, b.N)
	cpu := make([]time.Duration, 0, b.N)
	type timed struct {
		q                 string
		took, cpu, server time.Duration
	}
	var all []timed
	// Wall time is meaningless on a busy machine: the CPU the query took
	// on this goroutine's thread is measured too (cpu-p50-ms, cpu-p99-ms).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	_, haveCPU := threadCPU()
	// On PostgreSQL the query runs in the server: the CPU of the backend
	// serving these sequential queries (server-cpu-*), when it runs on
	// this machine. The pool hands a lone caller its one idle connection
	// back each time; if the loop ended on another, the figures are
	// left out.
	pid, haveServer := 0, false
	var server []time.Duration
	if db.dialect.postgres() {
		if err := db.read.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			b.Fatal(err)
		}
		_, haveServer = backendCPU(pid)
	}
	b.ResetTimer()
	for i := range b.N {
		q := benchWord(r.Uint64N(vocabulary))
		if i%4 == 0 {
			q += " " + benchWord(r.Uint64N(vocabulary))
		}
		s0, _ := backendCPU(pid)
		c0, _ := threadCPU()
		t0 := time.Now()
		_, err := db.List(ctx, incident.Filter{Text: q, Viewer: v, Limit: 50})
		took = append(took, time.Since(t0))
		c1, _ := threadCPU()
		cpu = append(cpu, c1-c0)
		if haveServer {
			s1, _ := backendCPU(pid)
			server = append(server, s1-s0)
		}
		all = append(all, timed{q: q, took: took[len(took)-1], cpu: c1 - c0})
		if haveServer {
			all[len(all)-1].server = server[len(server)-1]
		}
		if err != nil {
			b.Fatalf("search %q: %v", q, err)
		}
	}
	b.StopTimer()
	if haveServer {
		var same int
		if err := db.read.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&same); err != nil {
			b.Fatal(err)
		}
		if same != pid {
			b.Logf("the searches ran on more than one connection: server-cpu figures left out")
			haveServer = false
		}
	}
	if k, _ := strconv.Atoi(os.Getenv("FIREBREAK_BENCH_SEARCH_SLOW")); k > 0 {
		// By CPU, the client's and the server's: wall time on a busy
		// machine is mostly waiting for a core.
		slices.SortFunc(all, func(a, b timed) int { return cmp.Compare(b.cpu+b.server, a.cpu+a.server) })
		for _, t := range all[:min(k, len(all))] {
			var matches int
			if err := db.read.QueryRowContext(ctx, db.dialect.q("SELECT COUNT(*) FROM ("+db.matchNumbers()+") m"), db.newSearch(incident.Filter{Text: t.q}).match).Scan(&matches); err != nil {
				b.Fatal(err)
			}
			b.Logf("%8.2f ms (CPU %6.2f ms, server %6.2f ms)  %-16s %d matches", float64(t.took.Microseconds())/1000, float64(t.cpu.Microseconds())/1000, float64(t.server.Microseconds())/1000, t.q, matches)
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	if haveCPU {
		slices.Sort(cpu)
		var sum time.Duration
		for _, c := range cpu {
			sum += c
		}
		b.ReportMetric(float64(sum.Microseconds())/float64(len(cpu))/1000, "cpu-mean-ms")
		b.ReportMetric(float64(cpu[len(cpu)/2].Microseconds())/1000, "cpu-p50-ms")
		b.ReportMetric(float64(cpu[len(cpu)*99/100].Microseconds())/1000, "cpu-p99-ms")
	}
	if haveServer {
		slices.Sort(server)
		var sum time.Duration
		for _, c := range server {
			sum += c
		}
		b.ReportMetric(float64(sum.Microseconds())/float64(len(server))/1000, "server-cpu-mean-ms")
		b.ReportMetric(float64(server[len(server)/2].Microseconds())/1000, "server-cpu-p50-ms")
		b.ReportMetric(float64(server[len(server)*99/100].Microseconds())/1000, "server-cpu-p99-ms")
	}
	b.ReportMetric(0, "ns/op")
}

// keptPostgres is the DSN of schema name, created if missing and kept.
func keptPostgres(b *testing.B, name string) string {
	base := os.Getenv(postgresEnv)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA IF NOT EXISTS " + name); err != nil {
		b.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}
