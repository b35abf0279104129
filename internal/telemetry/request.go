package telemetry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
)

// RequestIDHeader carries a request's ID: honoured when the client sends
// a sane one, else generated, and echoed in the answer either way.
const RequestIDHeader = "X-Request-Id"

// maxRequestID bounds a client's request ID, so a log line stays a line.
const maxRequestID = 128

// request is what the layers of one request tell its access log: the ID
// is set at the start, the route and user by the handlers that learn
// them (on copies of the request, hence a pointer in the context).
type request struct {
	id          string
	mu          sync.Mutex // a handler may answer while a goroutine it started still runs
	route, user string
}

type requestKey struct{}

func withRequest(ctx context.Context, r *request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

func requestFrom(ctx context.Context) *request {
	r, _ := ctx.Value(requestKey{}).(*request)
	return r
}

// RequestID is the ID of the request ctx serves, or "".
func RequestID(ctx context.Context) string {
	if r := requestFrom(ctx); r != nil {
		return r.id
	}
	return ""
}

// WithRequestID returns ctx carrying id as its request ID, for work done
// on behalf of a request outside its handler (and for tests).
func WithRequestID(ctx context.Context, id string) context.Context {
	return withRequest(ctx, &request{id: id})
}

// SetUser names, for the access log, the user the request is
// authenticated as. Outside a request it does nothing.
func SetUser(ctx context.Context, user string) {
	if r := requestFrom(ctx); r != nil {
		r.mu.Lock()
		r.user = user
		r.mu.Unlock()
	}
}

// setRoute records pattern as the request's route unless a more specific
// mux, nearer the handler, already did.
func setRoute(ctx context.Context, pattern string) {
	if r := requestFrom(ctx); r != nil && pattern != "" {
		r.mu.Lock()
		if r.route == "" {
			r.route = pattern
		}
		r.mu.Unlock()
	}
}

func (r *request) snapshot() (route, user string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.route, r.user
}

// saneRequestID reports whether a client's X-Request-Id may be used as
// it is: 1 to 128 visible ASCII characters, nothing a log could mistake
// for a separator or a new line.
func saneRequestID(s string) bool {
	if s == "" || len(s) > maxRequestID {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// newRequestID is 128 random bits in hex.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// routeLabel is a ServeMux pattern without its method and host: the
// method is a label of its own, and "GET GET /x" helps no one.
func routeLabel(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		pattern = strings.TrimLeft(pattern[i+1:], " \t")
	}
	if i := strings.IndexByte(pattern, '/'); i > 0 {
		pattern = pattern[i:] // a host-specific pattern
	}
	return pattern
}
