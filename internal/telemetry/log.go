// Package telemetry is how Firebreak is observed: structured logs that
// carry the request and trace they belong to, the access log and HTTP
// metrics of every request, W3C trace context, and OpenTelemetry tracing
// exported over OTLP when configured (the no-op tracer otherwise).
package telemetry

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Log formats for NewLogger.
const (
	FormatText = "text"
	FormatJSON = "json"
)

// NewLogger writes records at level and above to w in format (FormatText
// or FormatJSON). Every record logged with a request's context carries
// that request's ID, and its trace and span IDs when it is traced.
func NewLogger(w io.Writer, format string, level slog.Leveler) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch format {
	case FormatText, "":
		h = slog.NewTextHandler(w, opts)
	case FormatJSON:
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, fmt.Errorf("log format must be %s or %s, not %q", FormatText, FormatJSON, format)
	}
	return slog.New(ContextHandler(h)), nil
}

// ContextHandler wraps h so that a record logged with a context gets the
// request ID (request_id) and the trace (trace_id, span_id) it holds.
func ContextHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(contextHandler); ok {
		return h
	}
	return contextHandler{h}
}

type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx != nil {
		if id := RequestID(ctx); id != "" {
			r.AddAttrs(slog.String("request_id", id))
		}
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(as)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}
