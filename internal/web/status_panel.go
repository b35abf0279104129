package web

import (
	"context"
	"net/http"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/status"
)

// The "Status page" panel of an incident: whether the incident is on the
// public status page, its public title and updates and a form for the next
// one; or a form to publish it. The public title starts empty: nothing of
// the internal incident is made public by default. A restricted incident
// is published only by an administrator who ticks the confirmation.

type statusPanel struct {
	Ref        string
	Restricted bool
	CanAct     bool
	IsAdmin    bool
	Public     *staffIncView
	Publish    publishView
	Err        string // the panel could not be loaded
}

func (s *Server) statusPanelFor(ctx context.Context, inc incident.Incident, u auth.User, pub publishForm, upd updateForm) *statusPanel {
	if s.status == nil {
		return nil
	}
	svc := s.status.svc
	p := &statusPanel{Ref: inc.Ref, Restricted: inc.Restricted, CanAct: u.Role.Allows(auth.Responder), IsAdmin: u.Role == auth.Admin}
	if pub.Components == nil {
		pub = publishForm{Status: string(status.Investigating), Notify: true, Components: map[string]bool{}}
	}
	p.Publish = publishView{Action: "/incidents/" + inc.Ref + "/status-page", Confirm: inc.Restricted && p.IsAdmin,
		States: stateOpts(), Impacts: status.Impacts, Form: pub}
	pubPage, err := svc.Public(ctx, status.Query{Active: true, Limit: 1})
	if err != nil {
		s.log.ErrorContext(ctx, "status panel", "incident", inc.Ref, "err", err)
		p.Err = "The status page could not be loaded; reload in a moment."
		return p
	}
	p.Publish.Components = pubPage.Components
	pi, err := svc.ForIncident(ctx, inc.ID)
	switch {
	case err == nil:
		v := staffView(pubPage, pi, upd, u, "/incidents/"+inc.Ref)
		p.Public = &v
	case errs.CodeOf(err) != errs.NotFound:
		s.log.ErrorContext(ctx, "status panel", "incident", inc.Ref, "err", err)
		p.Err = "The status page could not be loaded; reload in a moment."
	}
	return p
}

// statusPublishIncident publishes the incident from its page.
func (s *Server) statusPublishIncident(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	comps, err := s.status.svc.Components(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, f, err := parsePublish(r, comps)
	in.Kind, in.Incident = status.KindIncident, r.PathValue("ref")
	if err == nil {
		_, err = s.status.svc.Publish(r.Context(), statusActorOf(userFrom(r)), in)
	}
	s.statusPanelDone(w, r, err, r.PathValue("ref"), "Published on the status page.", f, updateForm{})
}

// statusPanelDone goes back to the incident's panel, or shows the incident
// page again with the problem and what was typed.
func (s *Server) statusPanelDone(w http.ResponseWriter, r *http.Request, err error, ref, flash string, pub publishForm, upd updateForm) {
	if err == nil {
		http.Redirect(w, r, backURL(r, ref, "statuspage", flash), http.StatusSeeOther)
		return
	}
	code := codeOf(err)
	if code == 0 {
		s.fail(w, r, err)
		return
	}
	r.SetPathValue("ref", ref)
	d, ok := s.loadIncident(w, r, incidentForm{})
	if !ok {
		return
	}
	d.Error = problemText(err)
	d.StatusPage = s.statusPanelFor(r.Context(), d.Inc, userFrom(r), pub, upd)
	d.setSection(returnSection(r, "statuspage"))
	s.render(w, r, code, "incident", d)
}
