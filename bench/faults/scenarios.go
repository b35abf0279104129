package main

// The fault scenarios: each sends writes, injects its fault, and counts what
// was acknowledged against what was stored.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// killDuring sends with one, kills the server with SIGKILL mid-stream,
// restarts it on the same data and returns the new server.
func killDuring(ctx context.Context, o options, s *server, args []string, one func(s *server, w, i int)) (*server, error) {
	stop := make(chan struct{})
	wg := send(o.workers, stop, func(w, i int) { one(s, w, i) })
	time.Sleep(o.phase)
	s.kill()
	close(stop)
	wg.Wait()
	return startServer(ctx, o, args...)
}

func intakeKill(ctx context.Context, o options, dir string) (result, error) {
	args := []string{"--data-dir", dir}
	s, err := startServer(ctx, o, args...)
	if err != nil {
		return result{}, err
	}
	code, _, integ, err := call(ctx, "POST", s.url+"/api/v1/integrations", `{"kind":"generic","name":"faults","service":"faults"}`)
	if err != nil || code != http.StatusCreated {
		s.kill()
		return result{}, fmt.Errorf("create an integration: %d %v", code, err)
	}
	hookPath := strings.TrimPrefix(fmt.Sprint(integ["webhook_url"]), s.url) // the URL changes with the port
	t := newTally()
	post := func(s *server, w, i int) {
		key := fmt.Sprintf("faults-alert-%d-%d", w, i)
		body := fmt.Sprintf(`{"dedup_key":%q,"summary":%q,"severity":"critical","labels":{"alertname":%q}}`, key, key, key)
		req, _ := http.NewRequestWithContext(ctx, "POST", s.url+hookPath, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			t.record(key, 0, nil, err)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		t.record(key, resp.StatusCode, resp.Header, nil)
	}
	s, err = killDuring(ctx, o, s, args, post)
	if err != nil {
		return result{}, err
	}
	defer s.stop()
	stored, err := queue(ctx, s)
	if err != nil {
		return result{}, err
	}
	return t.result(stored), nil
}

func commandsKill(ctx context.Context, o options, dir string) (result, error) {
	args := []string{"--data-dir", dir}
	s, err := startServer(ctx, o, args...)
	if err != nil {
		return result{}, err
	}
	t := newTally()
	s, err = killDuring(ctx, o, s, args, func(s *server, w, i int) { declare(ctx, s, t, fmt.Sprintf("faults-declare-%d-%d", w, i)) })
	if err != nil {
		return result{}, err
	}
	defer s.stop()
	// Retry every request that got no answer, with its key, as a client
	// would: a declare that committed before the kill is answered, not
	// run again.
	t.mu.Lock()
	var retry []string
	for _, k := range t.keys {
		if !t.acked[k] {
			retry = append(retry, k)
		}
	}
	t.mu.Unlock()
	retried := newTally()
	for _, k := range retry[:min(len(retry), 200)] {
		declare(ctx, s, retried, k)
	}
	stored, err := incidents(ctx, s)
	if err != nil {
		return result{}, err
	}
	r := t.result(stored)
	r.notes = append(r.notes, fmt.Sprintf("retried %d unanswered or refused keys after the restart", min(len(retry), 200)))
	return r, nil
}

func diskFull(ctx context.Context, o options, dir string) (result, error) {
	if os.Geteuid() != 0 {
		return result{}, fmt.Errorf("%w: needs root to mount a tmpfs", errSkipped)
	}
	if out, err := exec.CommandContext(ctx, "mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", dir).CombinedOutput(); err != nil {
		return result{}, fmt.Errorf("%w: mount a tmpfs: %v %s", errSkipped, err, out)
	}
	defer func() { _ = exec.Command("umount", dir).Run() }()
	s, err := startServer(ctx, o, "--data-dir", dir, "--disk-reserve-mib", "2", "--disk-min-free-mib", "2")
	if err != nil {
		return result{}, err
	}
	defer s.stop()
	t := newTally()
	one := func(w, i int) { declare(ctx, s, t, fmt.Sprintf("faults-disk-%d-%d", w, i)) }
	stop := make(chan struct{})
	wg := send(o.workers, stop, one)
	time.Sleep(o.phase)
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err == nil {
		for _, chunk := range []int{1 << 20, 4 << 10, 512} {
			buf := make([]byte, chunk)
			for {
				if _, err := f.Write(buf); err != nil {
					break
				}
			}
		}
		_ = f.Close() // filler only takes up space
	}
	time.Sleep(o.phase)
	_ = os.Remove(filler) // frees the space; the data dir goes with the run anyway
	time.Sleep(o.phase)
	close(stop)
	wg.Wait()
	// Recovered without a restart: one more declare must be acknowledged.
	after := newTally()
	recovered := false
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && !recovered; time.Sleep(200 * time.Millisecond) {
		declare(ctx, s, after, "faults-disk-after")
		recovered = after.acked["faults-disk-after"]
	}
	stored, err := incidents(ctx, s)
	if err != nil {
		return result{}, err
	}
	delete(stored, "faults-disk-after")
	r := t.result(stored)
	if !recovered {
		r.notes = append(r.notes, "NOT RECOVERED: writes still fail 30 s after the filler was deleted")
		r.lost++ // count it as a failure of the run
	}
	return r, nil
}

// pgSchema makes a fresh schema and returns a DSN that uses it, and a
// function that drops it.
func pgSchema(ctx context.Context, base string) (string, func(), error) {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	schema := fmt.Sprintf("faults_%d", time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		_ = admin.Close() // the failure being returned is the one to report
		return "", nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		_ = admin.Close() // the failure being returned is the one to report
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE") // clean-up after the run
		_ = admin.Close()
	}, nil
}

func postgresFreeze(ctx context.Context, o options, _ string) (result, error) {
	dsn, drop, err := pgSchema(ctx, o.postgres)
	if err != nil {
		return result{}, err
	}
	defer drop()
	s, err := startServer(ctx, o, "--db", dsn)
	if err != nil {
		return result{}, err
	}
	defer s.stop()
	t := newTally()
	one := func(w, i int) { declare(ctx, s, t, fmt.Sprintf("faults-pg-%d-%d", w, i)) }
	stop := make(chan struct{})
	wg := send(o.workers, stop, one)
	time.Sleep(o.phase)
	locker, err := sql.Open("pgx", dsn)
	if err == nil {
		lctx, cancel := context.WithTimeout(ctx, o.phase+10*time.Second) // the lock never outlives the phase for long
		if tx, err := locker.BeginTx(lctx, nil); err == nil {
			if _, err := tx.ExecContext(lctx, "LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE"); err == nil {
				time.Sleep(o.phase)
			}
			tx.Rollback()
		}
		cancel()
		_ = locker.Close()
	}
	time.Sleep(o.phase)
	close(stop)
	wg.Wait()
	stored, err := incidents(ctx, s)
	if err != nil {
		return result{}, err
	}
	return t.result(stored), nil
}

func postgresStop(ctx context.Context, o options, _ string) (result, error) {
	dsn, drop, err := pgSchema(ctx, o.postgres)
	if err != nil {
		return result{}, err
	}
	defer drop()
	s, err := startServer(ctx, o, "--db", dsn)
	if err != nil {
		return result{}, err
	}
	defer s.stop()
	t := newTally()
	one := func(w, i int) { declare(ctx, s, t, fmt.Sprintf("faults-pgstop-%d-%d", w, i)) }
	stop := make(chan struct{})
	wg := send(o.workers, stop, one)
	time.Sleep(o.phase)
	shell := func(c string) error {
		out, err := exec.CommandContext(ctx, "sh", "-c", c).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v: %s", c, err, out)
		}
		return nil
	}
	stopErr := shell(o.pgStop)
	time.Sleep(o.phase)
	startErr := shell(o.pgStart)
	time.Sleep(o.phase)
	close(stop)
	wg.Wait()
	if err := errors.Join(stopErr, startErr); err != nil {
		return result{}, err
	}
	var stored map[string]int
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(time.Second) {
		if stored, err = incidents(ctx, s); err == nil {
			break
		}
	}
	if err != nil {
		return result{}, err
	}
	return t.result(stored), nil
}
