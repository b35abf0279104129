package app_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
	"github.com/firebreak-ir/firebreak/internal/telemetry"
)

// logBuffer is the server's log, written by its goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// accessLine waits for the access log line of the request with id: it is
// written once the answer is, so it may come just after the client has it.
func (b *logBuffer) accessLine(t *testing.T, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b.mu.Lock()
		text := b.buf.String()
		b.mu.Unlock()
		for _, l := range strings.Split(text, "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" && m["request_id"] == id {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no access log line with request_id %s in:\n%s", id, text)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type otlpReceiver struct {
	mu    sync.Mutex
	spans map[string][]string // trace ID → span names
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req coltrace.ExportTraceServiceRequest
	if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
		http.Error(w, "bad export", http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				id := hex.EncodeToString(s.TraceId)
				o.spans[id] = append(o.spans[id], s.Name)
			}
		}
	}
	out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(out)
}

// TestAccessLogAndTracing: the access log carries the request ID the
// client gave, with the route pattern, status, user and client; the
// request's incoming traceparent is continued, and its spans (the
// request's and the store transaction's, or a read's queries) reach an
// OTLP/HTTP receiver.
func TestAccessLogAndTracing(t *testing.T) {
	t.Parallel()
	recv := &otlpReceiver{spans: map[string][]string{}}
	collector := httptest.NewServer(recv)
	t.Cleanup(collector.Close)
	// Through the guarded client, which refuses loopback unless allowed:
	// the collector's own host is.
	exporter, err := outbound.ExporterClient(outbound.Policy{}, collector.URL)
	if err != nil {
		t.Fatal(err)
	}
	tracing, err := telemetry.NewTracing(context.Background(), collector.URL, "test", exporter)
	if err != nil {
		t.Fatal(err)
	}
	var logs logBuffer
	log, err := telemetry.NewLogger(&logs, telemetry.FormatJSON, slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	clock := storetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DSN: storetest.SQLiteDSN(t), BootstrapToken: adminToken,
		Version: "test", Now: clock.Now, Logger: log, Tracing: tracing.Provider()})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })

	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	req, _ := http.NewRequest("POST", a.URL()+"/api/v1/incidents", strings.NewReader(`{"title":"Traced"}`))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "client-req-42")
	req.Header.Set("Traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("X-Request-Id") != "client-req-42" {
		t.Fatalf("answer %d with X-Request-Id %q", resp.StatusCode, resp.Header.Get("X-Request-Id"))
	}
	line := logs.accessLine(t, "client-req-42")
	want := map[string]any{"method": "POST", "route": "/api/v1/incidents", "status": float64(201), "user": "admin", "trace_id": traceID}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("access log %s = %v, want %v in %v", k, line[k], v, line)
		}
	}
	if r, _ := line["remote"].(string); !strings.HasPrefix(r, "127.0.0.1:") {
		t.Errorf("access log remote = %v", line["remote"])
	}

	// A read is traced too: the request's span and its queries' spans.
	const readTraceID = "5cf92f3577b34da6a3ce929d0e0e4737"
	req, _ = http.NewRequest("GET", a.URL()+"/api/v1/incidents", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Traceparent", "00-"+readTraceID+"-00f067aa0ba902b8-01")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	logs.accessLine(t, resp.Header.Get("X-Request-Id")) // its span has ended

	// A console page is logged by its route too.
	resp, err = http.Get(a.URL() + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if line := logs.accessLine(t, resp.Header.Get("X-Request-Id")); line["route"] != "/signin" || line["status"] != float64(200) {
		t.Errorf("console access line %v", line)
	}

	// The spans are exported when the provider is shut down (the server
	// does it as it stops); the request's span ended before its log line.
	if err := tracing.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	recv.mu.Lock()
	names := recv.spans[traceID]
	recv.mu.Unlock()
	if !containsAll(names, "POST /api/v1/incidents", "store.tx") {
		t.Fatalf("spans of trace %s: %v (all: %v)", traceID, names, recv.spans)
	}
	recv.mu.Lock()
	names = recv.spans[readTraceID]
	recv.mu.Unlock()
	if !containsAll(names, "GET /api/v1/incidents", "store.read") {
		t.Fatalf("spans of the read's trace %s: %v", readTraceID, names)
	}
}

func containsAll(have []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

// TestMetricsExposition: /metrics passes promtool check metrics (when
// promtool is installed), names the build, and labels the console's, the
// status page's, its feed's and the API's routes by their pattern without
// the method.
func TestMetricsExposition(t *testing.T) {
	t.Parallel()
	s := newSetup(t, storetest.Backends()[0])
	for _, p := range []string{"/signin", "/status", "/status/feed.atom", "/api/v1/incidents"} {
		req, _ := http.NewRequest("GET", s.app.URL()+p, nil)
		req.Header.Set("Authorization", "Bearer "+adminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	var text string
	// Each request is counted once answered: look until all three are.
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := http.Get(s.app.URL() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		text = string(b)
		if strings.Contains(text, `route="/signin"`) && strings.Contains(text, `route="/status"`) &&
			strings.Contains(text, `route="/status/feed.atom"`) && strings.Contains(text, `route="/api/v1/incidents"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("routes not counted:\n%s", grepLines(text, "firebreak_http_requests_total"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, w := range []string{`firebreak_build_info{goversion="go`, `version="`} {
		if !strings.Contains(text, w) {
			t.Errorf("metrics lack %s", w)
		}
	}
	if l := grepLines(text, `route="GET `); l != "" {
		t.Errorf("the method is in a route label:\n%s", l)
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Log("promtool is not installed (Debian: apt-get install prometheus); not checked by it")
		return
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

func grepLines(text, sub string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// scrape reads /metrics of the server at base.
func scrape(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
