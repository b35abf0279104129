package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/intake"
)

// MaxPagerDutyBody is PagerDuty's own limit on one event (512 KB), so a
// sender that fits PagerDuty fits here.
const MaxPagerDutyBody = 512 << 10

// pdAnswer is the body PagerDuty's Events API v2 answers with; senders
// read dedup_key from it to acknowledge and resolve later.
type pdAnswer struct {
	Status   string   `json:"status"`
	Message  string   `json:"message"`
	DedupKey string   `json:"dedup_key,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

func writePD(w http.ResponseWriter, status int, a pdAnswer) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(a) // a failure means the client went away
}

// pagerduty receives PagerDuty Events API v2 events at /hooks/pagerduty
// (the integration's token as routing_key in the body, as PagerDuty
// takes it), /hooks/pagerduty/{token}, and /v2/enqueue, PagerDuty's own
// path, for senders that only let one change the host. It answers as
// PagerDuty does: 202 {"status":"success","message":"Event
// processed","dedup_key":…} once the event is committed, 400
// {"status":"invalid event",…,"errors":[…]} storing nothing. A wrong
// token is 401, as on every hook.
func (s *Server) pagerduty(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxPagerDutyBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writePD(w, http.StatusRequestEntityTooLarge, pdAnswer{Status: "invalid event", Message: "Event object is too large",
				Errors: []string{"the event is larger than 512 KB"}})
			return
		}
		writePD(w, http.StatusBadRequest, pdAnswer{Status: "invalid event", Message: "could not read the body"})
		return
	}
	token := r.PathValue("token")
	if token == "" {
		token = intake.PagerDutyRoutingKey(body)
	}
	if token == "" {
		if scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
			token = strings.TrimSpace(secret)
		}
	}
	rec, err := s.triage.Receive(r.Context(), alert.SourcePagerDuty, token, body)
	if err != nil {
		e, ok := errs.As(err)
		switch {
		case ok && e.Code == errs.Unauthorized:
			msg := e.Message
			if token == "" {
				msg = "missing routing_key: put the integration's token in routing_key, or use /hooks/pagerduty/{token}"
			}
			w.Header().Set("WWW-Authenticate", hookChallenge(token))
			writeProblem(w, http.StatusUnauthorized, msg)
		case ok && e.Code == errs.Invalid:
			writePD(w, http.StatusBadRequest, pdAnswer{Status: "invalid event", Message: "Event object is invalid", Errors: []string{located(e.Field, e.Message)}})
		case s.writeUnavailable(w, r.Context(), err):
			// Nothing was stored; senders retry on 5xx.
		default:
			s.log.ErrorContext(r.Context(), "webhook", "kind", alert.SourcePagerDuty, "err", err)
			writeProblem(w, http.StatusInternalServerError, "internal error: nothing was stored; retry")
		}
		return
	}
	if len(rec.Problems) > 0 {
		var list []string
		for _, p := range rec.Problems {
			list = append(list, located(p.Field, p.Message))
		}
		writePD(w, http.StatusBadRequest, pdAnswer{Status: "invalid event", Message: "Event object is invalid", Errors: list})
		return
	}
	writePD(w, http.StatusAccepted, pdAnswer{Status: "success", Message: "Event processed", DedupKey: rec.DedupKey})
}

// located is "field: message", or the message alone.
func located(field, msg string) string {
	if field == "" {
		return msg
	}
	return field + ": " + msg
}
