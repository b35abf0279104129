package store

import (
	"context"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/firebreak-ir/firebreak/internal/telemetry"
)

// start begins the "store.read" span of query q on the read pool: a child
// of the request's or job's span (none when they are not traced), like
// store.tx for the writes. It covers the query until its first rows are
// ready, not the caller's reading of them. Its text is the statement with
// placeholders, never the arguments, so no value read or matched on is on
// the trace. Other pools start no span.
func (p pool) start(ctx context.Context, q string) (context.Context, trace.Span) {
	if p.system == "" {
		return ctx, noop.Span{} // never the caller's span, which End would end
	}
	ctx, span := telemetry.Start(ctx, "store.read")
	if span.IsRecording() {
		op, _, _ := strings.Cut(strings.TrimSpace(q), " ")
		span.SetAttributes(attribute.String("db.system", p.system), attribute.String("db.operation.name", strings.ToUpper(op)),
			attribute.String("db.query.text", q))
	}
	return ctx, span
}
