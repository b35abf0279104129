package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/firebreak-ir/firebreak/internal/triage"
)

// alertmanagerConfig routes everything to a receiver that notifies no one:
// the side-by-side run measures intake, not notification. resolve_timeout
// is long so every alert posted without an end stays active until the
// count at the end, however long the run.
const alertmanagerConfig = `global:
  resolve_timeout: 24h
route:
  receiver: blackhole
  group_by: [alertname]
receivers:
  - name: blackhole
`

// alertmanager is a prometheus-alertmanager process on a loopback port.
type alertmanager struct {
	url     string
	cmd     *exec.Cmd
	dir     string
	stderr  *bytes.Buffer
	version string
	exited  chan struct{} // closed when the process has exited
	waitErr error         // its exit status, once exited is closed
}

// startAlertmanager starts bin with a minimal config, a temp storage dir
// and clustering off, on a free loopback port, and waits until it answers
// /-/ready. The caller stops it.
func startAlertmanager(ctx context.Context, bin string) (*alertmanager, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("alertmanager binary (Debian: apt-get install prometheus-alertmanager; or --alertmanager PATH): %w", err)
	}
	version, err := exec.CommandContext(ctx, bin, "--version").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%s --version: %w: %s", bin, err, version)
	}
	dir, err := os.MkdirTemp("", "firebreak-bench-am-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	cfg := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfg, []byte(alertmanagerConfig), 0o600); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("alertmanager config: %w", err)
	}
	port, err := freePort()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	am := &alertmanager{url: "http://" + addr, dir: dir, stderr: &bytes.Buffer{}, version: firstLine(version)}
	am.cmd = exec.Command(bin,
		"--config.file="+cfg,
		"--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--cluster.listen-address=", // a single instance: no gossip
		"--log.level=warn",
	)
	am.cmd.Stdout, am.cmd.Stderr = io.Discard, am.stderr
	dieWithParent(am.cmd)
	if err := am.cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	am.exited = make(chan struct{})
	go func() { am.waitErr = am.cmd.Wait(); close(am.exited) }()
	if err := am.waitReady(ctx); err != nil {
		_ = am.cmd.Process.Kill()
		<-am.exited
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("alertmanager on %s: %w; its log: %s", addr, err, am.stderr)
	}
	return am, nil
}

// waitReady polls /-/ready until it answers 200, the process exits, or a
// minute has passed.
func (am *alertmanager) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, am.url+"/-/ready", nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-am.exited:
			return fmt.Errorf("exited before it was ready: %v", am.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// stop ends the process (SIGTERM, then SIGKILL after 10 s) and removes its
// directory.
func (am *alertmanager) stop() {
	_ = am.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-am.exited:
	case <-time.After(10 * time.Second):
		_ = am.cmd.Process.Kill()
		<-am.exited
	}
	_ = os.RemoveAll(am.dir)
}

// postableAlert is one alert of Alertmanager's own API (POST
// /api/v2/alerts): no status or fingerprint, and no end for a firing alert
// (Alertmanager then ends it after resolve_timeout unless it is sent again).
type postableAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     string            `json:"startsAt,omitempty"`
	EndsAt       string            `json:"endsAt,omitempty"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// target sends gen's alerts to Alertmanager in its API format: body i holds
// the same alerts as the webhook body i sent to Firebreak.
func (am *alertmanager) target(gen *generator) target {
	body := func(i int) ([]byte, int) {
		alerts := gen.alerts(i)
		out := make([]postableAlert, len(alerts))
		for k, a := range alerts {
			out[k] = postableAlert{Labels: a.Labels, Annotations: a.Annotations, StartsAt: a.StartsAt, GeneratorURL: a.GeneratorURL}
			if a.Status == "resolved" {
				out[k].EndsAt = a.EndsAt
			}
		}
		b, err := json.Marshal(out)
		if err != nil {
			panic(err) // maps of strings always encode
		}
		return b, len(out)
	}
	// Alertmanager's answer is empty: there is no receipt to count.
	post := func(ctx context.Context, client *http.Client, body []byte) (triage.Receipt, error) {
		_, err := postJSON(ctx, client, am.url+"/api/v2/alerts", body)
		return triage.Receipt{}, err
	}
	return target{body: body, post: post}
}

// count is the number of alerts GET /api/v2/alerts lists (active,
// silenced, inhibited and unprocessed: its defaults), decoded one at a time
// so a large store is not held in memory twice.
func (am *alertmanager) count(ctx context.Context) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, am.url+"/api/v2/alerts", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("list alertmanager alerts: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
		return 0, fmt.Errorf("list alertmanager alerts: %s: %s", resp.Status, b)
	}
	dec := json.NewDecoder(resp.Body)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return 0, fmt.Errorf("list alertmanager alerts: not a JSON array (%v)", err)
	}
	n := 0
	for dec.More() {
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return 0, fmt.Errorf("list alertmanager alerts: %w", err)
		}
		n++
	}
	return n, nil
}

// freePort asks the kernel for a free loopback port. Alertmanager binds it
// a moment later; another process taking it in between fails the start
// clearly rather than silently.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	return port, nil
}

func firstLine(b []byte) string {
	line, _, _ := bytes.Cut(bytes.TrimSpace(b), []byte("\n"))
	return string(line)
}
