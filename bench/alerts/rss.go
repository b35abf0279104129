package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// runRSS measures what issue #19 names: the resident memory of a real
// `firebreak serve` process, idle after start and then holding --alerts
// open alerts fed through the Alertmanager webhook (a storm of new,
// firing alerts). The server is its own process so the sender's memory
// is not counted; RSS is read from /proc/<pid>/status (VmRSS, and VmHWM
// for the peak).
func runRSS(ctx context.Context, c config, log *slog.Logger, out io.Writer) error {
	if c.alerts <= 0 {
		return errors.New("--rss: set --alerts, the number of open alerts to hold")
	}
	if _, ok := processRSS(os.Getpid()); !ok {
		return errors.New("--rss: needs /proc/<pid>/status (Linux)")
	}
	dir, err := os.MkdirTemp("", "firebreak-rss-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	bin := c.firebreakBin
	if bin == "" {
		bin = filepath.Join(dir, "firebreak")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/firebreak-ir/firebreak/cmd/firebreak")
		if b, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("build firebreak: %w: %s", err, b)
		}
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	var secret [16]byte
	_, _ = rand.Read(secret[:])
	token := hex.EncodeToString(secret[:])
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	args := []string{"serve", "--addr", "127.0.0.1:" + strconv.Itoa(port), "--data-dir", filepath.Join(dir, "data"), "--log-level", "warn", "--pprof"}
	if c.db != "" {
		args = append(args, "--db", c.db)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "FIREBREAK_BOOTSTRAP_ADMIN_TOKEN="+token)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start firebreak: %w", err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	pid := cmd.Process.Pid
	if err := waitReady(ctx, base+"/readyz", 60*time.Second); err != nil {
		return err
	}
	db := "SQLite in a temp dir"
	if c.db != "" {
		db = "--db " + c.db
	}
	fmt.Fprintf(out, "machine: %d CPUs, %s %s/%s\n", runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(out, "server:  %s (pid %d, %s), its own process\n", bin, pid, db)
	if err := sleepCtx(ctx, c.settle); err != nil {
		return err
	}
	idle, _ := processRSS(pid)
	fmt.Fprintf(out, "idle:    RSS %s %s after ready; %s\n", idle, c.settle, goMemory(ctx, base, token))

	hookSecret, err := createRemoteIntegration(ctx, base, token)
	if err != nil {
		return err
	}
	c.newAlerts, c.duration, c.rate = true, 0, 0
	res := replay(ctx, c, firebreakTarget(newGenerator(c), base+"/hooks/alertmanager/"+hookSecret), 0)
	if res.firstErr != nil {
		return fmt.Errorf("feeding alerts: %d bodies failed, the first: %w", res.failed, res.firstErr)
	}
	fmt.Fprintf(out, "fed:     %d alerts in %d bodies in %s: %d accepted, %d opened a group, %d resolved\n",
		res.alerts, res.bodies, res.elapsed.Round(time.Millisecond), res.receipt.Accepted, res.receipt.NewGroups, res.receipt.Resolved)
	if err := sleepCtx(ctx, c.settle); err != nil {
		return err
	}
	held, _ := processRSS(pid)
	fmt.Fprintf(out, "held:    RSS %s %s after the last alert (peak VmHWM %s); %s\n", held, c.settle, held.peak(), goMemory(ctx, base, token))
	fmt.Fprintf(out, "growth:  %s per 100k alerts held, over idle\n", perHundredK(held.rss-idle.rss, res.receipt.Accepted))
	return nil
}

// waitReady polls url until it answers 200 or limit passes.
func waitReady(ctx context.Context, url string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return fmt.Errorf("firebreak not ready at %s: %w", url, err)
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// rss is a process's resident memory and its peak, in bytes.
type rss struct{ rss, hwm int64 }

func (r rss) String() string { return mib(r.rss) }
func (r rss) peak() string   { return mib(r.hwm) }

// mib says both units: the target is in MB.
func mib(b int64) string {
	return fmt.Sprintf("%.1f MiB (%.1f MB)", float64(b)/(1<<20), float64(b)/1e6)
}

// goMemory is the server's Go heap in use and all the memory the Go
// runtime holds (its Sys), from its own heap profile (serve --pprof), so
// the rest of RSS is what is not Go's (SQLite's page cache is Go memory:
// the driver is pure Go).
func goMemory(ctx context.Context, base, token string) string {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/debug/pprof/heap?debug=1", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "Go heap unknown: " + err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "Go heap unknown: " + resp.Status
	}
	stat := map[string]int64{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(strings.TrimPrefix(line, "# "), " = "); ok && line != k {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				stat[k] = n
			}
		}
	}
	return fmt.Sprintf("Go heap in use %s, Go runtime total (Sys) %s", mib(stat["HeapInuse"]), mib(stat["Sys"]))
}

func perHundredK(grew int64, alerts int) string {
	if alerts <= 0 {
		return "n/a"
	}
	return mib(grew * 100_000 / int64(alerts))
}
