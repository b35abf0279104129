package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/otel/trace"
)

// syncBuffer is a log destination the server's goroutines share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

var generatedID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestHandlerRequestIDAndAccessLog(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", maxRequestID)
	for _, tc := range []struct {
		name, sent string
		kept       bool
	}{
		{"sane", "client-req-42", true},
		{"longest", long, true},
		{"too long", long + "a", false},
		{"space", "a b", false},
		{"newline", "a\nlevel=ERROR", false},
		{"non-ASCII", "réq", false},
		{"none", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out syncBuffer
			log, err := NewLogger(&out, FormatJSON, slog.LevelInfo)
			if err != nil {
				t.Fatal(err)
			}
			reg := prometheus.NewRegistry()
			h := NewHTTP(HTTPOptions{Logger: log, Registry: reg})
			mux := http.NewServeMux()
			mux.HandleFunc("POST /hooks/{kind}/{token}", func(w http.ResponseWriter, r *http.Request) {
				SetUser(r.Context(), "rita")
				log.InfoContext(r.Context(), "inside")
				w.WriteHeader(http.StatusAccepted)
				w.Write([]byte("queued"))
			})
			srv := h.Handler(Route(mux))
			req := httptest.NewRequest("POST", "/hooks/generic/s3cr3t-token", nil)
			if tc.sent != "" {
				req.Header.Set(RequestIDHeader, tc.sent)
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			id := rec.Header().Get(RequestIDHeader)
			if tc.kept && id != tc.sent || !tc.kept && !generatedID.MatchString(id) {
				t.Fatalf("echoed request ID %q for %q", id, tc.sent)
			}
			lines := out.lines(t)
			if len(lines) != 2 {
				t.Fatalf("want the handler's line and the access line, got %v", lines)
			}
			if lines[0]["msg"] != "inside" || lines[0]["request_id"] != id {
				t.Fatalf("the handler's line lacks the request ID %s: %v", id, lines[0])
			}
			a := lines[1]
			want := map[string]any{"msg": "request", "request_id": id, "method": "POST", "route": "/hooks/{kind}/{token}",
				"status": float64(202), "bytes": float64(6), "user": "rita", "remote": "192.0.2.1:1234"}
			for k, v := range want {
				if a[k] != v {
					t.Errorf("access log %s = %v, want %v (%v)", k, a[k], v, a)
				}
			}
			if _, ok := a["duration_ms"].(float64); !ok {
				t.Errorf("access log lacks duration_ms: %v", a)
			}
			if strings.Contains(out.buf.String(), "s3cr3t") {
				t.Errorf("the hook's token is in the log:\n%s", out.buf.String())
			}
			if n := testutil.ToFloat64(h.requests.WithLabelValues("/hooks/{kind}/{token}", "POST", "202")); n != 1 {
				t.Errorf("requests counted %v, want 1", n)
			}
		})
	}
}

func TestRouteLabel(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                           "unmatched",
		"/":                          "/",
		"/api/":                      "/api/",
		"GET /api/v1/incidents":      "/api/v1/incidents",
		"GET  /x/{id}":               "/x/{id}",
		"example.com/status":         "/status",
		"POST example.com/hooks/{k}": "/hooks/{k}",
	} {
		if got := routeLabel(in); got != want {
			t.Errorf("routeLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

// The innermost mux names the route: the API's pattern, not the root
// mux's "/api/" prefix that led to it.
func TestRouteInnermostWins(t *testing.T) {
	t.Parallel()
	h := NewHTTP(HTTPOptions{Registry: prometheus.NewRegistry()})
	api := http.NewServeMux()
	api.HandleFunc("GET /api/v1/incidents/{id}", func(w http.ResponseWriter, r *http.Request) {})
	root := http.NewServeMux()
	root.Handle("/api/", Route(api))
	h.Handler(Route(root)).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v1/incidents/INC-1", nil))
	if n := testutil.ToFloat64(h.requests.WithLabelValues("/api/v1/incidents/{id}", "GET", "200")); n != 1 {
		t.Fatalf("the API's route was not counted")
	}
}

func TestContextHandlerAddsTrace(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	log, err := NewLogger(&out, FormatJSON, slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5}, TraceFlags: trace.FlagsSampled})
	ctx := trace.ContextWithSpanContext(WithRequestID(context.Background(), "r-1"), sc)
	log.With("a", 1).WithGroup("g").InfoContext(ctx, "hello", "b", 2)
	l := out.lines(t)[0]
	g, _ := l["g"].(map[string]any)
	if g["request_id"] != "r-1" || g["trace_id"] != sc.TraceID().String() || g["span_id"] != sc.SpanID().String() || l["a"] != float64(1) {
		t.Fatalf("line %v lacks the request and trace", l)
	}
	if _, err := NewLogger(&out, "xml", slog.LevelInfo); err == nil {
		t.Fatal("format xml accepted")
	}
}

func TestTransportCarriesTraceparent(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r.Header.Get("Traceparent") }))
	t.Cleanup(srv.Close)
	c := &http.Client{Transport: Transport(http.DefaultTransport)}
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{0xab, 1}, SpanID: trace.SpanID{0xcd, 2}, TraceFlags: trace.FlagsSampled, Remote: true})
	for _, tc := range []struct {
		ctx  context.Context
		want string
	}{
		{trace.ContextWithRemoteSpanContext(context.Background(), sc), "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"},
		{context.Background(), ""},
	} {
		req, _ := http.NewRequestWithContext(tc.ctx, "GET", srv.URL, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if h := <-got; h != tc.want {
			t.Errorf("traceparent %q, want %q", h, tc.want)
		}
		if req.Header.Get("Traceparent") != "" {
			t.Error("the caller's request was changed")
		}
	}
}

// FuzzRequestID: whatever a client sends as X-Request-Id, the ID echoed
// and logged is theirs only when sane, and never breaks a log line.
func FuzzRequestID(f *testing.F) {
	for _, s := range []string{"abc", "a b", "a\r\nb", strings.Repeat("x", 200), "\x00"} {
		f.Add(s)
	}
	h := NewHTTP(HTTPOptions{})
	srv := h.Handler(http.NotFoundHandler())
	f.Fuzz(func(t *testing.T, sent string) {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header["X-Request-Id"] = []string{sent}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		id := rec.Header().Get(RequestIDHeader)
		if id != sent && !generatedID.MatchString(id) || !saneRequestID(id) {
			t.Fatalf("sent %q, echoed %q", sent, id)
		}
	})
}
