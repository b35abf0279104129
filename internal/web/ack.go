package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Acknowledgement links: a page carries a signed, single-use link that
// works without signing in. Mail systems fetch every link in a message to
// scan it, so opening the link only asks to confirm; the button posts the
// acknowledgement.

type ackData struct {
	base
	Token   string
	Link    *escalation.AckLink
	Open    bool   // the escalation can still be acknowledged
	Role    string // the incident role an acknowledger without one takes
	Done    string // the outcome of a successful acknowledgement
	Problem string // why the link does not work
}

// ackStatus is the status and what to say for a link that does not work:
// its code's status (errs.HTTPStatus), except two things a one-use link
// says more precisely — an expired link is gone for good (410), and an
// escalation that moved on (acknowledged, resolved) is a conflict with its
// current state (409), though the escalation service calls it a rule.
func ackStatus(err error) (int, string, bool) {
	e, ok := errs.As(err)
	if !ok {
		return 0, "", false
	}
	switch {
	case e.Code == errs.NotFound:
		return errs.HTTPStatus(e.Code), "This acknowledgement link is not valid. Open the page in Firebreak to acknowledge it there.", true
	case e.Code == errs.Rule && e.Field == "token":
		return http.StatusGone, capFirst(e.Message) + ". Acknowledge in Firebreak instead.", true
	case e.Code == errs.Conflict:
		return errs.HTTPStatus(e.Code), "This link has already been used: it works once.", true
	case e.Code == errs.Rule:
		return http.StatusConflict, capFirst(e.Message) + ".", true
	}
	return 0, "", false
}

func (s *Server) ackBase(r *http.Request, title string) base {
	return base{Title: title, User: userFrom(r)}
}

// ackPage asks to confirm; it never acknowledges.
func (s *Server) ackPage(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	d := ackData{base: s.ackBase(r, "Acknowledge a page"), Token: token}
	l, err := s.escalations.CheckAckLink(r.Context(), token)
	if err != nil {
		s.ackFailed(w, r, d, err)
		return
	}
	d.Link = &l
	d.Open = l.Escalation.State == escalation.Open || l.Escalation.State == escalation.Exhausted
	d.Role = incident.IRLead.Title()
	if strings.HasPrefix(l.Escalation.Cause, escalation.CauseCommander) {
		d.Role = incident.IncidentCommander.Title()
	}
	s.render(w, r, http.StatusOK, "ack", d)
}

// ack acknowledges as the person the link was sent to.
func (s *Server) ack(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	d := ackData{base: s.ackBase(r, "Acknowledge a page"), Token: token}
	e, err := s.escalations.AckByLink(r.Context(), token)
	if err != nil {
		if l, lerr := s.escalations.CheckAckLink(r.Context(), token); lerr == nil {
			d.Link = &l
		}
		s.ackFailed(w, r, d, err)
		return
	}
	d.Title = "Acknowledged"
	d.Done = "Acknowledged — " + s.ackOutcome(r.Context(), e) + "."
	if l, err := s.escalations.CheckAckLink(r.Context(), token); err == nil {
		d.Link = &l
	}
	s.render(w, r, http.StatusOK, "ack", d)
}

func (s *Server) ackFailed(w http.ResponseWriter, r *http.Request, d ackData, err error) {
	status, msg, ok := ackStatus(err)
	if !ok {
		s.fail(w, r, err)
		return
	}
	d.Title, d.Problem = http.StatusText(status), msg
	s.render(w, r, status, "ack", d)
}

// ackOutcome says what acknowledging e made of its acknowledger, who takes
// the incident's lead role when nobody holds it (a job does that right
// after the acknowledgement).
func (s *Server) ackOutcome(ctx context.Context, e escalation.Escalation) string {
	switch e.Subject.Kind {
	case escalation.SubjectQueue:
		return "the alert “" + e.Subject.Title + "” is yours to assess"
	case escalation.SubjectIncident:
		inc, err := s.incidents.Get(ctx, incident.Viewer{User: "firebreak", SeeAll: true}, e.Subject.ID)
		if err != nil || !inc.State.Open() {
			return "you have the page for " + e.Subject.Ref
		}
		role := incident.IRLead
		if strings.HasPrefix(e.Cause, escalation.CauseCommander) {
			role = incident.IncidentCommander
		}
		holders := inc.Holders(role)
		if len(holders) == 0 || slices.Contains(holders, e.AckedBy) {
			return "you are now " + role.Title() + " of " + inc.Ref
		}
		return "you have the page; " + holders[0] + " is " + role.Title() + " of " + inc.Ref
	}
	return "you have the page"
}
