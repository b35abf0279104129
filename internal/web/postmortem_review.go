package web

import (
	"net/http"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// requestPostmortemReview sends the post-mortem to the reviewers named in
// the form (comma- or space-separated; none: the defaults).
func (s *Server) requestPostmortemReview(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	reviewers := strings.FieldsFunc(r.PostFormValue("reviewers"), func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\t' })
	inc, err := s.incidents.RequestPostmortemReview(r.Context(), s.command(r), reviewers)
	if err != nil {
		s.pmFailed(w, r, err, nil, "")
		return
	}
	http.Redirect(w, r, "/incidents/"+inc.Ref+"/postmortem?flash="+urlQuery("Review requested from "+strings.Join(inc.Postmortem.Reviewers, ", ")+".")+"#review", http.StatusSeeOther)
}

// reviewPostmortem records the signed-in reviewer's verdict.
func (s *Server) reviewPostmortem(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	v := incident.Verdict(r.PostFormValue("verdict"))
	inc, err := s.incidents.ReviewPostmortem(r.Context(), s.command(r), v, r.PostFormValue("comment"))
	if err != nil {
		s.pmFailed(w, r, err, nil, "")
		return
	}
	flash := "Approved."
	if v == incident.ChangesRequested {
		flash = "Changes requested."
	}
	http.Redirect(w, r, "/incidents/"+inc.Ref+"/postmortem?flash="+urlQuery(flash)+"#review", http.StatusSeeOther)
}

// publishPostmortem publishes the approved text.
func (s *Server) publishPostmortem(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	inc, err := s.incidents.PublishPostmortem(r.Context(), s.command(r))
	if err != nil {
		s.pmFailed(w, r, err, nil, "")
		return
	}
	http.Redirect(w, r, "/incidents/"+inc.Ref+"/postmortem?flash="+urlQuery("Post-mortem published."), http.StatusSeeOther)
}
