package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"maps"
	"net/http"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/store"
)

const maxIdempotencyKey = 255

// idempotent honours Idempotency-Key on POSTs: the first request's answer is
// stored and replayed for repeats of the same request by the same user; the
// same key with a different request is refused. Server errors are not
// remembered, so a retry after one runs again.
func (s *Server) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		p, authed := principalFrom(r.Context())
		if r.Method != http.MethodPost || key == "" || !authed || !strings.HasPrefix(r.URL.Path, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > maxIdempotencyKey || strings.ContainsFunc(key, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
			writeProblem(w, http.StatusBadRequest, "Idempotency-Key must be 1–255 visible ASCII characters")
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20+1))
		if err != nil {
			writeProblem(w, http.StatusBadRequest, "could not read the request body")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sum := sha256.Sum256([]byte(r.Method + " " + r.URL.RequestURI() + "\n" + string(body)))
		rec := store.IdemRecord{Method: r.Method, Path: r.URL.RequestURI(), RequestHash: hex.EncodeToString(sum[:])}
		user := p.User.Username
		prior, err := s.idem.ReserveIdempotency(r.Context(), user, key, rec)
		if err != nil {
			s.log.ErrorContext(r.Context(), "idempotency reserve", "err", err)
			writeProblem(w, http.StatusInternalServerError, "internal error")
			return
		}
		if prior != nil {
			switch {
			case prior.RequestHash != rec.RequestHash:
				writeProblem(w, http.StatusUnprocessableEntity, "Idempotency-Key was already used for a different request")
			case prior.Status == 0:
				writeProblem(w, http.StatusConflict, "a request with this Idempotency-Key is still being processed; retry shortly")
			default:
				w.Header().Set("Content-Type", prior.ContentType)
				w.Header().Set("Idempotent-Replayed", "true")
				w.WriteHeader(prior.Status)
				w.Write(prior.Body)
			}
			return
		}
		// The answer is held back until it is remembered: a client must never
		// see a 2xx whose key a crash could forget, or its retry would run
		// the command a second time.
		cw := &captureWriter{header: http.Header{}}
		next.ServeHTTP(cw, r)
		if cw.status == 0 {
			cw.status = http.StatusOK
		}
		ctx := context.WithoutCancel(r.Context())
		if cw.status >= 500 {
			err = s.idem.ReleaseIdempotency(ctx, user, key)
		} else {
			err = s.idem.CompleteIdempotency(ctx, user, key, cw.status, cw.header.Get("Content-Type"), cw.buf.Bytes())
		}
		if err != nil {
			s.log.ErrorContext(ctx, "idempotency store", "err", err)
			writeProblem(w, http.StatusInternalServerError, "internal error: the outcome could not be recorded; retry with the same Idempotency-Key")
			return
		}
		maps.Copy(w.Header(), cw.header)
		w.WriteHeader(cw.status)
		w.Write(cw.buf.Bytes())
	})
}

// captureWriter buffers a whole answer.
type captureWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (c *captureWriter) Header() http.Header { return c.header }

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.buf.Write(b)
}
