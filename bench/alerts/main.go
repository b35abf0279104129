// Command alerts measures Firebreak's alert intake: it replays Prometheus
// Alertmanager webhook deliveries (POST /hooks/alertmanager/{token}, version
// "4" bodies of --batch alerts each) at a set rate or as fast as it can, and
// prints alerts/s and the webhook's latency percentiles.
//
// The alerts come from a fixed label space: --groups alertnames times
// --instances instances, each its own fingerprint. Alert j of the run is
// fingerprint j mod (groups × instances), so the first pass opens new groups
// and new alerts and later passes repeat them; every --resolve-every-th
// pass resolves them instead, and the pass after that fires them again as
// new occurrences. A body holds consecutive fingerprints, so with
// --instances equal to --batch each body is one Alertmanager group, as
// Alertmanager itself sends them.
//
// By default it starts Firebreak in-process on a fresh SQLite file (WAL,
// synchronous=FULL, exactly as `firebreak serve` opens it), serving HTTP on
// loopback, and creates an Alertmanager integration. --url with --token (an
// admin's API token) creates the integration on a running server instead;
// --hook-token uses an existing integration's secret.
//
// The run ends after --duration or --alerts alerts, whichever comes first.
//
// --new-alerts sends a storm of new alerts instead (body i: alertname
// i mod --groups, instances never sent before). --versus-alertmanager also
// starts a real Alertmanager and alternates legs between its
// /api/v2/alerts and Firebreak's webhook, the same storm to each, and
// prints both sides and their ratio (versus.go).
//
//	go run ./bench/alerts --duration 20s                 # as fast as possible
//	go run ./bench/alerts --rate 2000 --duration 30s     # paced, for latency
//	go run ./bench/alerts --versus-alertmanager --groups 200 --legs 3 --duration 10s
//	go run ./bench/alerts --rss --alerts 100000          # serve's RSS idle and holding 100k alerts
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/store"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

type config struct {
	db, url, token, hookToken string
	rate                      float64
	duration                  time.Duration
	alerts                    int
	batch                     int
	concurrency               int
	groups, instances         int
	resolveEvery              int
	cpuProfile                string
	newAlerts                 bool // every alert new: unique instances, never resolved

	// --versus-alertmanager: alternate legs with a real Alertmanager.
	versus          bool
	legs            int
	alertmanagerBin string

	// --rss: a firebreak serve process's memory, idle and holding alerts.
	rss          bool
	firebreakBin string
	settle       time.Duration
}

func main() {
	var c config
	flag.StringVar(&c.db, "db", "", "SQLite file or postgres:// URL for the in-process server (default: a fresh SQLite file in a temp dir, removed afterwards)")
	flag.StringVar(&c.url, "url", "", "send to a running server at this URL instead of one in-process")
	flag.StringVar(&c.token, "token", os.Getenv("FIREBREAK_TOKEN"), "--url: an admin's API token, to create the integration; default $FIREBREAK_TOKEN")
	flag.StringVar(&c.hookToken, "hook-token", "", "--url: the secret of an existing Alertmanager integration (then --token is not needed)")
	flag.Float64Var(&c.rate, "rate", 0, "alerts/s to offer, paced in bodies of --batch; 0: as fast as the server answers")
	flag.DurationVar(&c.duration, "duration", 20*time.Second, "stop after this long; 0: no time limit")
	flag.IntVar(&c.alerts, "alerts", 0, "stop after this many alerts; 0: no count limit")
	flag.IntVar(&c.batch, "batch", 100, "alerts per webhook body")
	flag.IntVar(&c.concurrency, "concurrency", 8, "deliveries in flight at most")
	flag.IntVar(&c.groups, "groups", 500, "distinct alertnames (one queue group each)")
	flag.IntVar(&c.instances, "instances", 20, "instances per alertname (one alert each)")
	flag.IntVar(&c.resolveEvery, "resolve-every", 4, "every n-th pass over the label space resolves instead of firing; 0: never")
	flag.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the run (server and sender, in-process) to this file")
	flag.BoolVar(&c.newAlerts, "new-alerts", false, "a storm of new alerts: body i is alertname i mod --groups with instances never sent before, all firing (--instances and --resolve-every unused)")
	flag.BoolVar(&c.versus, "versus-alertmanager", false, "side by side: alternate legs against a real Alertmanager's /api/v2/alerts and Firebreak, the same storm of new alerts to each (implies --new-alerts; --duration and --alerts are per leg)")
	flag.IntVar(&c.legs, "legs", 3, "--versus-alertmanager: legs per side, alternating Alertmanager, Firebreak, Alertmanager…")
	flag.StringVar(&c.alertmanagerBin, "alertmanager", "/usr/bin/prometheus-alertmanager", "--versus-alertmanager: the Alertmanager binary to start")
	flag.BoolVar(&c.rss, "rss", false, "memory: start `firebreak serve` as its own process and print its RSS (/proc VmRSS) idle and then holding --alerts new firing alerts fed through the webhook (--duration and --rate unused)")
	flag.StringVar(&c.firebreakBin, "firebreak", "", "--rss: the firebreak binary to start (default: built from this checkout)")
	flag.DurationVar(&c.settle, "settle", 5*time.Second, "--rss: wait this long after start and after the last alert before reading RSS")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	runner := run
	if c.versus {
		runner = runVersus
	}
	if c.rss {
		runner = runRSS
	}
	if err := runner(ctx, c, log, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "alerts:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c config, log *slog.Logger, out io.Writer) error {
	switch {
	case c.duration <= 0 && c.alerts <= 0:
		return errors.New("set --duration or --alerts, so the run ends")
	case c.batch < 1 || c.concurrency < 1 || c.groups < 1 || c.instances < 1 || c.resolveEvery < 0 || c.rate < 0:
		return errors.New("--batch, --concurrency, --groups and --instances must be at least 1; --rate and --resolve-every not negative")
	}
	hookURL, where, closeTarget, err := open(ctx, c, log)
	if err != nil {
		return err
	}
	defer closeTarget()
	fmt.Fprintf(out, "machine: %d CPUs (GOMAXPROCS %d), %s %s/%s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(out, "target:  %s\n", where)
	offered := "as fast as possible"
	if c.rate > 0 {
		offered = fmt.Sprintf("%.0f alerts/s offered", c.rate)
	}
	fmt.Fprintf(out, "load:    %d alerts per body, %d in flight at most, %s; %s\n", c.batch, c.concurrency, offered, labelSpace(c))

	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }() // StopCPUProfile has written it
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	cpu0 := cpuTime()
	res := replay(ctx, c, firebreakTarget(newGenerator(c), hookURL), 0)
	cpu := cpuTime() - cpu0
	fmt.Fprintf(out, "result:  %d alerts in %d bodies in %s: %.0f alerts/s; %d bodies failed\n",
		res.alerts, res.bodies, res.elapsed.Round(time.Millisecond), float64(res.alerts)/res.elapsed.Seconds(), res.failed)
	if cpu > 0 && res.alerts > 0 {
		who := "this process"
		if c.url == "" {
			who = "server and sender, in-process"
		}
		fmt.Fprintf(out, "cpu:     %s (%s): %.0f µs per alert, %.0f%% of %d CPUs\n", cpu.Round(time.Millisecond), who,
			float64(cpu.Microseconds())/float64(res.alerts), 100*cpu.Seconds()/res.elapsed.Seconds()/float64(runtime.NumCPU()), runtime.NumCPU())
	}
	r := res.receipt
	fmt.Fprintf(out, "receipts: %d accepted: %d opened a group, %d joined one, %d repeats, %d resolved, %d ignored\n",
		r.Accepted, r.NewGroups, r.Accepted-r.NewGroups-r.Repeats-r.Resolved-r.Ignored, r.Repeats, r.Resolved, r.Ignored)
	printLatency(out, "webhook latency", res.latencies)
	if c.rate > 0 {
		printLatency(out, "from scheduled send", res.fromSchedule)
	}
	if res.firstErr != nil {
		fmt.Fprintf(out, "first error: %v\n", res.firstErr)
		return errors.New("some deliveries failed")
	}
	return nil
}

// open returns the webhook URL to post to, a description, and a closer.
func open(ctx context.Context, c config, log *slog.Logger) (string, string, func(), error) {
	if c.url != "" {
		secret := c.hookToken
		if secret == "" {
			var err error
			if secret, err = createRemoteIntegration(ctx, c.url, c.token); err != nil {
				return "", "", nil, err
			}
		}
		return c.url + "/hooks/alertmanager/" + secret, "HTTP " + c.url, func() {}, nil
	}
	dsn, cleanup := c.db, func() {}
	if dsn == "" {
		dir, err := os.MkdirTemp("", "firebreak-alerts-")
		if err != nil {
			return "", "", nil, fmt.Errorf("temp dir: %w", err)
		}
		dsn, cleanup = filepath.Join(dir, "firebreak.db"), func() { _ = os.RemoveAll(dir) }
	}
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: dsn, Logger: log})
	if err != nil {
		cleanup()
		return "", "", nil, err
	}
	closeAll := func() { _ = a.Stop(context.Background()); cleanup() } // the run is over; its results are what count
	if err := a.Start(ctx); err != nil {
		closeAll()
		return "", "", nil, err
	}
	_, secret, err := a.Services.Triage.CreateIntegration(ctx, "admin", triage.IntegrationInput{
		Kind: alert.SourceAlertmanager, Name: integrationName(), Service: "bench"})
	if err != nil {
		closeAll()
		return "", "", nil, err
	}
	db := "SQLite " + dsn + " (WAL, synchronous=FULL)"
	if store.IsPostgres(dsn) {
		db = "PostgreSQL (--db; its server's CPU is not this process's)"
	}
	return a.URL() + "/hooks/alertmanager/" + secret, "HTTP " + a.URL() + " in-process, " + db, closeAll, nil
}

func integrationName() string { return "bench-" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36) }

// createRemoteIntegration adds an Alertmanager integration through the API
// and returns its secret.
func createRemoteIntegration(ctx context.Context, base, token string) (string, error) {
	if token == "" {
		return "", errors.New("--url needs --token (an admin's) or --hook-token")
	}
	body, _ := json.Marshal(map[string]string{"kind": "alertmanager", "name": integrationName(), "service": "bench"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/integrations", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("create integration: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("create integration: %s: %s", resp.Status, b)
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.Token == "" {
		return "", fmt.Errorf("create integration: no token in the answer: %s", b)
	}
	return out.Token, nil
}

// result is what a replay did.
type result struct {
	alerts, bodies, failed int
	elapsed                time.Duration
	latencies              []time.Duration // send → answer
	fromSchedule           []time.Duration // scheduled send → answer (paced runs)
	receipt                triage.Receipt  // summed
	firstErr               error
}

// target is where a replay sends: body makes the i-th body of the run (and
// says how many alerts it holds), post delivers one and returns the
// receipt (zero where the receiver gives none, as Alertmanager).
type target struct {
	body func(i int) ([]byte, int)
	post func(ctx context.Context, client *http.Client, body []byte) (triage.Receipt, error)
}

// firebreakTarget posts gen's webhook bodies to a Firebreak Alertmanager
// integration.
func firebreakTarget(gen *generator, hookURL string) target {
	return target{body: gen.body, post: func(ctx context.Context, client *http.Client, body []byte) (triage.Receipt, error) {
		return deliver(ctx, client, hookURL, body)
	}}
}

// replay sends bodies first, first+1, … until the duration or the count is
// reached; no body is sent after that, and those in flight are answered and
// counted, so the next replay can go on at first+res.bodies. Paced runs
// schedule the i-th body sent at start + i·batch/rate; a body whose time has
// come waits for a free sender, and the latency from its scheduled time
// shows that wait (no coordinated omission).
func replay(ctx context.Context, c config, t target, first int) result {
	if c.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.duration)
		defer cancel()
	}
	maxBodies := -1
	if c.alerts > 0 {
		maxBodies = (c.alerts + c.batch - 1) / c.batch
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.concurrency, MaxConnsPerHost: c.concurrency}}
	defer client.CloseIdleConnections()

	type job struct {
		i  int
		at time.Time
	}
	jobs := make(chan job)
	start := time.Now()
	go func() {
		defer close(jobs)
		var interval time.Duration
		if c.rate > 0 {
			interval = time.Duration(float64(time.Second) * float64(c.batch) / c.rate)
		}
		for i := 0; maxBodies < 0 || i < maxBodies; i++ {
			at := time.Now()
			if interval > 0 {
				at = start.Add(time.Duration(i) * interval)
				if d := time.Until(at); d > 0 {
					select {
					case <-time.After(d):
					case <-ctx.Done():
						return
					}
				}
			}
			select {
			case jobs <- job{i, at}:
			case <-ctx.Done():
				return
			}
		}
	}()

	var (
		mu  sync.Mutex
		res result
	)
	var wg sync.WaitGroup
	for range c.concurrency {
		wg.Go(func() {
			var lat, sched []time.Duration
			var sum triage.Receipt
			var alerts, bodies, failed int
			var firstErr error
			for j := range jobs {
				body, n := t.body(first + j.i)
				t0 := time.Now()
				// Not cut off at the end of the run: a body sent is
				// answered, and counted.
				rec, err := t.post(context.WithoutCancel(ctx), client, body)
				t1 := time.Now()
				bodies++
				if err != nil {
					failed++
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				alerts += n
				lat = append(lat, t1.Sub(t0))
				sched = append(sched, t1.Sub(j.at))
				sum.Accepted += rec.Accepted
				sum.NewGroups += rec.NewGroups
				sum.Repeats += rec.Repeats
				sum.Resolved += rec.Resolved
				sum.Ignored += rec.Ignored
			}
			mu.Lock()
			defer mu.Unlock()
			res.alerts += alerts
			res.bodies += bodies
			res.failed += failed
			res.latencies = append(res.latencies, lat...)
			res.fromSchedule = append(res.fromSchedule, sched...)
			res.receipt.Accepted += sum.Accepted
			res.receipt.NewGroups += sum.NewGroups
			res.receipt.Repeats += sum.Repeats
			res.receipt.Resolved += sum.Resolved
			res.receipt.Ignored += sum.Ignored
			if res.firstErr == nil {
				res.firstErr = firstErr
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start) // to the last answer
	return res
}

// deliver posts one body and decodes the receipt.
func deliver(ctx context.Context, client *http.Client, url string, body []byte) (triage.Receipt, error) {
	b, err := postJSON(ctx, client, url, body)
	if err != nil {
		return triage.Receipt{}, err
	}
	var rec triage.Receipt
	if err := json.Unmarshal(b, &rec); err != nil {
		return triage.Receipt{}, fmt.Errorf("receipt: %w", err)
	}
	return rec, nil
}

// postJSON posts body as Alertmanager would and returns the answer; an
// answer other than 2xx is an error.
func postJSON(ctx context.Context, client *http.Client, url string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Alertmanager/0.25.0")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		if len(b) > 500 {
			b = b[:500]
		}
		return nil, fmt.Errorf("%s: %s", resp.Status, b)
	}
	return b, nil
}

// generator makes the bodies: body i holds alerts i·batch … i·batch+batch-1.
type generator struct {
	c     config
	space int       // groups × instances
	base  time.Time // startsAt of the first occurrence
}

func newGenerator(c config) *generator {
	return &generator{c: c, space: c.groups * c.instances, base: time.Now().Add(-time.Hour).UTC().Truncate(time.Second)}
}

// The webhook body, as Alertmanager's webhook notifier sends it.
type amMessage struct {
	Version         string            `json:"version"`
	GroupKey        string            `json:"groupKey"`
	TruncatedAlerts int               `json:"truncatedAlerts"`
	Status          string            `json:"status"`
	Receiver        string            `json:"receiver"`
	GroupLabels     map[string]string `json:"groupLabels"`
	CommonLabels    map[string]string `json:"commonLabels"`
	CommonAnnots    map[string]string `json:"commonAnnotations"`
	ExternalURL     string            `json:"externalURL"`
	Alerts          []amAlert         `json:"alerts"`
}

type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     string            `json:"startsAt"`
	EndsAt       string            `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// alerts makes the alerts of body i.
func (g *generator) alerts(i int) []amAlert {
	alerts := make([]amAlert, 0, g.c.batch)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	for k := range g.c.batch {
		var group, inst, occ int
		status, ends := "firing", "0001-01-01T00:00:00Z"
		if g.c.newAlerts {
			// Body i is one alertname's; its instances follow those of
			// the alertname's earlier bodies, so no alert repeats.
			group, inst = i%g.c.groups, i/g.c.groups*g.c.batch+k
		} else {
			j := i*g.c.batch + k
			f, pass := j%g.space, j/g.space
			group, inst, occ = f/g.c.instances, f%g.c.instances, pass
			// An occurrence lasts resolveEvery passes: fired (and
			// repeated), then resolved; the next pass is a new occurrence.
			if g.c.resolveEvery > 0 {
				occ = pass / g.c.resolveEvery
				if pass%g.c.resolveEvery == g.c.resolveEvery-1 {
					status, ends = "resolved", now
				}
			}
		}
		name, instance := "BenchAlert"+strconv.Itoa(group), "host-"+strconv.Itoa(inst)+":9100"
		labels := map[string]string{"alertname": name, "instance": instance, "job": "node", "severity": severity(group)}
		alerts = append(alerts, amAlert{
			Status: status, Labels: labels,
			Annotations:  map[string]string{"summary": name + " on " + instance, "runbook_url": "https://runbooks.bench/" + name},
			StartsAt:     g.base.Add(time.Duration(occ) * time.Second).Format(time.RFC3339),
			EndsAt:       ends,
			GeneratorURL: "http://prometheus.bench:9090/graph?g0.expr=up",
			Fingerprint:  fingerprint(labels),
		})
	}
	return alerts
}

// body is body i as Alertmanager's webhook notifier sends it.
func (g *generator) body(i int) ([]byte, int) {
	msg := amMessage{Version: "4", Receiver: "firebreak", ExternalURL: "http://alertmanager.bench:9093",
		GroupLabels: map[string]string{}, CommonLabels: map[string]string{}, CommonAnnots: map[string]string{},
		Alerts: g.alerts(i)}
	firing, resolved := false, false
	for _, a := range msg.Alerts {
		if a.Status == "firing" {
			firing = true
		} else {
			resolved = true
		}
	}
	first := msg.Alerts[0].Labels["alertname"]
	if last := msg.Alerts[len(msg.Alerts)-1].Labels["alertname"]; first == last {
		msg.GroupLabels["alertname"] = first
		msg.CommonLabels["alertname"] = first
	}
	msg.GroupKey = `{}:{alertname="` + first + `"}`
	msg.Status = "firing"
	if resolved && !firing {
		msg.Status = "resolved"
	}
	b, err := json.Marshal(msg)
	if err != nil {
		panic(err) // maps of strings always encode
	}
	return b, len(msg.Alerts)
}

// labelSpace describes the alerts a run sends.
func labelSpace(c config) string {
	if c.newAlerts {
		return fmt.Sprintf("%d alertnames, every alert new (unique instances), all firing", c.groups)
	}
	return fmt.Sprintf("%d alertnames × %d instances, every %dth pass resolves", c.groups, c.instances, c.resolveEvery)
}

func severity(group int) string {
	return [...]string{"critical", "warning", "warning", "info"}[group%4]
}

// fingerprint is a stable 16-hex-digit hash of the labels, the shape of
// Alertmanager's.
func fingerprint(labels map[string]string) string {
	h := fnv.New64a()
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{0xff})
		h.Write([]byte(labels[k]))
		h.Write([]byte{0xff})
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

func printLatency(out io.Writer, what string, lat []time.Duration) {
	if len(lat) == 0 {
		fmt.Fprintf(out, "%-20s no answers\n", what)
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return percentile(lat, p) }
	fmt.Fprintf(out, "%-20s p50 %7.2f ms   p95 %7.2f ms   p99 %7.2f ms   max %7.2f ms   (n=%d bodies)\n",
		what, pct(50), pct(95), pct(99), pct(100), len(lat))
}

// percentile is the p-th percentile of sorted latencies, in milliseconds
// (nearest rank); 0 for none.
func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted))+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return float64(sorted[i]) / float64(time.Millisecond)
}
