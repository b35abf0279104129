package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

type pmForm struct {
	Body, Lessons, Reason string
	Items                 []incident.ActionItem
}

type postmortemData struct {
	base
	Inc  incident.Incident
	Form pmForm
	// Revisions are the published texts, newest first.
	Revisions []incident.Revision
	// Head is the workspace header and tabs (workspace.go).
	Head incidentHead
}

// Published reports whether the post-mortem is published: then it stays
// so, and the form offers a revision with a reason instead of a draft.
func (d postmortemData) Published() bool {
	return d.Inc.Postmortem.Status == incident.PostmortemPublished
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
	_, revs, err := s.incidents.Revisions(r.Context(), viewerOf(userFrom(r)), inc.Ref)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	slices.Reverse(revs)
	d := postmortemData{base: s.base(r, "Post-mortem · "+inc.Ref, "incidents"), Inc: inc, Form: f, Revisions: revs}
	d.Error = errMsg
	if status == http.StatusConflict {
		d.Stale = "/incidents/" + inc.Ref + "/postmortem"
	}
	d.Live = "incident:" + inc.Ref
	moves, err := s.incidents.Moves(r.Context(), viewerOf(userFrom(r)), &inc)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Head = headFor(inc, secPostmortem, d.CanAct, moves, s.dutiesPanelFor(r.Context(), inc, userFrom(r), nil))
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
	f := pmForm{Body: r.PostFormValue("body"), Lessons: r.PostFormValue("lessons"), Reason: r.PostFormValue("reason")}
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
	// Publish, and on a published post-mortem "Publish revision" and "Save
	// action items", keep it published; "Save draft" asks for a draft,
	// which a published one refuses.
	status := incident.PostmortemDraft
	if r.PostFormValue("publish") != "" || r.PostFormValue("revise") != "" || r.PostFormValue("items") != "" {
		status = incident.PostmortemPublished
	}
	cur, err := s.incidents.Get(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	inc, err := s.incidents.SavePostmortem(r.Context(), s.command(r), incident.PostmortemInput{Status: status, Body: f.Body, Lessons: f.Lessons, ActionItems: f.Items, Reason: f.Reason})
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
	switch {
	case inc.Version == cur.Version:
		flash = "Nothing changed."
	case cur.Postmortem.Status == incident.PostmortemPublished && inc.Postmortem.UpdatedAt != nil && !inc.Postmortem.UpdatedAt.Equal(ptime(cur.Postmortem.UpdatedAt)):
		flash = "Revision published."
	case cur.Postmortem.Status == incident.PostmortemPublished:
		flash = "Action items saved."
	case status == incident.PostmortemPublished:
		flash = "Post-mortem published."
	}
	http.Redirect(w, r, "/incidents/"+inc.Ref+"/postmortem?flash="+urlQuery(flash), http.StatusSeeOther)
}

func ptime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
