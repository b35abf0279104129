package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// TestProblemStatus: a problem answers its code's status from errs.HTTPStatus
// and nothing else decides it; errors without a code are a bare 500.
func TestProblemStatus(t *testing.T) {
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, tt := range []struct {
		name string
		err  error
		want int
	}{
		{"invalid", errs.E(errs.Invalid, "title", "too long"), http.StatusUnprocessableEntity},
		{"rule", errs.E(errs.Rule, "incident_commander", "needed"), http.StatusUnprocessableEntity},
		{"not found", errs.E(errs.NotFound, "", "no such incident"), http.StatusNotFound},
		{"conflict", errs.E(errs.Conflict, "version", "stale"), http.StatusConflict},
		{"unauthorized", errs.E(errs.Unauthorized, "", "sign in"), http.StatusUnauthorized},
		{"forbidden", errs.E(errs.Forbidden, "", "no"), http.StatusForbidden},
		{"rate limited", errs.E(errs.RateLimited, "", "later"), http.StatusTooManyRequests},
		{"unavailable", errs.E(errs.Unavailable, "", "disk full"), http.StatusServiceUnavailable},
		{"internal", errs.E(errs.Internal, "", "secret detail"), http.StatusInternalServerError},
		{"codeless", errors.New("secret detail"), http.StatusInternalServerError},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := s.problem(context.Background(), tt.err)
			var m *huma.ErrorModel
			if !errors.As(err, &m) {
				t.Fatalf("problem(%v) = %T, want a *huma.ErrorModel", tt.err, err)
			}
			if m.Status != tt.want || m.Status != errs.StatusOf(tt.err) {
				t.Fatalf("status %d, want %d (errs.StatusOf %d)", m.Status, tt.want, errs.StatusOf(tt.err))
			}
			if tt.want == http.StatusInternalServerError && m.Detail != "internal error" {
				t.Fatalf("a 500 shows %q, want only \"internal error\"", m.Detail)
			}
		})
	}
}
