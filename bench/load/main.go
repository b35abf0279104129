// Command load measures Firebreak's command throughput and list latency.
//
// Commands (the default): N workers run declare → assign IR Lead → activate
// cycles, three commands each, for a fixed number of cycles or a duration
// (whichever ends first), then print commands/s and command latency
// percentiles.
//
// Lists (--list): seed --seed incidents (every --active-every-th one
// activated), then time the default list (limit 50, newest first), a state
// filter and two label filters, printing p50/p95/p99.
//
// By default it opens a fresh SQLite database (WAL, synchronous=FULL, as
// `firebreak serve` runs it) in a temp dir and calls the services
// in-process. --db names a database to use instead (kept afterwards), --serve
// runs the whole HTTP server in-process and drives it over loopback, and
// --url/--token drive a running server.
//
//	go run ./bench/load --workers 32 --cycles 5000
//	go run ./bench/load --list --seed 100000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/firebreak-ir/firebreak/bench"
	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/store"
)

type config struct {
	db, url, token string
	serve          bool
	workers        int
	cycles         int
	duration       time.Duration
	list           bool
	seed           int
	seedWorkers    int
	activeEvery    int
	queries        int
	listWorkers    int
	cpuProfile     string
	memProfile     string
}

func main() {
	var c config
	flag.StringVar(&c.db, "db", "", "SQLite file or postgres:// URL to use (default: a fresh SQLite file in a temp dir, removed afterwards)")
	flag.StringVar(&c.url, "url", "", "drive a running server at this URL over HTTP instead of the services in-process")
	flag.StringVar(&c.token, "token", os.Getenv("FIREBREAK_TOKEN"), "API token for --url (an admin's, to create the IR Lead user); default $FIREBREAK_TOKEN")
	flag.BoolVar(&c.serve, "serve", false, "run the HTTP server in-process on loopback and drive it over HTTP")
	flag.IntVar(&c.workers, "workers", 32, "concurrent workers running command cycles")
	flag.IntVar(&c.cycles, "cycles", 5000, "declare → assign → activate cycles to run (3 commands each); 0: until --duration")
	flag.DurationVar(&c.duration, "duration", 0, "stop after this long even if cycles remain; 0: no limit")
	flag.BoolVar(&c.list, "list", false, "measure list latency instead of command throughput")
	flag.IntVar(&c.seed, "seed", 100_000, "--list: incidents to declare first; 0 to use what the database holds")
	flag.IntVar(&c.seedWorkers, "seed-workers", 64, "--list: concurrent workers seeding")
	flag.IntVar(&c.activeEvery, "active-every", 10, "--list: activate every n-th seeded incident")
	flag.IntVar(&c.queries, "queries", 1000, "--list: times each list query runs")
	flag.IntVar(&c.listWorkers, "list-workers", 1, "--list: concurrent readers")
	flag.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the measured run to this file")
	flag.StringVar(&c.memProfile, "memprofile", "", "write an allocation profile (all allocations since start) to this file when the run ends")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, c, log, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c config, log *slog.Logger, out io.Writer) error {
	if c.cycles <= 0 && c.duration <= 0 {
		return errors.New("set --cycles or --duration, so the run ends")
	}
	target, where, closeTarget, err := open(ctx, c, log)
	if err != nil {
		return err
	}
	defer closeTarget()
	fmt.Fprintf(out, "machine: %d CPUs (GOMAXPROCS %d), %s %s/%s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(out, "target:  %s\n", where)
	if c.cpuProfile != "" {
		stopProfile, err := startCPUProfile(c.cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	if c.memProfile != "" {
		defer writeAllocProfile(c.memProfile, log)
	}
	if c.list {
		return runList(ctx, c, target, out)
	}
	return runCommands(ctx, c, target, out)
}

// startCPUProfile starts profiling the CPU into path and returns what stops it.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }, nil
}

// writeAllocProfile writes the heap profile (read it with
// -sample_index=alloc_space for every allocation of the run).
func writeAllocProfile(path string, log *slog.Logger) {
	f, err := os.Create(path)
	if err != nil {
		log.Error("memory profile", "err", err)
		return
	}
	err = pprof.Lookup("allocs").WriteTo(f, 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		log.Error("memory profile", "err", err)
	}
}

// open returns the target the flags name, a description, and its closer.
func open(ctx context.Context, c config, log *slog.Logger) (bench.Target, string, func(), error) {
	if c.url != "" {
		t, err := newRemote(ctx, c.url, c.token)
		return t, "HTTP " + c.url, func() {}, err
	}
	dsn, cleanup := c.db, func() {}
	if dsn == "" {
		dir, err := os.MkdirTemp("", "firebreak-load-")
		if err != nil {
			return nil, "", nil, fmt.Errorf("temp dir: %w", err)
		}
		dsn, cleanup = filepath.Join(dir, "firebreak.db"), func() { _ = os.RemoveAll(dir) }
	}
	where := "SQLite " + dsn + " (WAL, synchronous=FULL)"
	if store.IsPostgres(dsn) {
		where = "PostgreSQL"
	}
	if c.serve {
		// Only for the benchmark: a random admin token for this run.
		token := fmt.Sprintf("load-%d-bootstrap-token", time.Now().UnixNano())
		a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: dsn, BootstrapToken: token, Logger: log})
		if err != nil {
			cleanup()
			return nil, "", nil, err
		}
		if err := a.Start(ctx); err != nil {
			_ = a.Stop(context.Background()) // the start failure is the one to report
			cleanup()
			return nil, "", nil, err
		}
		closeAll := func() { _ = a.Stop(context.Background()); cleanup() } // the run is over; its results are what count
		t, err := newRemote(ctx, a.URL(), token)
		if err != nil {
			closeAll()
			return nil, "", nil, err
		}
		return t, "HTTP " + a.URL() + " in-process, " + where, closeAll, nil
	}
	l, err := bench.OpenLocal(ctx, dsn, store.Options{Logger: log})
	if err != nil {
		cleanup()
		return nil, "", nil, err
	}
	return l, "services in-process, " + where, func() { _ = l.Close(); cleanup() }, nil
}

func runCommands(ctx context.Context, c config, t bench.Target, out io.Writer) error {
	// Numbered from the clock so runs against a kept database do not repeat titles.
	res, err := bench.Run(ctx, t, bench.Load{Workers: c.workers, Cycles: c.cycles, Duration: c.duration, First: int(time.Now().Unix() % 1e6 * 1000)})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "load:    %d workers, declare → assign → activate (%d commands per cycle)\n", c.workers, bench.CommandsPerCycle)
	fmt.Fprintf(out, "result:  %d commands in %s: %.0f commands/s, %d failed\n", res.Commands, res.Elapsed.Round(time.Millisecond), res.PerSecond(), res.Errors)
	printLatency(out, "command", res.Latencies)
	if res.FirstErr != nil {
		fmt.Fprintf(out, "first error: %v\n", res.FirstErr)
		return errors.New("some commands failed")
	}
	return nil
}

func runList(ctx context.Context, c config, t bench.Target, out io.Writer) error {
	if c.seed > 0 {
		start := time.Now()
		err := bench.Seed(ctx, t, c.seed, c.seedWorkers, c.activeEvery, func(done int) {
			fmt.Fprintf(out, "seeding: %d/%d (%s)\n", done, c.seed, time.Since(start).Round(time.Second))
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "seeded:  %d incidents (every %dth active) in %s\n", c.seed, c.activeEvery, time.Since(start).Round(time.Millisecond))
	}
	fmt.Fprintf(out, "lists:   %d of each, %d reader(s), as a responder\n", c.queries, c.listWorkers)
	for _, q := range bench.Queries() {
		// A few unmeasured queries first, so the page cache is as warm as a
		// running server's.
		if _, err := bench.MeasureList(ctx, t, q, 10, 1); err != nil {
			return err
		}
		lat, err := bench.MeasureList(ctx, t, q, c.queries, c.listWorkers)
		if err != nil {
			return err
		}
		printLatency(out, "list "+q.Name, lat)
	}
	return nil
}

func printLatency(out io.Writer, what string, lat bench.Latencies) {
	fmt.Fprintf(out, "%-28s p50 %7.2f ms   p95 %7.2f ms   p99 %7.2f ms   max %7.2f ms   (n=%d)\n", what,
		bench.Ms(lat.Percentile(50)), bench.Ms(lat.Percentile(95)), bench.Ms(lat.Percentile(99)), bench.Ms(lat.Percentile(100)), len(lat))
}
