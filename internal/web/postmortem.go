package web

import (
	"net/http"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

type pmForm struct {
	Body, Lessons string
	Items         []incident.ActionItem
}

type postmortemData struct {
	base
	Inc  incident.Incident
	Form pmForm
}

func (s *Server) postmortemPage(w http.ResponseWriter, r *http.Request) {
	inc, err := s.incidents.Get(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPostmortem(w, r, http.StatusOK, inc, pmForm{Body: inc.Postmortem.Body, Lessons: inc.Postmortem.Lessons, Items: inc.Postmortem.ActionItems}, "")
}

func (s *Server) renderPostmortem(w http.ResponseWriter, r *http.Request, status int, inc incident.Incident, f pmForm, errMsg string) {
	d := postmortemData{base: s.base(r, "Post-mortem · "+inc.Ref, "incidents"), Inc: inc, Form: f}
	d.Error = errMsg
	if status == http.StatusConflict {
		d.Stale = "/incidents/" + inc.Ref + "/postmortem"
	}
	d.Live = "incident:" + inc.Ref
	// Always offer blank rows to add action items, with or without script.
	for range 2 {
		d.Form.Items = append(d.Form.Items, incident.ActionItem{})
	}
	s.render(w, r, status, "postmortem", d)
}

func (s *Server) savePostmortem(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := pmForm{Body: r.PostFormValue("body"), Lessons: r.PostFormValue("lessons")}
	titles, owners, dues := r.PostForm["item_title"], r.PostForm["item_owner"], r.PostForm["item_due"]
	done := map[string]bool{}
	for _, i := range r.PostForm["item_done"] {
		done[i] = true
	}
	for i := range titles {
		it := incident.ActionItem{Title: strings.TrimSpace(titles[i])}
		if i < len(owners) {
			it.Owner = strings.TrimSpace(owners[i])
		}
		if i < len(dues) {
			it.Due = strings.TrimSpace(dues[i])
		}
		it.Done = done[itoa(i)]
		if it == (incident.ActionItem{}) {
			continue // an empty row
		}
		f.Items = append(f.Items, it)
	}
	status := incident.PostmortemDraft
	if r.PostFormValue("publish") != "" {
		status = incident.PostmortemPublished
	}
	inc, err := s.incidents.SavePostmortem(r.Context(), s.command(r), incident.PostmortemInput{Status: status, Body: f.Body, Lessons: f.Lessons, ActionItems: f.Items})
	if err != nil {
		if codeOf(err) == 0 {
			s.fail(w, r, err)
			return
		}
		cur, gerr := s.incidents.Get(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"))
		if gerr != nil {
			s.fail(w, r, gerr)
			return
		}
		s.renderPostmortem(w, r, codeOf(err), cur, f, message(err))
		return
	}
	flash := "Draft saved."
	if status == incident.PostmortemPublished {
		flash = "Post-mortem published."
	}
	http.Redirect(w, r, "/incidents/"+inc.Ref+"/postmortem?flash="+urlQuery(flash), http.StatusSeeOther)
}
