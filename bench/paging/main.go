// Command paging measures how fast a page reaches a person: the time from
// posting an alert to Firebreak until the on-call person's webhook
// receiver has the page, for alerts that each open a new queue entry on a
// service whose escalation policy pages a schedule.
//
// It starts Firebreak in-process on a fresh SQLite file (as `firebreak
// serve` opens it: WAL, synchronous=FULL) or on --db (a postgres:// URL),
// serving HTTP on loopback; sets up a user with a verified, HMAC-signed
// webhook contact on call in a schedule, a one-step policy and a service
// with a generic integration; then posts --rate alerts per second (each a
// new alert, one per request, open loop) for --duration, and prints the
// latency percentiles from the POST to the page's arrival, with the
// number of alerts that got no page within --grace.
//
//	go run ./bench/paging --rate 100 --duration 30s
//	go run ./bench/paging --rate 1000 --duration 30s
//	go run ./bench/paging --rate 1000 --db postgres://... --goroutines /tmp/stacks.txt
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/roster"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

const hookKey = "bench-webhook-signing-key-0123456789"

func main() {
	rate := flag.Float64("rate", 100, "alerts per second")
	duration := flag.Duration("duration", 20*time.Second, "how long to send")
	grace := flag.Duration("grace", 10*time.Second, "how long to wait for the last pages")
	db := flag.String("db", "", "database: a postgres:// URL; a fresh SQLite file when empty")
	verbose := flag.Bool("v", false, "log the server's warnings")
	cpu := flag.String("cpuprofile", "", "write a CPU profile of the run here")
	stacks := flag.String("goroutines", "", "write the goroutines' stacks here halfway through sending (where requests wait)")
	flag.Parse()
	if *cpu != "" {
		f, err := os.Create(*cpu)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *stacks != "" {
		t := time.AfterFunc(*duration/2+5*time.Second, func() { // past setup, halfway through sending
			if err := writeGoroutines(*stacks); err != nil {
				fmt.Fprintln(os.Stderr, err)
			}
		})
		defer t.Stop()
	}
	lvl := slog.LevelError
	if *verbose {
		lvl = slog.LevelWarn
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
	if err := run(ctx, *rate, *duration, *grace, *db, log); err != nil {
		fmt.Fprintln(os.Stderr, "paging bench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// receiver is the on-call person's phone: a loopback webhook endpoint that
// checks each page's signature and notes when it arrived.
type receiver struct {
	mu       sync.Mutex
	arrived  map[string]time.Time // alert key → first page
	pages    atomic.Int64
	badSig   atomic.Int64
	lastCode string
}

var keyRE = regexp.MustCompile(`bench-alert-(\d+)`)
var codeRE = regexp.MustCompile(`code (\d{6})`)

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	body, _ := io.ReadAll(r.Body)
	if notify.VerifySignature([]byte(hookKey), r.Header.Get("X-Firebreak-Timestamp"), r.Header.Get("X-Firebreak-Signature"), body, at, 0) != nil {
		rc.badSig.Add(1)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var p notify.WebhookPayload
	_ = json.Unmarshal(body, &p) // a payload that does not decode counts as no page, which the totals show
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if m := codeRE.FindStringSubmatch(p.Title); m != nil {
		rc.lastCode = m[1]
		return
	}
	rc.pages.Add(1)
	if m := keyRE.FindString(p.Title); m != "" {
		if _, ok := rc.arrived[m]; !ok {
			rc.arrived[m] = at
		}
	}
}

func run(ctx context.Context, rate float64, duration, grace time.Duration, dsn string, log *slog.Logger) error {
	if dsn == "" {
		dir, err := os.MkdirTemp("", "firebreak-bench-paging-")
		if err != nil {
			return err
		}
		defer func() { _ = os.RemoveAll(dir) }()
		dsn = filepath.Join(dir, "firebreak.db")
	}
	rc := &receiver{arrived: map[string]time.Time{}}
	hook := httptest.NewServer(rc)
	defer hook.Close()

	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: dsn, Logger: log, Version: "bench",
		// The receiver is on this host.
		Outbound: outbound.LoopbackPolicy()})
	if err != nil {
		return err
	}
	if err := a.Start(ctx); err != nil {
		return err
	}
	defer func() { _ = a.Stop(context.Background()) }() // the run is over; its results are what count
	secret, err := setup(ctx, a, hook.URL, rc)
	if err != nil {
		return err
	}

	fmt.Printf("paging bench: %s, %.0f alerts/s for %s, GOMAXPROCS %d\n", a.DB.Backend(), rate, duration, runtime.GOMAXPROCS(0))
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second}
	url := a.URL() + "/hooks/generic/" + secret
	var (
		mu      sync.Mutex
		sent    = map[string]time.Time{}
		failed  atomic.Int64
		wg      sync.WaitGroup
		n       int
		started = time.Now()
	)
	interval := time.Duration(float64(time.Second) / rate)
	for next := started; time.Since(started) < duration && ctx.Err() == nil; next = next.Add(interval) {
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		key := fmt.Sprintf("bench-alert-%d", n)
		n++
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"dedup_key": %q, "action": "trigger", "summary": "%s: checkout errors", "severity": "critical", "labels": {"alertname": %q}}`, key, key, key)
			at := time.Now()
			resp, err := hc.Post(url, "application/json", strings.NewReader(body))
			if err != nil {
				failed.Add(1)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode/100 != 2 {
				failed.Add(1)
				return
			}
			mu.Lock()
			sent[key] = at
			mu.Unlock()
		}()
	}
	wg.Wait()
	sendTime := time.Since(started)
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		rc.mu.Lock()
		got := len(rc.arrived)
		rc.mu.Unlock()
		if got >= len(sent) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	rc.mu.Lock()
	var lat []time.Duration
	missing := 0
	for k, at := range sent {
		if got, ok := rc.arrived[k]; ok {
			lat = append(lat, got.Sub(at))
		} else {
			missing++
		}
	}
	rc.mu.Unlock()
	slices.Sort(lat)
	fmt.Printf("sent %d alerts in %s (%.0f/s), %d refused; %d pages received, %d bad signatures\n",
		n, sendTime.Round(time.Millisecond), float64(n)/sendTime.Seconds(), failed.Load(), rc.pages.Load(), rc.badSig.Load())
	if len(lat) == 0 {
		return errors.New("no page arrived")
	}
	fmt.Printf("alert → first page: p50 %s  p90 %s  p99 %s  max %s  (no page within %s: %d)\n",
		pct(lat, 50), pct(lat, 90), pct(lat, 99), lat[len(lat)-1].Round(100*time.Microsecond), grace, missing)
	return nil
}

func pct(l []time.Duration, p int) time.Duration {
	i := (len(l)*p + 99) / 100
	if i > 0 {
		i--
	}
	return l[i].Round(100 * time.Microsecond)
}

// setup makes the on-call world and returns the integration's secret.
func setup(ctx context.Context, a *app.App, hookURL string, rc *receiver) (string, error) {
	if _, err := a.Services.Auth.CreateUser(ctx, auth.UserInput{Username: "oncall", Role: auth.Responder}); err != nil {
		return "", err
	}
	pg := a.Services
	me := contacts.Actor{User: "oncall"}
	c, err := pg.Contacts.AddContact(ctx, me, "oncall", contacts.ContactInput{Name: "phone",
		Target: notify.Target{Kind: notify.KindWebhook, Address: hookURL + "/oncall", Secret: hookKey}})
	if err != nil {
		return "", err
	}
	rc.mu.Lock()
	code := rc.lastCode
	rc.mu.Unlock()
	if _, err := pg.Contacts.VerifyContact(ctx, me, c.ID, code); err != nil {
		return "", err
	}
	sch := oncall.Schedule{Name: "primary", TimeZone: "UTC", Layers: []oncall.Layer{{Name: "all", Users: []string{"oncall"},
		Start: time.Now().Add(-24 * time.Hour), Rotation: oncall.Rotation{Kind: oncall.Weekly}}}}
	pol := oncall.Policy{Name: "page", Steps: []oncall.Step{{Targets: []oncall.Target{{Kind: oncall.TargetSchedule, Name: "primary"}}, Delay: 5}}}
	if err := pg.Roster.Change(ctx, "admin", []any{sch, pol, roster.Service{Name: "checkout", Policy: "page"}}, nil); err != nil {
		return "", err
	}
	_, secret, err := a.Services.Triage.CreateIntegration(ctx, "admin", triage.IntegrationInput{Kind: alert.SourceGeneric, Name: "bench", Service: "checkout"})
	return secret, err
}

// writeGoroutines writes every goroutine's stack, grouped, to path.
func writeGoroutines(path string) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	return pprof.Lookup("goroutine").WriteTo(f, 1)
}
