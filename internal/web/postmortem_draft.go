package web

import (
	"net/http"
	"path"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/postmortem"
)

// SetPostmortems turns on the drafts and exports of post-mortems: an
// empty post-mortem of a recovered incident opens drafted from the record
// (package postmortem), and the page links its exports.
func (s *Server) SetPostmortems(p *postmortem.Service) { s.postmortems = p }

func (s *Server) registerPostmortemExports(page func(string, http.HandlerFunc, auth.Role)) {
	page("GET /incidents/{ref}/postmortem/export.md", s.postmortemExport, auth.Viewer)
	page("GET /incidents/{ref}/postmortem/export.html", s.postmortemExport, auth.Viewer)
	page("GET /incidents/{ref}/postmortem/export.json", s.postmortemExport, auth.Viewer)
	s.registerPostmortemMeeting(page)
}

// draftFor is the draft an empty post-mortem of a recovered (or closed)
// incident opens with; ok is false when there is none to offer. Nothing
// is saved until the author saves.
func (s *Server) draftFor(r *http.Request, inc incident.Incident) (incident.PostmortemDoc, bool, error) {
	empty := incident.DocHash(incident.PostmortemDoc{}) == inc.Postmortem.TextSHA256
	if s.postmortems == nil || !empty || (inc.State != incident.Recovered && inc.State != incident.Closed) {
		return incident.PostmortemDoc{}, false, nil
	}
	res, err := s.postmortems.Draft(r.Context(), viewerOf(userFrom(r)), inc.Ref)
	if err != nil {
		return incident.PostmortemDoc{}, false, err
	}
	return res.Doc, true, nil
}

// postmortemExport serves the saved post-mortem as Markdown, a printable
// HTML page or JSON, by the path's extension.
func (s *Server) postmortemExport(w http.ResponseWriter, r *http.Request) {
	if s.postmortems == nil {
		http.NotFound(w, r)
		return
	}
	d, err := s.postmortems.Document(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var body []byte
	var ctype, name string
	switch path.Ext(r.URL.Path) {
	case ".md":
		body, ctype, name = []byte(postmortem.Markdown(d)), "text/markdown; charset=utf-8", d.Incident.Ref+"-postmortem.md"
	case ".html":
		body, err = postmortem.HTML(noticeMarkdown, d)
		ctype = "text/html; charset=utf-8"
	default:
		body, err = postmortem.JSON(d)
		ctype, name = "application/json", d.Incident.Ref+"-postmortem.json"
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if name != "" {
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	}
	_, _ = w.Write(body) // a client gone away is nothing to report
}
