package main

// End-to-end tests: they build the real firebreak binary once, run it as a
// subprocess on loopback, and check the promises that only hold across
// processes: an acknowledged declare survives kill -9, and tampering with
// stored events is caught by `firebreak audit verify`.

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver, to tamper with PostgreSQL
	_ "modernc.org/sqlite"             // "sqlite" driver, to tamper with SQLite

	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// adminToken is given to every server as FIREBREAK_BOOTSTRAP_ADMIN_TOKEN.
const adminToken = "e2e-bootstrap-admin-token-0123456789"

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// firebreakBinary builds cmd/firebreak once per test run and returns its path.
func firebreakBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: builds and runs the firebreak binary; skipped with -short")
	}
	binOnce.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			binErr = fmt.Errorf("the go command is not on PATH: %w", err)
			return
		}
		if binDir, binErr = os.MkdirTemp("", "firebreak-e2e-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "firebreak")
		cmd := exec.Command(goBin, "build", "-o", binPath, ".")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatalf("build firebreak: %v", binErr)
	}
	return binPath
}

// childEnv is the test's environment without FIREBREAK_* variables, which
// could point a subprocess at another database, plus extra.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FIREBREAK_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// syncBuffer collects a subprocess's output from its copying goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server is a running `firebreak serve` subprocess.
type server struct {
	URL     string
	cmd     *exec.Cmd
	out     *syncBuffer
	done    chan struct{} // closed when the process has exited
	waitErr error         // valid once done is closed
}

// startServer runs `firebreak serve` with dbArgs (--data-dir or --db) on a
// free loopback port and waits until /healthz answers. The process is killed
// at cleanup if the test has not stopped it.
func startServer(t *testing.T, dbArgs ...string) *server {
	t.Helper()
	bin := firebreakBinary(t)
	for attempt := 1; ; attempt++ {
		s, err := tryStart(t, bin, dbArgs)
		if err == nil {
			return s
		}
		// Another process may take the port between our probe and the
		// server's listen; that is worth a few more tries, nothing else is.
		if attempt == 5 || !strings.Contains(err.Error(), "address already in use") {
			t.Fatalf("start server: %v", err)
		}
		t.Logf("start server, attempt %d: %v; retrying on another port", attempt, err)
	}
}

func tryStart(t *testing.T, bin string, dbArgs []string) (*server, error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("pick a port: %w", err)
	}
	addr := l.Addr().String()
	l.Close()

	s := &server{URL: "http://" + addr, out: &syncBuffer{}, done: make(chan struct{})}
	args := append([]string{"serve", "--addr", addr, "--log-level", "warn"}, dbArgs...)
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = childEnv("FIREBREAK_BOOTSTRAP_ADMIN_TOKEN=" + adminToken)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("run %s: %w", bin, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			s.cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("server %s output:\n%s", s.URL, s.out)
		}
	})

	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(2 * time.Minute) // only so a hang cannot last forever
	for {
		select {
		case <-s.done:
			return nil, fmt.Errorf("server exited before it was healthy (%v):\n%s", s.waitErr, s.out)
		default:
		}
		if resp, err := hc.Get(s.URL + "/healthz"); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.cmd.Process.Kill()
			<-s.done
			return nil, fmt.Errorf("server did not become healthy:\n%s", s.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop asks the server to shut down gracefully and checks it exits cleanly.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatalf("interrupt server: %v", err)
	}
	select {
	case <-s.done:
	case <-time.After(time.Minute):
		s.cmd.Process.Kill()
		<-s.done
		t.Fatalf("server did not stop within a minute of SIGINT:\n%s", s.out)
	}
	if s.waitErr != nil {
		t.Fatalf("server exited with %v after SIGINT:\n%s", s.waitErr, s.out)
	}
}

// client returns an API client for the bootstrap admin.
func (s *server) client() *client.Client { return client.New(s.URL, adminToken) }

// runCLI runs the binary with args and returns its stdout, stderr and exit code.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, firebreakBinary(t), args...)
	cmd.Env = childEnv()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.Exited():
		code = ee.ExitCode()
	default:
		t.Fatalf("firebreak %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, &out, &errOut)
	}
	return out.String(), errOut.String(), code
}

// backend is where a test's server keeps its data.
type backend struct {
	name string
	// args returns the serve/audit flags of a fresh database, and its DSN
	// for database/sql ("sqlite" path or "pgx" URL).
	args func(t *testing.T) (flags []string, driver, dsn string)
}

func backends() []backend {
	return []backend{
		{name: "sqlite", args: func(t *testing.T) ([]string, string, string) {
			dir := t.TempDir()
			return []string{"--data-dir", dir}, "sqlite", filepath.Join(dir, "firebreak.db")
		}},
		{name: "postgres", args: func(t *testing.T) ([]string, string, string) {
			dsn := storetest.PostgresDSN(t) // skips when FIREBREAK_TEST_POSTGRES_URL is unset
			return []string{"--db", dsn}, "pgx", dsn
		}},
	}
}

// TestCrashDuringConcurrentDeclares: kill -9 of the server during 1,000
// concurrent declares. Every incident that got a 2xx is there after restart,
// references are unique and gapless, the audit passes, and a retry of every
// request with its Idempotency-Key declares each title exactly once.
func TestCrashDuringConcurrentDeclares(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			flags, driver, dsn := b.args(t)
			testCrash(t, flags, driver, dsn)
		})
	}
}

func testCrash(t *testing.T, flags []string, driver, dsn string) {
	const (
		total     = 1000
		workers   = 32
		killAfter = 400 // acknowledged declares before the kill
	)
	ctx := t.Context()
	srv := startServer(t, flags...)
	c := srv.client()
	c.HTTP = &http.Client{
		Timeout:   time.Minute, // only so a hang cannot last forever
		Transport: &http.Transport{MaxIdleConns: 2 * workers, MaxIdleConnsPerHost: 2 * workers},
	}
	title := func(i int) string { return fmt.Sprintf("e2e crash declare %04d", i) }
	key := func(i int) string { return fmt.Sprintf("e2e-crash-%04d", i) }

	var (
		mu        sync.Mutex
		acked     = map[int]incident.Incident{} // request index → answer
		answered  []string                      // non-2xx answers: the server refused
		failed    = map[int]bool{}              // requests without an answer
		okCount   atomic.Int64
		inflight  atomic.Int64
		atKill    int64
		killOnce  sync.Once
		killNow   = make(chan struct{})
		killed    = make(chan struct{})
		jobs      = make(chan int)
		wg        sync.WaitGroup
		triggered atomic.Bool
	)
	go func() {
		<-killNow
		atKill = inflight.Load()
		srv.cmd.Process.Kill() // SIGKILL: no shutdown, no flush
		<-srv.done
		close(killed)
	}()
	trigger := func() { killOnce.Do(func() { triggered.Store(true); close(killNow) }) }

	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				inflight.Add(1)
				inc, err := c.Declare(ctx, httpapi.DeclareBody{Title: title(i)}, key(i))
				inflight.Add(-1)
				mu.Lock()
				var ce *client.Error
				switch {
				case err == nil:
					acked[i] = inc
				case errors.As(err, &ce):
					answered = append(answered, fmt.Sprintf("request %d: %v", i, err))
				default:
					failed[i] = true
				}
				mu.Unlock()
				if err == nil && okCount.Add(1) == killAfter {
					trigger()
				}
			}
		}()
	}
	for i := range total {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if !triggered.Load() {
		trigger()
		<-killed
		t.Fatalf("only %d of %d declares were acknowledged before the planned kill (%d refused, %d without answer); first refusals: %q",
			len(acked), total, len(answered), len(failed), answered[:min(5, len(answered))])
	}
	<-killed
	if len(answered) > 0 {
		t.Errorf("the server refused %d declares before the kill; first: %q", len(answered), answered[:min(5, len(answered))])
	}
	t.Logf("killed with %d requests in flight; %d acknowledged, %d without answer", atKill, len(acked), len(failed))

	// Every answer must be self-consistent and unique, before looking at the store.
	ackedByRef := map[string]int{}
	for i, inc := range acked {
		if inc.Ref != incident.RefOf(inc.Number) || inc.Title != title(i) {
			t.Errorf("request %d (%q) was answered with %s number %d title %q", i, title(i), inc.Ref, inc.Number, inc.Title)
		}
		if j, dup := ackedByRef[inc.Ref]; dup {
			t.Errorf("%s was acknowledged to both request %d and request %d", inc.Ref, j, i)
		}
		ackedByRef[inc.Ref] = i
	}

	// The restarted server counts every reservation left by the killed
	// one as abandoned at once, as it would after the stale window.
	srv2 := startServer(t, slices.Concat(flags, []string{"--idempotency-stale", "1ns"})...)
	c2 := srv2.client()

	// 1. Every acknowledged incident is there, as it was declared.
	for _, i := range slices.Sorted(maps.Keys(acked)) {
		want := acked[i]
		got, err := c2.Get(ctx, want.Ref)
		if err != nil {
			t.Errorf("acknowledged %s (request %d) after restart: %v", want.Ref, i, err)
			continue
		}
		if got.Title != title(i) || got.Number != want.Number || got.ID != want.ID {
			t.Errorf("acknowledged %s (request %d, id %s, title %q) came back as id %s number %d title %q",
				want.Ref, i, want.ID, title(i), got.ID, got.Number, got.Title)
		}
	}

	// 2. Everything stored: unique refs, gapless numbers, and nothing that
	// was not asked for.
	all := listAll(t, c2)
	byRef := map[string]bool{}
	byTitle := map[string]string{}
	var numbers []int64
	for _, inc := range all {
		if byRef[inc.Ref] {
			t.Errorf("%s is listed twice", inc.Ref)
		}
		byRef[inc.Ref] = true
		if inc.Ref != incident.RefOf(inc.Number) {
			t.Errorf("%s has number %d", inc.Ref, inc.Number)
		}
		if prev, dup := byTitle[inc.Title]; dup {
			t.Errorf("%q was declared twice: %s and %s", inc.Title, prev, inc.Ref)
		}
		byTitle[inc.Title] = inc.Ref
		numbers = append(numbers, inc.Number)
	}
	slices.Sort(numbers)
	var maxNumber int64
	if len(numbers) > 0 {
		maxNumber = numbers[len(numbers)-1]
	}
	for k, n := range numbers {
		if want := int64(k + 1); n != want {
			t.Errorf("incident numbers are not gapless: position %d holds %d, want %d (numbers %v…)", k, n, want, numbers[max(0, k-3):min(len(numbers), k+3)])
			break
		}
	}
	// Stored but not acknowledged: only requests that were cut off by the
	// kill after their commit, so at most one per worker.
	var unacked []string
	for ttl, ref := range byTitle {
		i, err := strconv.Atoi(strings.TrimPrefix(ttl, "e2e crash declare "))
		if err != nil || title(i) != ttl {
			t.Errorf("%s has title %q, which no request sent", ref, ttl)
			continue
		}
		if _, ok := acked[i]; ok {
			if acked[i].Ref != ref {
				t.Errorf("request %d was acknowledged as %s but is stored as %s", i, acked[i].Ref, ref)
			}
			continue
		}
		if !failed[i] {
			t.Errorf("%s (request %d) is stored, but its request was refused", ref, i)
		}
		unacked = append(unacked, ref)
	}
	if len(unacked) > workers {
		t.Errorf("%d incidents are stored without an acknowledgement; at most %d requests can have been in flight: %v", len(unacked), workers, unacked)
	}
	t.Logf("acknowledged %d, in the database %d (of which %d committed but unanswered: in flight at the kill), max number %d",
		len(acked), len(all), len(unacked), maxNumber)
	if len(all) < len(acked) {
		t.Errorf("only %d incidents are stored but %d were acknowledged", len(all), len(acked))
	}

	// 3. The record is intact.
	stdout, stderr, code := runCLI(t, append([]string{"audit", "verify"}, flags...)...)
	if code != 0 || !strings.Contains(stdout, "Every chain is intact") {
		t.Errorf("audit verify after the crash: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	// 4. A retry of every request with its same key, acknowledged or not,
	// past the stale window: exactly one incident per key — the one stored
	// before the crash when the first request committed — and no key
	// declares a second. The keys whose answer the crash cut off are what
	// this is about: their command committed, its key says so.
	pending := pendingIdempotency(t, driver, dsn, "admin")
	committedPending := 0
	for k, applied := range pending {
		i, err := strconv.Atoi(strings.TrimPrefix(k, "e2e-crash-"))
		if err != nil || key(i) != k {
			t.Errorf("idempotency key %q, which no request sent", k)
			continue
		}
		_, stored := byTitle[title(i)]
		if stored != applied {
			t.Errorf("key %s: stored incident %v, but the key says applied %v", k, stored, applied)
		}
		if stored {
			committedPending++
		}
	}
	t.Logf("idempotency keys left pending by the crash: %d, of which committed: %d", len(pending), committedPending)
	var (
		retried = make([]incident.Incident, total)
		rerrs   = make([]error, total)
		rjobs   = make(chan int)
		rwg     sync.WaitGroup
	)
	for range 8 {
		rwg.Go(func() {
			for i := range rjobs {
				retried[i], rerrs[i] = c2.Declare(ctx, httpapi.DeclareBody{Title: title(i)}, key(i))
			}
		})
	}
	for i := range total {
		rjobs <- i
	}
	close(rjobs)
	rwg.Wait()
	for i := range total {
		got := retried[i]
		switch ref, stored := byTitle[title(i)]; {
		case rerrs[i] != nil:
			t.Errorf("retry of request %d (key %s, stored before: %q): %v", i, key(i), ref, rerrs[i])
		case got.Title != title(i):
			t.Errorf("retry of request %d was answered with %s titled %q", i, got.Ref, got.Title)
		case stored && got.Ref != ref:
			t.Errorf("request %d committed %s before the crash (pending key: %v); its retry declared %s", i, ref, pending[key(i)], got.Ref)
		}
	}
	after := listAll(t, c2)
	perTitle := map[string][]string{}
	for _, inc := range after {
		perTitle[inc.Title] = append(perTitle[inc.Title], inc.Ref)
	}
	for i := range total {
		if refs := perTitle[title(i)]; len(refs) != 1 {
			t.Errorf("request %d (key %s) has %d incidents after the retries: %v", i, key(i), len(refs), refs)
		}
	}
	if len(after) != total {
		t.Errorf("%d incidents after retrying %d requests once each", len(after), total)
	}
	srv2.stop(t)
}

// listAll pages through every incident, newest first, 200 at a time.
func listAll(t *testing.T, c *client.Client) []incident.Incident {
	t.Helper()
	var all []incident.Incident
	cursor := ""
	for page := 0; ; page++ {
		if page == 1000 {
			t.Fatalf("listing did not end after %d pages (%d incidents)", page, len(all))
		}
		p, err := c.List(t.Context(), client.ListOptions{Limit: 200, Cursor: cursor})
		if err != nil {
			t.Fatalf("list incidents, page %d: %v", page+1, err)
		}
		for _, it := range p.Items {
			all = append(all, it.Incident)
		}
		if p.NextCursor == "" {
			return all
		}
		if p.NextCursor == cursor {
			t.Fatalf("list returned the same cursor twice: %q", cursor)
		}
		cursor = p.NextCursor
	}
}

// pendingIdempotency returns user's idempotency keys whose answer was never
// stored (status 0), each with whether its command was applied.
func pendingIdempotency(t *testing.T, driver, dsn, user string) map[string]bool {
	t.Helper()
	db := openDB(t, driver, dsn)
	rows, err := db.QueryContext(t.Context(), `SELECT key, applied FROM idempotency_keys WHERE username = $1 AND status = 0`, user)
	if err != nil {
		t.Fatalf("read idempotency keys: %v", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var k string
		var applied int
		if err := rows.Scan(&k, &applied); err != nil {
			t.Fatalf("read idempotency keys: %v", err)
		}
		out[k] = applied != 0
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read idempotency keys: %v", err)
	}
	return out
}

// openDB opens a database directly, bypassing the store, as an attacker
// with file or SQL access would.
func openDB(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	if driver == "sqlite" {
		dsn = "file:" + dsn + "?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", driver, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.PingContext(t.Context()); err != nil {
		t.Fatalf("connect to %s: %v", driver, err)
	}
	return db
}

// seedIncidents declares INC-1..INC-3, each with six events:
// 1 declared, 2 ir_lead assigned, 3 severity changed, 4 transitioned to
// active, 5 and 6 timeline notes.
func seedIncidents(t *testing.T, c *client.Client) {
	t.Helper()
	ctx := t.Context()
	if _, err := c.CreateUser(ctx, httpapi.UserBody{Username: "alice", Role: "responder"}); err != nil {
		t.Fatalf("create alice: %v", err)
	}
	for n := 1; n <= 3; n++ {
		inc, err := c.Declare(ctx, httpapi.DeclareBody{Title: fmt.Sprintf("tamper target %d", n)}, "")
		if err != nil {
			t.Fatalf("declare %d: %v", n, err)
		}
		if want := incident.RefOf(int64(n)); inc.Ref != want {
			t.Fatalf("declare %d: got %s, want %s", n, inc.Ref, want)
		}
		steps := []struct {
			name string
			do   func() error
		}{
			{"assign ir_lead", func() error { _, err := c.Assign(ctx, inc.Ref, "ir_lead", "alice"); return err }},
			{"set severity", func() error {
				sev := "SEV3"
				_, err := c.Update(ctx, inc.Ref, httpapi.PatchBody{Severity: &sev}, 0)
				return err
			}},
			{"activate", func() error { _, err := c.Transition(ctx, inc.Ref, "active", ""); return err }},
			{"first note", func() error {
				_, err := c.AddEntry(ctx, inc.Ref, httpapi.EntryBody{Kind: "note", Body: "first note on " + inc.Ref})
				return err
			}},
			{"second note", func() error {
				_, err := c.AddEntry(ctx, inc.Ref, httpapi.EntryBody{Kind: "decision", Body: "isolate the host of " + inc.Ref})
				return err
			}},
		}
		for _, s := range steps {
			if err := s.do(); err != nil {
				t.Fatalf("%s: %s: %v", inc.Ref, s.name, err)
			}
		}
		got, err := c.Get(ctx, inc.Ref)
		if err != nil {
			t.Fatalf("get %s: %v", inc.Ref, err)
		}
		if got.Version != 6 {
			t.Fatalf("%s is at version %d, want 6 events", inc.Ref, got.Version)
		}
	}
}

// tamperer changes stored rows through db; queries use $n placeholders,
// which both SQLite and PostgreSQL accept.
type tamperer func(t *testing.T, db *sql.DB)

// execRows runs one statement and checks it touched exactly want rows.
func execRows(t *testing.T, db *sql.DB, want int64, query string, args ...any) {
	t.Helper()
	res, err := db.ExecContext(t.Context(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != want {
		t.Fatalf("%s %v: %d rows affected (%v), want %d", query, args, n, err, want)
	}
}

func incidentID(t *testing.T, db *sql.DB, ref string) string {
	t.Helper()
	var id string
	if err := db.QueryRowContext(t.Context(), `SELECT id FROM incidents WHERE ref = $1`, ref).Scan(&id); err != nil {
		t.Fatalf("id of %s: %v", ref, err)
	}
	return id
}

// readEvent loads one stored event row as the store would.
func readEvent(t *testing.T, db *sql.DB, ref string, seq int64) incident.Event {
	t.Helper()
	e := incident.Event{IncidentID: incidentID(t, db, ref), Seq: seq}
	var rec any
	var occ any
	err := db.QueryRowContext(t.Context(), `SELECT type, actor, recorded_at, occurred_at, data, prev_hash, hash
		FROM events WHERE incident_id = $1 AND seq = $2`, e.IncidentID, seq).
		Scan(&e.Type, &e.Actor, &rec, &occ, (*rawString)(&e.Data), &e.PrevHash, &e.Hash)
	if err != nil {
		t.Fatalf("read %s seq %d: %v", ref, seq, err)
	}
	e.RecordedAt = scanTime(t, rec)
	if occ != nil {
		o := scanTime(t, occ)
		e.OccurredAt = &o
	}
	return e
}

type rawString []byte

func (r *rawString) Scan(src any) error {
	switch v := src.(type) {
	case string:
		*r = []byte(v)
	case []byte:
		*r = bytes.Clone(v)
	default:
		return fmt.Errorf("unexpected %T", src)
	}
	return nil
}

func scanTime(t *testing.T, v any) time.Time {
	t.Helper()
	switch x := v.(type) {
	case time.Time:
		return x.UTC()
	case string:
		tm, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			t.Fatalf("parse time %q: %v", x, err)
		}
		return tm.UTC()
	case []byte:
		return scanTime(t, string(x))
	}
	t.Fatalf("unexpected time column %T", v)
	return time.Time{}
}

// writeEvent stores e's content, prev_hash and hash over its row.
func writeEvent(t *testing.T, db *sql.DB, e incident.Event, recordedAt any) {
	t.Helper()
	execRows(t, db, 1, `UPDATE events SET data = $1, prev_hash = $2, hash = $3, recorded_at = $4 WHERE incident_id = $5 AND seq = $6`,
		string(e.Data), e.PrevHash, e.Hash, recordedAt, e.IncidentID, e.Seq)
}

// sqliteTime is how the SQLite store writes times.
func sqliteTime(tm time.Time) string { return tm.UTC().Format("2006-01-02T15:04:05.000000Z") }

func tamperCases() []struct {
	name   string
	tamper tamperer
	want   string // the expected BROKEN line, up to the reason
	reason string // a fragment of the reason
} {
	onINC2 := func(query string, args ...any) tamperer {
		return func(t *testing.T, db *sql.DB) {
			execRows(t, db, 1, query, append([]any{incidentID(t, db, "INC-2")}, args...)...)
		}
	}
	return []struct {
		name   string
		tamper tamperer
		want   string
		reason string
	}{
		{"untouched", nil, "", ""},
		{"change data", onINC2(`UPDATE events SET data = replace(data, 'SEV3', 'SEV4') WHERE incident_id = $1 AND seq = 3`),
			"INC-2 seq 3", "content does not match its hash"},
		{"change actor", onINC2(`UPDATE events SET actor = 'mallory' WHERE incident_id = $1 AND seq = 3`),
			"INC-2 seq 3", "content does not match its hash"},
		{"change recorded_at", func(t *testing.T, db *sql.DB) {
			e := readEvent(t, db, "INC-2", 3)
			execRows(t, db, 1, `UPDATE events SET recorded_at = $1 WHERE incident_id = $2 AND seq = 3`,
				sqliteTime(e.RecordedAt.Add(-time.Hour)), e.IncidentID)
		}, "INC-2 seq 3", "content does not match its hash"},
		{"delete event", onINC2(`DELETE FROM events WHERE incident_id = $1 AND seq = 3`),
			"INC-2 seq 3", "sequence 3 missing"},
		{"reorder events", func(t *testing.T, db *sql.DB) {
			id := incidentID(t, db, "INC-2")
			execRows(t, db, 1, `UPDATE events SET seq = -2 WHERE incident_id = $1 AND seq = 2`, id)
			execRows(t, db, 1, `UPDATE events SET seq = 2 WHERE incident_id = $1 AND seq = 3`, id)
			execRows(t, db, 1, `UPDATE events SET seq = 3 WHERE incident_id = $1 AND seq = -2`, id)
		}, "INC-2 seq 2", "previous-hash link"},
		{"swap data", func(t *testing.T, db *sql.DB) {
			a, b := readEvent(t, db, "INC-2", 3), readEvent(t, db, "INC-2", 4)
			execRows(t, db, 1, `UPDATE events SET data = $1 WHERE incident_id = $2 AND seq = 3`, string(b.Data), a.IncidentID)
			execRows(t, db, 1, `UPDATE events SET data = $1 WHERE incident_id = $2 AND seq = 4`, string(a.Data), a.IncidentID)
		}, "INC-2 seq 3", "content does not match its hash"},
		{"delete last event", func(t *testing.T, db *sql.DB) {
			execRows(t, db, 1, `DELETE FROM events WHERE incident_id = $1 AND seq = 6`, incidentID(t, db, "INC-3"))
		}, "INC-3 seq 6", "removed from the end"},
		{"delete stream", func(t *testing.T, db *sql.DB) {
			execRows(t, db, 6, `DELETE FROM events WHERE incident_id = $1`, incidentID(t, db, "INC-1"))
		}, "INC-1 seq 1", "stream was deleted"},
		{"delete incident", func(t *testing.T, db *sql.DB) {
			id := incidentID(t, db, "INC-1")
			execRows(t, db, 6, `DELETE FROM events WHERE incident_id = $1`, id)
			execRows(t, db, 1, `DELETE FROM incident_roles WHERE incident_id = $1`, id)
			execRows(t, db, 0, `DELETE FROM incident_labels WHERE incident_id = $1`, id)
			execRows(t, db, 1, `DELETE FROM incidents WHERE id = $1`, id)
		}, "INC-1", "incident and its events are missing"},
		{"change data and rehash the row", func(t *testing.T, db *sql.DB) {
			e := readEvent(t, db, "INC-2", 3)
			e.Data = []byte(strings.Replace(string(e.Data), "SEV3", "SEV4", 1))
			e.Seal(e.PrevHash)
			writeEvent(t, db, e, sqliteTime(e.RecordedAt))
		}, "INC-2 seq 4", "previous-hash link"},
		{"change data and rehash the chain", func(t *testing.T, db *sql.DB) {
			// Whoever can recompute every later hash makes a chain that is
			// consistent in itself; the stored state still tells.
			prev := readEvent(t, db, "INC-2", 2).Hash
			for seq := int64(3); seq <= 6; seq++ {
				e := readEvent(t, db, "INC-2", seq)
				if seq == 3 {
					e.Data = []byte(strings.Replace(string(e.Data), "SEV3", "SEV4", 1))
				}
				e.Seal(prev)
				prev = e.Hash
				writeEvent(t, db, e, sqliteTime(e.RecordedAt))
			}
		}, "INC-2", `incidents.doc severity is "SEV3" but the events say "SEV4"`},
	}
}

// TestAuditVerifyDetectsTampering: changing, deleting or reordering any
// stored event row makes `firebreak audit verify` fail and name the
// incident and sequence.
func TestAuditVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startServer(t, "--data-dir", dir)
	seedIncidents(t, srv.client())
	srv.stop(t) // a clean stop checkpoints the WAL into firebreak.db

	for _, tc := range tamperCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := copyDB(t, filepath.Join(dir, "firebreak.db"))
			if tc.tamper != nil {
				db := openDB(t, "sqlite", path)
				tc.tamper(t, db)
				if err := db.Close(); err != nil {
					t.Fatalf("close tampered database: %v", err)
				}
			}
			checkAudit(t, []string{"--db", path}, tc.want, tc.reason)
		})
	}
}

// TestAuditVerifyDetectsTamperingPostgres changes one event's data on
// PostgreSQL.
func TestAuditVerifyDetectsTamperingPostgres(t *testing.T) {
	t.Parallel()
	dsn := storetest.PostgresDSN(t)
	srv := startServer(t, "--db", dsn)
	seedIncidents(t, srv.client())
	srv.stop(t)
	checkAudit(t, []string{"--db", dsn}, "", "")

	db := openDB(t, "pgx", dsn)
	id := incidentID(t, db, "INC-2")
	execRows(t, db, 1, `UPDATE events SET data = replace(data, 'SEV3', 'SEV4') WHERE incident_id = $1 AND seq = 3`, id)
	checkAudit(t, []string{"--db", dsn}, "INC-2 seq 3", "content does not match its hash")

	// Reordering, too: the timestamptz and identity columns change nothing.
	execRows(t, db, 1, `UPDATE events SET data = replace(data, 'SEV4', 'SEV3') WHERE incident_id = $1 AND seq = 3`, id)
	checkAudit(t, []string{"--db", dsn}, "", "")
	id3 := incidentID(t, db, "INC-3")
	execRows(t, db, 1, `UPDATE events SET seq = -4 WHERE incident_id = $1 AND seq = 4`, id3)
	execRows(t, db, 1, `UPDATE events SET seq = 4 WHERE incident_id = $1 AND seq = 5`, id3)
	execRows(t, db, 1, `UPDATE events SET seq = 5 WHERE incident_id = $1 AND seq = -4`, id3)
	checkAudit(t, []string{"--db", dsn}, "INC-3 seq 4", "previous-hash link")
}

// checkAudit runs `firebreak audit verify` with flags. want "" expects a
// clean pass; otherwise a first BROKEN line for want, whose reason contains
// reason (verify goes on to name every other difference it finds), and exit
// code 1 with want named on stderr.
func checkAudit(t *testing.T, flags []string, want, reason string) {
	t.Helper()
	stdout, stderr, code := runCLI(t, append([]string{"audit", "verify"}, flags...)...)
	var broken []string
	for line := range strings.Lines(stdout) {
		if strings.HasPrefix(line, "BROKEN ") {
			broken = append(broken, strings.TrimSpace(line))
		}
	}
	if want == "" {
		if code != 0 || len(broken) > 0 || !strings.Contains(stdout, "Every chain is intact") {
			t.Errorf("audit verify of an untouched database: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		return
	}
	if code != 1 {
		t.Errorf("audit verify: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if len(broken) == 0 || !strings.HasPrefix(broken[0], "BROKEN "+want+":") || !strings.Contains(broken[0], reason) {
		t.Errorf("audit verify should report first %q (…%s…); got %q\nstdout:\n%s", "BROKEN "+want+":", reason, broken, stdout)
	}
	if !strings.Contains(stderr, "the first: "+want+":") {
		t.Errorf("stderr does not name %s:\n%s", want, stderr)
	}
	if strings.Contains(stdout, "Every chain is intact") {
		t.Errorf("a broken database is called intact:\n%s", stdout)
	}
}

// copyDB copies a SQLite database (and its WAL, if one was left) into a new
// temp dir and returns the copy's path.
func copyDB(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "firebreak.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(src + suffix)
		if errors.Is(err, os.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatalf("copy database: %v", err)
		}
		if err := os.WriteFile(dst+suffix, b, 0o600); err != nil {
			t.Fatalf("copy database: %v", err)
		}
	}
	return dst
}
