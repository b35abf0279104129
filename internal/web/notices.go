package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/notify"
)

// The notices panel of an incident: stakeholder updates (when the next is
// due, posting one, the channels it goes to) and notices (the list, and a
// form to draft one from a template or for a duty), with the dossier a
// link away. The notice editor is notice_page.go; the dossier dossier.go.

type noticesPanel struct {
	Ref       string
	CanAct    bool
	IsAdmin   bool
	Notices   []notices.Notice
	Templates []notices.Template
	Duties    []comms.Item
	Updates   notices.UpdatesView
	Subs      []notices.UpdateSubscription
	Kinds     []notify.Kind
	Err       string
	Form      noticesForm
}

// noticesForm keeps what was typed in the panel when a change fails.
type noticesForm struct {
	UpdateText              string
	SubName, SubKind, SubTo string
}

func (s *Server) registerNotices(mux *http.ServeMux, page func(string, http.HandlerFunc, auth.Role)) {
	if s.notices == nil {
		return
	}
	page("POST /incidents/{ref}/notices", s.draftNotice, auth.Responder)
	page("POST /incidents/{ref}/updates", s.postUpdate, auth.Responder)
	page("POST /incidents/{ref}/subscriptions", s.addSubscription, auth.Responder)
	page("POST /incidents/{ref}/subscriptions/{id}/remove", s.removeSubscription, auth.Responder)
	page("GET /incidents/{ref}/notices/{id}", s.noticePage, auth.Viewer)
	page("POST /incidents/{ref}/notices/{id}", s.saveNotice, auth.Responder)
	page("POST /incidents/{ref}/notices/{id}/approve", s.approveNotice, auth.Responder)
	page("POST /incidents/{ref}/notices/{id}/attachments", s.attachToNotice, auth.Responder)
	page("GET /incidents/{ref}/notices/{id}/attachments/{sha}", s.noticeAttachment, auth.Viewer)
	page("POST /incidents/{ref}/notices/{id}/attachments/{sha}/remove", s.removeNoticeAttachment, auth.Responder)
	page("POST /incidents/{ref}/notices/{id}/submit", s.submitNotice, auth.Responder)
	page("POST /incidents/{ref}/notices/{id}/send", s.sendNotice, auth.Responder)
	page("GET /incidents/{ref}/dossier", s.dossierPage, auth.Viewer)
	mux.HandleFunc("GET /static/dossier.css", s.dossierCSS)
}

// noticesPanelFor loads the panel; a failure is said in the panel rather
// than failing the incident page around it.
func (s *Server) noticesPanelFor(ctx context.Context, inc incident.Incident, u auth.User, canAct bool, f noticesForm) *noticesPanel {
	if s.notices == nil {
		return nil
	}
	v := viewerOf(u)
	p := &noticesPanel{Ref: inc.Ref, CanAct: canAct, IsAdmin: u.Role == auth.Admin, Form: f,
		Kinds: []notify.Kind{notify.KindEmail, notify.KindSlack, notify.KindTeams, notify.KindWebhook}}
	fail := func(what string, err error) *noticesPanel {
		s.log.ErrorContext(ctx, "notices panel", "what", what, "incident", inc.Ref, "err", err)
		p.Err = "Notices and updates could not be loaded; reload in a moment."
		return p
	}
	var err error
	if p.Notices, err = s.notices.List(ctx, v, inc.ID); err != nil {
		return fail("notices", err)
	}
	if p.Updates, err = s.notices.Updates(ctx, v, inc.ID); err != nil {
		return fail("updates", err)
	}
	if len(p.Updates.Updates) > 3 {
		p.Updates.Updates = p.Updates.Updates[:3]
	}
	if p.Subs, err = s.notices.Subscriptions(ctx, v, inc.ID); err != nil {
		return fail("subscriptions", err)
	}
	if canAct {
		if p.Templates, err = s.notices.Templates(ctx); err != nil {
			return fail("templates", err)
		}
		if p.Duties, err = s.notices.DutyItems(ctx, v, inc.ID); err != nil {
			s.log.WarnContext(ctx, "notices panel: duties", "incident", inc.Ref, "err", err)
		}
	}
	return p
}

// noticesChanged finishes a change in the panel: back to the incident on
// success, or the incident page again with the error and what was typed.
func (s *Server) noticesChanged(w http.ResponseWriter, r *http.Request, err error, f noticesForm, flash string) {
	if err == nil {
		http.Redirect(w, r, backURL(r, r.PathValue("ref"), "comms", flash), http.StatusSeeOther)
		return
	}
	if codeOf(err) == 0 {
		s.fail(w, r, err)
		return
	}
	d, ok := s.loadIncident(w, r, incidentForm{})
	if !ok {
		return
	}
	d.Error = message(err)
	d.Notices = s.noticesPanelFor(r.Context(), d.Inc, userFrom(r), d.CanAct, f)
	d.setSection(returnSection(r, "comms"))
	s.render(w, r, codeOf(err), "incident", d)
}

func (s *Server) draftNotice(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	in := notices.DraftInput{Template: r.PostFormValue("template"), Audience: notices.Audience(r.PostFormValue("audience"))}
	if duty := r.PostFormValue("duty"); duty != "" {
		in.ObligationID, in.Phase, _ = strings.Cut(duty, " ")
	}
	n, err := s.notices.Draft(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), in)
	if err != nil {
		s.noticesChanged(w, r, err, noticesForm{}, "")
		return
	}
	http.Redirect(w, r, "/incidents/"+url.PathEscape(n.Ref)+"/notices/"+url.PathEscape(n.ID)+"?flash="+url.QueryEscape("Drafted. Edit the text, then have someone approve it."), http.StatusSeeOther)
}

func (s *Server) postUpdate(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := noticesForm{UpdateText: r.PostFormValue("text")}
	u, err := s.notices.Post(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), f.UpdateText)
	flash := "Update posted."
	if err == nil && len(u.Channels) > 0 {
		flash = "Update posted and sent to " + strings.Join(u.Channels, ", ") + "."
	}
	s.noticesChanged(w, r, err, f, flash)
}

func (s *Server) addSubscription(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := noticesForm{SubName: r.PostFormValue("name"), SubKind: r.PostFormValue("kind"), SubTo: r.PostFormValue("address")}
	t := notify.Target{Kind: notify.Kind(f.SubKind), Address: strings.TrimSpace(f.SubTo), Secret: r.PostFormValue("secret")}
	_, err := s.notices.Subscribe(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), f.SubName, t)
	s.noticesChanged(w, r, err, f, "Updates now go to "+f.SubName+".")
}

func (s *Server) removeSubscription(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	// Removing a channel is confirmed (a required box, and a dialog when
	// scripts run): one stray click must not silence a war room.
	if r.PostFormValue("confirm") != "yes" {
		s.noticesChanged(w, r, invalid("confirm", "Tick “Yes, stop updates to …” next to Remove to confirm; nothing was removed."), noticesForm{}, "")
		return
	}
	err := s.notices.Unsubscribe(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), r.PathValue("id"))
	s.noticesChanged(w, r, err, noticesForm{}, "Removed.")
}
