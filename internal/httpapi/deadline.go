package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// DefaultRequestTimeout bounds a request's work when serve is given none.
const DefaultRequestTimeout = 10 * time.Second

// deadlineRetryAfter is what an answer cut by its deadline tells the
// client to wait.
const deadlineRetryAfter = 5 * time.Second

// Deadline bounds every request: its context ends after d, so a database
// that does not answer (frozen, locked, unreachable) fails the request
// with 503 and Retry-After once d has passed instead of hanging it, and
// the transaction it waited on is cancelled. Live-update streams
// (text/event-stream, GET /events) stay open: they are meant to.
func Deadline(next http.Handler, d time.Duration) http.Handler {
	if d <= 0 {
		d = DefaultRequestTimeout
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A CPU profile or trace runs for as long as it was asked to
		// (?seconds=), bounded by the server's write timeout instead.
		if r.URL.Path == "/events" || strings.Contains(r.Header.Get("Accept"), "text/event-stream") || strings.HasPrefix(r.URL.Path, PprofPrefix) {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// timedOut reports whether err, or the request itself, ran out of time:
// the database did not answer before the request's deadline.
func timedOut(ctx context.Context, err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded)
}

// errTimedOut is the answer to a request whose deadline passed.
func errTimedOut() *errs.Error {
	e := errs.E(errs.Unavailable, "", "the database did not answer in time; nothing may have been stored: retry shortly")
	e.RetryAfter = deadlineRetryAfter
	return e
}

// retryAfterSeconds is a Retry-After value: whole seconds, rounded up.
func retryAfterSeconds(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

// writeUnavailable answers 503 with Retry-After, outside huma, when err is
// errs.Unavailable (a full disk) or the request's deadline passed, and
// reports whether it did.
func (s *Server) writeUnavailable(w http.ResponseWriter, ctx context.Context, err error) bool {
	e, ok := errs.As(err)
	switch {
	case ok && e.Code == errs.Unavailable:
	case timedOut(ctx, err):
		e = errTimedOut()
	default:
		return false
	}
	s.log.WarnContext(ctx, "refused for now", "err", err)
	w.Header().Set("Retry-After", retryAfterSeconds(e.RetryAfter))
	writeProblem(w, http.StatusServiceUnavailable, e.Message)
	return true
}
