package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/telemetry"
)

type ctxKey int

const (
	principalKey ctxKey = iota
	authErrKey
)

// authenticate resolves a bearer token, if any, to a principal in the
// request context. It never rejects: authorize decides per operation, so
// routes that need no sign-in (health, metrics, later webhooks) stay open.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if integrationPath(r.URL.Path) {
			// A webhook's bearer token is its integration's secret, which
			// the route checks itself: looking it up as an API token was a
			// read per body that could only fail.
			next.ServeHTTP(w, r)
			return
		}
		if h == "" && strings.HasPrefix(r.URL.Path, PprofPrefix) {
			next.ServeHTTP(w, s.sessionPrincipal(r))
			return
		}
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		scheme, secret, _ := strings.Cut(h, " ")
		ctx := r.Context()
		if !strings.EqualFold(scheme, "Bearer") {
			ctx = context.WithValue(ctx, authErrKey, errs.E(errs.Unauthorized, "", "unsupported Authorization scheme: use Bearer <token>"))
		} else if p, err := s.auth.Authenticate(ctx, strings.TrimSpace(secret)); err != nil {
			ctx = context.WithValue(ctx, authErrKey, err)
		} else {
			ctx = context.WithValue(ctx, principalKey, p)
			telemetry.SetUser(ctx, p.User.Username)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// integrationPath reports whether path is a webhook's (server.go), whose
// Authorization carries an integration's secret rather than an API token.
func integrationPath(path string) bool {
	return strings.HasPrefix(path, "/hooks/") || path == "/v2/enqueue"
}

// sessionPrincipal resolves the console's session cookie, for the
// profiling pages only: an admin signed in to the console follows the
// index's links in the browser. Read-only GETs, so no CSRF token is needed;
// the rest of the API takes tokens only.
func (s *Server) sessionPrincipal(r *http.Request) *http.Request {
	c, err := r.Cookie(auth.SessionCookie)
	if err != nil {
		return r
	}
	ctx := r.Context()
	if _, u, err := s.auth.SessionFor(ctx, c.Value); err != nil {
		ctx = context.WithValue(ctx, authErrKey, err)
	} else {
		ctx = context.WithValue(ctx, principalKey, auth.Principal{User: u})
		telemetry.SetUser(ctx, u.Username)
	}
	return r.WithContext(ctx)
}

func principalFrom(ctx context.Context) (auth.Principal, bool) {
	p, ok := ctx.Value(principalKey).(auth.Principal)
	return p, ok
}

// needRole is the metadata key naming the role an operation requires.
const needRole = "firebreak.role"

// roleExtension names, in the OpenAPI document, the least role an
// operation is open to.
const roleExtension = "x-firebreak-role"

// authorize denies every operation that does not name a role, answers 401
// without a valid token and 403 without the role.
func (s *Server) authorize(ctx huma.Context, next func(huma.Context)) {
	need, ok := ctx.Operation().Metadata[needRole].(auth.Role)
	if !ok {
		huma.WriteErr(s.api, ctx, http.StatusForbidden, "this operation is not open to anyone")
		return
	}
	rctx := ctx.Context()
	p, ok := principalFrom(rctx)
	if !ok {
		msg := "authentication required: send Authorization: Bearer <token>"
		if err, bad := rctx.Value(authErrKey).(error); bad {
			if e, ok := errs.As(err); ok && e.Code == errs.Unauthorized {
				msg = e.Message
			} else if ok && e.Code == errs.Unavailable {
				// The token could not be checked (the database cannot be
				// reached): the caller may well be signed in, so no 401.
				s.log.WarnContext(rctx, "authenticate: refused for now", "err", err)
				ctx.SetHeader("Retry-After", retryAfterSeconds(e.RetryAfter))
				huma.WriteErr(s.api, ctx, http.StatusServiceUnavailable, e.Message)
				return
			} else {
				s.log.ErrorContext(rctx, "authenticate", "err", err)
				huma.WriteErr(s.api, ctx, http.StatusInternalServerError, "internal error")
				return
			}
		}
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="firebreak"`)
		huma.WriteErr(s.api, ctx, http.StatusUnauthorized, msg)
		return
	}
	if !p.User.Role.Allows(need) {
		huma.WriteErr(s.api, ctx, http.StatusForbidden, "your role "+string(p.User.Role)+" may not do this; it needs "+string(need))
		return
	}
	next(ctx)
}

// op declares an operation open to role and above.
func op(role auth.Role, o huma.Operation) huma.Operation {
	if o.Metadata == nil {
		o.Metadata = map[string]any{}
	}
	o.Metadata[needRole] = role
	// The role is part of the contract, so clients and the generated
	// authorisation suite read it from the document.
	if o.Extensions == nil {
		o.Extensions = map[string]any{}
	}
	o.Extensions[roleExtension] = string(role)
	// The other statuses it can answer are declared from its shape once
	// every operation is in the document (completeDocument).
	o.Errors = append(o.Errors, http.StatusUnauthorized, http.StatusForbidden)
	return o
}

// viewer is the incident viewer for the request's principal.
func viewer(ctx context.Context) incident.Viewer {
	p, _ := principalFrom(ctx)
	return incident.Viewer{User: p.User.Username, SeeAll: p.User.Role == auth.Admin}
}
