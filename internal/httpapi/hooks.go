package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// MaxHookBody bounds a webhook delivery. Alertmanager sends whole groups in
// one body; 10 MiB holds tens of thousands of alerts.
const MaxHookBody = 10 << 20

// hooks receives signals from monitoring at /hooks/{kind}/{token} (or
// /hooks/{kind} with Authorization: Bearer <token>). The answer comes only
// after the alerts are committed. A wrong token is 401 and stores nothing;
// a body that is not the format is 400 and stores nothing; a batch with
// some malformed alerts stores the others and answers 400 naming the bad
// ones (the sender need not retry: the good ones are in).
func (s *Server) hooks(w http.ResponseWriter, r *http.Request) {
	kind := alert.Source(r.PathValue("kind"))
	token := r.PathValue("token")
	if token == "" {
		if scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
			token = strings.TrimSpace(secret)
		}
	}
	body, err := readHookBody(w, r)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeProblem(w, http.StatusRequestEntityTooLarge, "the body is larger than 10 MiB; send smaller batches")
			return
		}
		writeProblem(w, http.StatusBadRequest, "could not read the body")
		return
	}
	rec, err := s.triage.Receive(r.Context(), kind, token, body)
	if err != nil {
		e, ok := errs.As(err)
		switch {
		case ok && e.Code == errs.Unauthorized:
			w.Header().Set("WWW-Authenticate", hookChallenge(token))
			writeProblem(w, http.StatusUnauthorized, e.Message)
		case ok && e.Code == errs.Invalid:
			writeJSONProblem(w, http.StatusBadRequest, e.Message, detailsOf(e))
		case s.writeUnavailable(w, r.Context(), err):
			// A full disk or a database past the deadline: senders
			// retry on 5xx, and nothing was stored.
		default:
			s.log.ErrorContext(r.Context(), "webhook", "kind", kind, "err", err)
			writeProblem(w, http.StatusInternalServerError, "internal error: nothing was stored; retry")
		}
		return
	}
	if len(rec.Problems) > 0 {
		var details []*huma.ErrorDetail
		for _, p := range rec.Problems {
			items := "alerts"
			if kind == alert.SourceGeneric {
				items = "events" // the generic format's batch field
			}
			loc := fmt.Sprintf("%s[%d]", items, p.Index)
			if p.Field != "" {
				loc += "." + p.Field
			}
			details = append(details, &huma.ErrorDetail{Location: loc, Message: p.Message})
		}
		m := &hookProblem{ErrorModel: huma.ErrorModel{Status: http.StatusBadRequest, Title: "Some alerts were malformed",
			Detail: "the other alerts were stored; fix and resend the ones listed", Errors: details}, Receipt: rec}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(m) // a failure means the client went away
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(rec) // a failure means the client went away
}

// readHookBody reads a delivery's body, at most MaxHookBody. A body that
// states its length is read into one buffer of that size rather than one
// grown and copied several times over.
func readHookBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, MaxHookBody)
	n := r.ContentLength
	if n <= 0 || n > MaxHookBody {
		return io.ReadAll(body)
	}
	var buf bytes.Buffer
	buf.Grow(int(n) + bytes.MinRead) // ReadFrom wants MinRead spare to see the end without growing
	_, err := buf.ReadFrom(body)
	return buf.Bytes(), err
}

// hookChallenge is the WWW-Authenticate of a refused webhook (RFC 9110
// §11.6.1): the token travels as a Bearer credential (RFC 6750) or in the
// path, and one that was sent but is not known is invalid_token (§3.1).
func hookChallenge(token string) string {
	c := `Bearer realm="firebreak-hooks"`
	if token != "" {
		c += `, error="invalid_token"`
	}
	return c
}

// hookProblem is a problem that also carries what was stored.
type hookProblem struct {
	huma.ErrorModel
	Receipt triage.Receipt `json:"receipt"`
}

func detailsOf(e *errs.Error) []*huma.ErrorDetail {
	var out []*huma.ErrorDetail
	for _, d := range e.Details {
		out = append(out, &huma.ErrorDetail{Location: d.Field, Message: d.Message})
	}
	if len(out) == 0 && e.Field != "" {
		out = append(out, &huma.ErrorDetail{Location: e.Field, Message: e.Message})
	}
	return out
}

func writeJSONProblem(w http.ResponseWriter, status int, detail string, details []*huma.ErrorDetail) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(&huma.ErrorModel{Status: status, Title: http.StatusText(status), Detail: detail, Errors: details}) // a failure means the client went away
}
