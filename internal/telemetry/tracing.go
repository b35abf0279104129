package telemetry

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Tracing is the tracer provider spans are made with: the OpenTelemetry
// SDK exporting over OTLP/HTTP when an endpoint is configured, else the
// no-op provider, which records nothing and costs next to nothing.
type Tracing struct {
	provider trace.TracerProvider
	sdk      *sdktrace.TracerProvider // nil when off
}

// NewTracing exports spans to the OTLP/HTTP receiver at endpoint (a base
// URL such as http://127.0.0.1:4318; spans go to its /v1/traces) with
// client, named as service firebreak at version. An empty endpoint turns
// tracing off. client should be the guarded outbound one allowing the
// endpoint's host (outbound.ExporterClient); it must not trace its own
// requests, or exporting a span would make another.
func NewTracing(ctx context.Context, endpoint, version string, client *http.Client) (*Tracing, error) {
	if endpoint == "" {
		return &Tracing{provider: noop.NewTracerProvider()}, nil
	}
	if client == nil {
		return nil, fmt.Errorf("OTLP exporter: no HTTP client")
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(strings.TrimRight(endpoint, "/")+"/v1/traces"), otlptracehttp.WithHTTPClient(client))
	if err != nil {
		return nil, fmt.Errorf("OTLP exporter: %w", err)
	}
	res := resource.NewSchemaless(attribute.String("service.name", "firebreak"), attribute.String("service.version", version))
	sdk := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return &Tracing{provider: sdk, sdk: sdk}, nil
}

// Provider is the tracer provider to hand to what makes spans.
func (t *Tracing) Provider() trace.TracerProvider { return t.provider }

// Shutdown sends the spans not yet exported and stops the exporter.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t.sdk == nil {
		return nil
	}
	return t.sdk.Shutdown(ctx)
}

// Start begins a span named name as a child of the span in ctx, with the
// provider that span came from: no span in ctx (tracing off, or no
// request or job around) is the no-op span. For the store and other
// layers that run inside a traced request or job.
func Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	return trace.SpanFromContext(ctx).TracerProvider().Tracer(instrumentation).Start(ctx, name, opts...)
}

// Tracer is provider's tracer for Firebreak's spans; the no-op one when
// provider is nil.
func Tracer(provider trace.TracerProvider) trace.Tracer {
	if provider == nil {
		provider = noop.NewTracerProvider()
	}
	return provider.Tracer(instrumentation)
}

// End ends span, marking it failed when err is not nil.
func End(span trace.Span, err error) {
	if err != nil && span.IsRecording() {
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// Transport makes a client span of every request next sends and carries
// the trace to the receiver in a W3C traceparent header. Only the host is
// recorded: a webhook URL's path or query may be its secret.
func Transport(next http.RoundTripper) http.RoundTripper { return tracingTransport{next} }

type tracingTransport struct{ next http.RoundTripper }

func (t tracingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, span := Start(req.Context(), req.Method, trace.WithSpanKind(trace.SpanKindClient))
	defer span.End()
	if trace.SpanContextFromContext(ctx).IsValid() {
		req = req.Clone(ctx) // a RoundTripper must not change the caller's request
		propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(req.Header))
	}
	if span.IsRecording() {
		span.SetAttributes(attribute.String("http.request.method", req.Method), attribute.String("server.address", req.URL.Hostname()))
	}
	resp, err := t.next.RoundTrip(req)
	switch {
	case err != nil:
		// Not err's text: a *url.Error holds the URL.
		span.SetStatus(codes.Error, "request failed")
	case span.IsRecording():
		span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
		if resp.StatusCode >= 500 {
			span.SetStatus(codes.Error, resp.Status)
		}
	}
	return resp, err
}
