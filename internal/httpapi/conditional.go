package httpapi

import (
	"net/http"
	"strings"
)

// notModified answers a GET or HEAD whose If-None-Match names the ETag the
// answer carries with 304 Not Modified and no body (RFC 9110 §13.1.2,
// §15.4.5). It decides after the handler ran, so the caller was authorised
// and the ETag is the current one: every read that sends an ETag honours
// If-None-Match without code of its own.
func notModified(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inm := r.Header.Get("If-None-Match")
		if inm == "" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&conditionalWriter{ResponseWriter: w, inm: inm}, r)
	})
}

// conditionalWriter turns a 200 whose ETag matches into a 304.
type conditionalWriter struct {
	http.ResponseWriter
	inm         string
	wroteHeader bool
	discard     bool
}

func (w *conditionalWriter) WriteHeader(code int) {
	if w.wroteHeader {
		w.ResponseWriter.WriteHeader(code) // let net/http report the superfluous call
		return
	}
	w.wroteHeader = true
	if code == http.StatusOK && etagMatches(w.inm, w.Header().Get("ETag")) {
		w.discard = true
		h := w.Header()
		// A 304 carries the validators and caching headers a 200 would
		// have, not the representation's (§15.4.5).
		h.Del("Content-Type")
		h.Del("Content-Length")
		w.ResponseWriter.WriteHeader(http.StatusNotModified)
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *conditionalWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.discard {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *conditionalWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// etagMatches is If-None-Match's weak comparison (RFC 9110 §8.8.3.2): any
// listed entity tag whose opaque part equals etag's, or "*" for any.
func etagMatches(inm, etag string) bool {
	if etag == "" {
		return false
	}
	if strings.TrimSpace(inm) == "*" {
		return true
	}
	want := strings.TrimPrefix(etag, "W/")
	for t := range strings.SplitSeq(inm, ",") {
		if strings.TrimPrefix(strings.TrimSpace(t), "W/") == want {
			return true
		}
	}
	return false
}
