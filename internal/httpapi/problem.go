package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// problem turns any error into an RFC 9457 problem. Errors without a code
// are logged and shown as "internal error": their text is for operators,
// not clients.
func (s *Server) problem(ctx context.Context, err error) error {
	if errs.CodeOf(err) != errs.Unavailable && timedOut(ctx, err) {
		s.log.WarnContext(ctx, "request deadline passed", "err", err)
		err = errTimedOut()
	}
	e, ok := errs.As(err)
	status := errs.StatusOf(err)
	if !ok || status == http.StatusInternalServerError {
		s.log.ErrorContext(ctx, "internal error", "err", err)
		return &huma.ErrorModel{Status: http.StatusInternalServerError, Title: http.StatusText(http.StatusInternalServerError), Detail: "internal error"}
	}
	details := e.Details
	if len(details) == 0 && e.Field != "" {
		details = []errs.Detail{{Field: e.Field, Message: e.Message}}
	}
	m := &huma.ErrorModel{Status: status, Title: http.StatusText(status), Detail: e.Error()}
	if e.Code == errs.Rule {
		m.Type = "https://firebreak.dev/problems/rule"
		m.Title = "Blocked by a lifecycle rule"
	}
	for _, d := range details {
		m.Errors = append(m.Errors, &huma.ErrorDetail{Location: d.Field, Message: d.Message})
	}
	if ra := errs.RetryAfter(e); ra != "" {
		return huma.ErrorWithHeaders(m, http.Header{"Retry-After": {ra}})
	}
	return m
}

// writeProblem writes a problem outside huma (middleware, plain routes).
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	b, _ := jsonMarshal(&huma.ErrorModel{Status: status, Title: http.StatusText(status), Detail: detail})
	w.Write(b)
}

// maxEchoed bounds how much of a rejected value a problem repeats back: a
// 100 kB title need not travel twice, and long values may hold secrets.
const maxEchoed = 64

// trimErrorValues shortens the offending values huma echoes in problems.
func trimErrorValues(_ huma.Context, _ string, v any) (any, error) {
	m, ok := v.(*huma.ErrorModel)
	if !ok {
		return v, nil
	}
	for _, d := range m.Errors {
		switch val := d.Value.(type) {
		case string:
			if len(val) > maxEchoed {
				d.Value = val[:maxEchoed] + "…"
			}
		case nil, bool, float64, int, int64:
		default:
			d.Value = nil // whole objects are the client's own body; no need to echo
		}
	}
	return m, nil
}
