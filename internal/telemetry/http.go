package telemetry

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// HTTPOptions configure NewHTTP.
type HTTPOptions struct {
	Logger   *slog.Logger          // the access log; discarded when nil
	Registry prometheus.Registerer // receives the HTTP metrics; none when nil
	Tracing  trace.TracerProvider  // the no-op tracer when nil
	Now      func() time.Time      // time.Now when nil
}

// HTTP observes requests: one access log line, the HTTP metrics and a
// server span each.
type HTTP struct {
	log      *slog.Logger
	now      func() time.Time
	tracer   trace.Tracer
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewHTTP registers the HTTP metrics on o.Registry.
func NewHTTP(o HTTPOptions) *HTTP {
	h := &HTTP{log: o.Logger, now: o.Now}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	tp := o.Tracing
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	h.tracer = tp.Tracer(instrumentation)
	h.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "firebreak_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
	}, []string{"route", "method", "code"})
	h.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "firebreak_http_request_duration_seconds", Help: "HTTP request latency by route pattern and method.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route", "method"})
	if o.Registry != nil {
		o.Registry.MustRegister(h.requests, h.duration)
	}
	return h
}

// instrumentation names Firebreak's tracers.
const instrumentation = "github.com/firebreak-ir/firebreak"

// Handler observes every request next serves. It gives each an ID (the
// client's X-Request-Id when sane), echoed in the answer and carried by
// the context into every log line of the request; continues the trace
// of an incoming traceparent; and, once answered, logs the request with
// its route pattern (never its raw path, which may hold a token), counts
// it and ends its span. Mark the muxes below it with Route.
func (h *HTTP) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := h.now()
		id := r.Header.Get(RequestIDHeader)
		if !saneRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		req := &request{id: id}
		ctx := withRequest(r.Context(), req)
		ctx = propagation.TraceContext{}.Extract(ctx, propagation.HeaderCarrier(r.Header))
		ctx, span := h.tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer))
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(ctx))

		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		elapsed := h.now().Sub(start)
		pattern, user := req.snapshot()
		route := routeLabel(pattern)
		h.requests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Inc()
		h.duration.WithLabelValues(route, r.Method).Observe(elapsed.Seconds())
		if span.IsRecording() {
			span.SetName(r.Method + " " + route)
			span.SetAttributes(attribute.String("http.request.method", r.Method), attribute.String("http.route", route),
				attribute.Int("http.response.status_code", status))
			if status >= 500 {
				span.SetStatus(codes.Error, http.StatusText(status))
			}
		}
		span.End()
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelWarn
		}
		h.log.LogAttrs(ctx, level, "request", slog.String("method", r.Method), slog.String("route", route),
			slog.Int("status", status), slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
			slog.Int64("bytes", rec.bytes), slog.String("user", user), slog.String("remote", r.RemoteAddr))
	})
}

// Route records, once next has served, the pattern its ServeMux matched as
// the request's route, unless a mux nearer the handler recorded one. Wrap
// each ServeMux with it.
func Route(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		// ServeMux sets Pattern on the request it is given.
		setRoute(r.Context(), r.Pattern)
	})
}

// recorder notes the status and the size of an answer.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Flush keeps live-update streams flowing through the recorder.
func (r *recorder) Flush() {
	_ = http.NewResponseController(r.ResponseWriter).Flush()
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
