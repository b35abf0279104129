package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/store"
)

const maxIdempotencyKey = 255

// idemCall is what the idempotency middleware and the API's operations
// share about one POST with an Idempotency-Key.
type idemCall struct {
	// replay is the remembered answer when the request repeats one; it is
	// written only once the operation has authorised the caller again.
	replay   *store.IdemRecord
	replayed bool
	// shown is set when the answer carries a secret shown once: the
	// answer goes to the client, and only a marker is remembered.
	shown *shownOnce
}

type idemCallKey struct{}

// shownOnce names what an answer with a one-time secret created.
type shownOnce struct{ what, id string }

// oneTimeSecret is an answer body that carries a secret shown once (a new
// token, an integration's webhook URL, a rotated calendar URL). Such an
// answer is never remembered for replays: its secret would then sit in the
// database in the clear, and be handed to whoever repeats the key.
type oneTimeSecret interface {
	// secretShownOnce names what was created: a kind ("token") and an ID.
	secretShownOnce() (what, id string)
}

// noteSecrets is a huma transformer: it tells the idempotency middleware
// when an answer's body carries a one-time secret.
func noteSecrets(ctx huma.Context, _ string, v any) (any, error) {
	if sec, ok := v.(oneTimeSecret); ok {
		if call, ok := ctx.Context().Value(idemCallKey{}).(*idemCall); ok {
			what, id := sec.secretShownOnce()
			call.shown = &shownOnce{what: what, id: id}
		}
	}
	return v, nil
}

// idemReplay runs after authorize: a repeated request is answered from
// memory only once the caller is allowed the operation now, its own
// checks (such as "only that user or an administrator") included. A
// request that is not a repeat goes on to the operation.
func (s *Server) idemReplay(ctx huma.Context, next func(huma.Context)) {
	call, ok := ctx.Context().Value(idemCallKey{}).(*idemCall)
	if !ok || call.replay == nil {
		next(ctx)
		return
	}
	// The operation's own middlewares decide again; the handler does not
	// run: the remembered answer takes its place.
	ctx.Operation().Middlewares.Handler(func(ctx huma.Context) {
		call.replayed = true
		rec := call.replay
		if rec.Status == store.IdemAnswerLost {
			rec = s.lostAnswer(ctx.Context(), ctx.Operation().OperationID, rec, ctx.SetHeader)
		}
		ctx.SetHeader("Content-Type", rec.ContentType)
		ctx.SetHeader("Idempotent-Replayed", "true")
		ctx.SetStatus(rec.Status)
		_, _ = ctx.BodyWriter().Write(rec.Body) // a failure means the client went away
	})(ctx)
}

// reanswer answers a request whose command committed but whose answer was
// lost, from the current state of what it created (kind, id), as the
// operation would have answered.
type reanswer struct {
	kind string
	fn   func(s *Server, ctx context.Context, id string, setHeader func(name, value string)) (status int, body any, err error)
}

// reanswers are the operations whose lost answer is rebuilt. Every other
// operation's lost answer is the 409 lostAnswerProblem, naming what was
// created when the store noted it.
var reanswers = map[string]reanswer{
	"declare-incident": {kind: "incident", fn: func(s *Server, ctx context.Context, ref string, setHeader func(name, value string)) (int, any, error) {
		inc, err := s.incidents.Get(ctx, viewer(ctx), ref)
		if err != nil {
			return 0, nil, err
		}
		out := incidentOut(inc)
		setHeader("ETag", out.ETag)
		return http.StatusCreated, out.Body, nil
	}},
}

// lostAnswer is the answer to a repeat of a request that was applied but
// whose answer was never stored (the server died between the command's
// commit and storing the answer, or the request failed after its
// command): the created object as it is now where the operation has a
// reanswer, else a 409 saying the request was applied. It is never run
// again.
func (s *Server) lostAnswer(ctx context.Context, opID string, rec *store.IdemRecord, setHeader func(name, value string)) *store.IdemRecord {
	if ra, ok := reanswers[opID]; ok && ra.kind == rec.CreatedKind && rec.CreatedID != "" {
		status, v, err := ra.fn(s, ctx, rec.CreatedID, setHeader)
		var b []byte
		if err == nil {
			b, err = jsonMarshal(v)
		}
		if err == nil {
			return &store.IdemRecord{Status: status, ContentType: "application/json", Body: b}
		}
		s.log.WarnContext(ctx, "idempotency: could not rebuild a lost answer", "operation", opID, "created", rec.CreatedKind, "id", rec.CreatedID, "err", err)
	}
	return &store.IdemRecord{Status: http.StatusConflict, ContentType: "application/problem+json", Body: lostAnswerProblem(rec)}
}

// appliedProblem is the answer to a repeat of a request that was applied
// and whose answer is not kept.
type appliedProblem struct {
	huma.ErrorModel
	Created string `json:"created,omitempty" doc:"What the first request created, such as incident, when known."`
	ID      string `json:"id,omitempty" doc:"Its ID or reference."`
}

func lostAnswerProblem(rec *store.IdemRecord) []byte {
	what := ""
	if rec.CreatedKind != "" {
		what = fmt.Sprintf(" (it created %s %s)", rec.CreatedKind, rec.CreatedID)
	}
	b, _ := jsonMarshal(&appliedProblem{
		ErrorModel: huma.ErrorModel{
			Type:   "https://firebreak.dev/problems/applied-answer-lost",
			Title:  "Already applied",
			Status: http.StatusConflict,
			Detail: "a request with this Idempotency-Key was applied" + what + ", but its answer was not kept: " +
				"check the result before retrying, and use a new key if it should run again",
		},
		Created: rec.CreatedKind, ID: rec.CreatedID,
	})
	return b
}

// shownOnceProblem is the answer remembered in place of one that carried a
// secret: repeats learn what was created, not its secret.
type shownOnceProblem struct {
	huma.ErrorModel
	Created string `json:"created" doc:"What the first request created, such as token."`
	ID      string `json:"id" doc:"Its ID."`
}

func shownOnceAnswer(sh *shownOnce) []byte {
	b, _ := jsonMarshal(&shownOnceProblem{
		ErrorModel: huma.ErrorModel{
			Type:   "https://firebreak.dev/problems/secret-shown-once",
			Title:  "Already created",
			Status: http.StatusConflict,
			Detail: fmt.Sprintf("this Idempotency-Key already created %s %s; its secret was shown once, in the answer to the first request, and is not kept: "+
				"if that answer was lost, revoke or rotate it and create a new one", sh.what, sh.id),
		},
		Created: sh.what, ID: sh.id,
	})
	return b
}

// remembered reports whether an answer is kept for replays. Server errors
// are not, so a retry runs again; nor are refusals for want of
// authentication or permission, which changed nothing and may change once
// the caller has the role.
func remembered(status int) bool {
	return status < 500 && status != http.StatusUnauthorized && status != http.StatusForbidden
}

// idempotent honours Idempotency-Key on POSTs: the first request's answer is
// stored and replayed for repeats of the same request by the same user; the
// same key with a different request is refused. Replays are authorised
// like first requests (see idemReplay). An answer carrying a one-time
// secret is remembered as a 409 naming what was created, never with the
// secret (see oneTimeSecret).
//
// Crash safety: reserving the key, running the command and storing the
// answer are separate transactions, so the command's own transaction marks
// the key too. The request runs with its reservation in the context
// (store.WithIdempotency); every write transaction it makes marks the key
// applied, with what it created, in the same transaction (the same
// savepoint of a SQLite group commit), and is refused if a retry took the
// reservation over. After a kill -9 between the commit and the stored
// answer, a retry finds the key applied and is answered from what the
// command created (lostAnswer: a declare with the incident as it is now,
// 201; other operations with a 409 naming what was created), never by
// running the command again. A reservation that applied nothing is taken
// over once stale (store.Options.IdempotencyStale), and the request runs.
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
		rec := store.IdemRecord{Method: r.Method, Path: r.URL.RequestURI(), RequestHash: hex.EncodeToString(sum[:]), Claim: rand.Text()}
		user := p.User.Username
		prior, err := s.idem.ReserveIdempotency(r.Context(), user, key, rec)
		if err != nil {
			if s.writeUnavailable(w, r.Context(), err) {
				return
			}
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
				// Through the route, which authorises the caller again
				// before idemReplay writes the remembered answer (or,
				// for store.IdemAnswerLost, the answer lostAnswer builds).
				call := &idemCall{replay: prior}
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), idemCallKey{}, call)))
			}
			return
		}
		// The answer is held back until it is remembered: a client must never
		// see a 2xx whose key a crash could forget, or its retry would run
		// the command a second time.
		call := &idemCall{}
		cw := &captureWriter{header: http.Header{}}
		claimed := store.WithIdempotency(r.Context(), store.IdemClaim{User: user, Key: key, Claim: rec.Claim})
		next.ServeHTTP(cw, r.WithContext(context.WithValue(claimed, idemCallKey{}, call)))
		if cw.status == 0 {
			cw.status = http.StatusOK
		}
		// With the claim: a reservation taken over by a retry (this
		// request outlived the stale window) is left to that retry.
		ctx := context.WithoutCancel(claimed)
		switch {
		case !remembered(cw.status):
			err = s.idem.ReleaseIdempotency(ctx, user, key)
		case call.shown != nil:
			err = s.idem.CompleteIdempotency(ctx, user, key, http.StatusConflict, "application/problem+json", shownOnceAnswer(call.shown))
		default:
			err = s.idem.CompleteIdempotency(ctx, user, key, cw.status, cw.header.Get("Content-Type"), cw.buf.Bytes())
		}
		if err != nil {
			if e, ok := errs.As(err); ok && e.Code == errs.Unavailable {
				// A full disk or a database out of reach: the retry the
				// client is asked for, with the same key, is answered
				// once it is back.
				s.log.WarnContext(ctx, "idempotency store", "err", err)
				w.Header().Set("Retry-After", retryAfterSeconds(e.RetryAfter))
				writeProblem(w, http.StatusServiceUnavailable, "the outcome could not be recorded ("+e.Message+"); retry with the same Idempotency-Key")
				return
			}
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

// The answers that carry a one-time secret; a new one joins this list.

func (n NewIntegration) secretShownOnce() (string, string) { return "integration", n.ID }
