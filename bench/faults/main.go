// Command faults injects the faults an incident tool must live through and
// counts what happened to every write a client sent: acknowledged (2xx),
// refused (503 with Retry-After), stored after the fault, lost (acknowledged
// but not stored) and duplicated (stored more than once).
//
//	go run ./bench/faults                       # SQLite: kill -9 during intake and commands, full disk (root)
//	go run ./bench/faults -postgres URL         # also freeze PostgreSQL with a table lock
//	go run ./bench/faults -postgres URL -postgres-stop 'CMD' -postgres-start 'CMD'
//
// Scenarios:
//
//   - intake-kill: Alertmanager-style webhook posts (generic JSON, one alert
//     each, unique keys) from several senders; the server is killed with
//     SIGKILL mid-stream and restarted; every acknowledged alert must be in
//     the queue once.
//   - commands-kill: declares (each with an Idempotency-Key and a unique
//     title) from several clients; SIGKILL, restart; every acknowledged
//     incident must be there once.
//   - disk-full (root only): the data directory is a 20 MiB tmpfs that a
//     filler file fills while declares stream in; then the filler is
//     deleted and the same server must take writes again.
//   - postgres-freeze (-postgres): the incidents table is locked from
//     another connection for a few seconds (a frozen database, without
//     stopping a shared server) while declares stream in; requests past
//     the deadline must answer 503 and nothing acknowledged may be lost.
//   - postgres-stop (-postgres with -postgres-stop and -postgres-start, and
//     only then): the given commands stop and start PostgreSQL mid-stream.
//
// Everything runs on loopback, bounded in count and time (-duration per
// phase, -timeout overall), and stops by itself; servers it started are
// killed on the way out.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

const token = "faults-bootstrap-admin-token-0123456789"

type options struct {
	bin        string
	postgres   string
	pgStop     string
	pgStart    string
	workers    int
	phase      time.Duration
	deadline   time.Duration
	keepOutput bool
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "", "the firebreak binary; built from ./cmd/firebreak when empty")
	flag.StringVar(&o.postgres, "postgres", "", "a PostgreSQL URL: adds the freeze scenario (a fresh schema, dropped afterwards)")
	flag.StringVar(&o.pgStop, "postgres-stop", "", "a shell command that stops PostgreSQL; with -postgres-start, adds the stop scenario (off by default: never stop a shared server)")
	flag.StringVar(&o.pgStart, "postgres-start", "", "a shell command that starts PostgreSQL again")
	flag.IntVar(&o.workers, "workers", 4, "concurrent clients per scenario")
	flag.DurationVar(&o.phase, "duration", 3*time.Second, "how long each phase of a scenario sends (before and after the fault)")
	flag.DurationVar(&o.deadline, "request-timeout", 2*time.Second, "the server's --request-timeout")
	timeout := flag.Duration("timeout", 5*time.Minute, "the whole run stops after this")
	only := flag.String("only", "", "run only this scenario")
	flag.BoolVar(&o.keepOutput, "v", false, "print the servers' output")
	flag.Parse()
	if o.workers < 1 || o.workers > 64 || o.phase <= 0 || o.phase > time.Minute {
		log.Fatal("-workers must be 1–64 and -duration at most 1m")
	}
	if (o.pgStop == "") != (o.pgStart == "") {
		log.Fatal("-postgres-stop and -postgres-start go together")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	work, err := os.MkdirTemp("", "firebreak-faults-")
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(work) }()
	if o.bin == "" {
		o.bin = filepath.Join(work, "firebreak")
		build := exec.CommandContext(ctx, "go", "build", "-o", o.bin, "./cmd/firebreak")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			log.Fatalf("build firebreak (run from the repository root, or pass -bin): %v", err)
		}
	}
	type scenario struct {
		name string
		run  func(context.Context, options, string) (result, error)
	}
	scenarios := []scenario{{"intake-kill", intakeKill}, {"commands-kill", commandsKill}, {"disk-full", diskFull}}
	if o.postgres != "" {
		scenarios = append(scenarios, scenario{"postgres-freeze", postgresFreeze})
		if o.pgStop != "" {
			scenarios = append(scenarios, scenario{"postgres-stop", postgresStop})
		}
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tsent\tacknowledged\trefused (503)\tother errors\tstored\tlost\tduplicated\t")
	failed := false
	for _, sc := range scenarios {
		if ctx.Err() != nil {
			break
		}
		if *only != "" && sc.name != *only {
			continue
		}
		dir := filepath.Join(work, sc.name)
		_ = os.MkdirAll(dir, 0o700) // if it is missing, the scenario's server fails to start and says why
		r, err := sc.run(ctx, o, dir)
		if errors.Is(err, errSkipped) {
			fmt.Fprintf(tw, "%s\tskipped: %s\t\t\t\t\t\t\t\n", sc.name, strings.TrimPrefix(err.Error(), errSkipped.Error()+": "))
			continue
		}
		if err != nil {
			fmt.Fprintf(tw, "%s\tfailed: %v\t\t\t\t\t\t\t\n", sc.name, err)
			failed = true
			continue
		}
		failed = failed || r.lost > 0 || r.duplicated > 0
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", sc.name, r.sent, r.acked, r.refused, r.other, r.stored, r.lost, r.duplicated)
		for _, n := range r.notes {
			fmt.Fprintf(os.Stderr, "%s: %s\n", sc.name, n)
		}
	}
	tw.Flush()
	if failed {
		os.Exit(1)
	}
}

var errSkipped = errors.New("skipped")

// result counts one scenario's writes.
type result struct {
	sent, acked, refused, other int
	stored, lost, duplicated    int
	notes                       []string
}

// server is a firebreak serve process on a loopback port.
type server struct {
	url  string
	cmd  *exec.Cmd
	out  *bytes.Buffer
	done chan struct{}
}

func startServer(ctx context.Context, o options, args ...string) (*server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	_ = l.Close() // only asked for a free port
	s := &server{url: "http://" + addr, out: &bytes.Buffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(o.bin, append([]string{"serve", "--addr", addr, "--log-level", "warn", "--request-timeout", o.deadline.String()}, args...)...)
	s.cmd.Env = append(os.Environ(), "FIREBREAK_BOOTSTRAP_ADMIN_TOKEN="+token)
	var mu sync.Mutex
	s.cmd.Stdout, s.cmd.Stderr = lockedWriter{&mu, s.out}, lockedWriter{&mu, s.out}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }() // a killed server exits with an error by design
	hc := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(50 * time.Millisecond) {
		select {
		case <-s.done:
			mu.Lock()
			defer mu.Unlock()
			return nil, fmt.Errorf("server exited: %s", s.out)
		default:
		}
		if resp, err := hc.Get(s.url + "/healthz"); err == nil {
			resp.Body.Close()
			if o.keepOutput {
				go func() { <-s.done; mu.Lock(); _, _ = os.Stderr.Write(s.out.Bytes()); mu.Unlock() }()
			}
			return s, nil
		}
	}
	s.kill()
	return nil, errors.New("server not healthy within a minute")
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (s *server) kill() {
	_ = s.cmd.Process.Kill() // done is closed when it has exited, either way
	<-s.done
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt) // the select below kills it if it does not stop
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.kill()
	}
}

var hc = &http.Client{Timeout: 30 * time.Second}

// call sends one request as the admin and decodes the answer.
func call(ctx context.Context, method, u, body string, hdr ...string) (int, http.Header, map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(data, &m) // a body that is not JSON leaves m nil; callers check the status
	return resp.StatusCode, resp.Header, m, nil
}

// tally collects the answers to one scenario's writes by key.
type tally struct {
	mu      sync.Mutex
	sent    int
	keys    []string // every key sent, in order
	acked   map[string]bool
	refused int
	other   int
	errs    map[string]int
}

func newTally() *tally { return &tally{acked: map[string]bool{}, errs: map[string]int{}} }

func (t *tally) record(key string, code int, h http.Header, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sent++
	t.keys = append(t.keys, key)
	switch {
	case err != nil:
		t.other++ // the server died mid-request: not acknowledged
		t.errs["no answer"]++
	case code/100 == 2:
		t.acked[key] = true
	case code == http.StatusServiceUnavailable && h.Get("Retry-After") != "":
		t.refused++
	default:
		t.other++
		t.errs[fmt.Sprint(code)]++
	}
}

// send runs workers that each call one(worker, i) until stop closes.
func send(workers int, stop <-chan struct{}, one func(w, i int)) *sync.WaitGroup {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				one(w, i)
			}
		})
	}
	return &wg
}

// result compares what was acknowledged with what is stored (key → how
// many times).
func (t *tally) result(stored map[string]int) result {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := result{sent: t.sent, acked: len(t.acked), refused: t.refused, other: t.other}
	for k, n := range stored {
		if !strings.HasPrefix(k, "faults-") {
			continue
		}
		r.stored++
		if n > 1 {
			r.duplicated++
		}
	}
	for k := range t.acked {
		if stored[k] == 0 {
			r.lost++
		}
	}
	if len(t.errs) > 0 {
		r.notes = append(r.notes, fmt.Sprintf("other answers: %v", t.errs))
	}
	return r
}

// declare sends one declare with an Idempotency-Key; the title is the key.
func declare(ctx context.Context, s *server, t *tally, key string) {
	code, h, _, err := call(ctx, "POST", s.url+"/api/v1/incidents", fmt.Sprintf(`{"title":%q}`, key), "Idempotency-Key", key)
	t.record(key, code, h, err)
}

// incidents counts the stored incidents by title, following every page.
func incidents(ctx context.Context, s *server) (map[string]int, error) {
	out := map[string]int{}
	for cursor := ""; ; {
		code, _, page, err := call(ctx, "GET", s.url+"/api/v1/incidents?limit=200&cursor="+url.QueryEscape(cursor), "")
		if err != nil || code != http.StatusOK {
			return nil, fmt.Errorf("list incidents: %d %v", code, err)
		}
		items, _ := page["items"].([]any)
		for _, it := range items {
			out[fmt.Sprint(it.(map[string]any)["title"])]++
		}
		next, _ := page["next_cursor"].(string)
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}

// queue counts the stored queue entries by summary, following every page.
func queue(ctx context.Context, s *server) (map[string]int, error) {
	out := map[string]int{}
	for cursor := ""; ; {
		code, _, page, err := call(ctx, "GET", s.url+"/api/v1/triage?all=true&limit=500&cursor="+url.QueryEscape(cursor), "")
		if err != nil || code != http.StatusOK {
			return nil, fmt.Errorf("list the queue: %d %v", code, err)
		}
		items, _ := page["items"].([]any)
		for _, it := range items {
			g, _ := it.(map[string]any)["group"].(map[string]any)
			out[fmt.Sprint(g["summary"])]++
		}
		next, _ := page["next_cursor"].(string)
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}
