package web

import (
	"net/http"
	"net/url"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/indicators"
)

// The Indicators section of an incident (/incidents/{ref}/indicators):
// its indicators of compromise with the other incidents that hold them,
// a paste box that previews what it found before saving, and a state
// change per indicator. Forms work without script.

const secIndicators = "indicators"

// iocsPanel is the Indicators section's content.
type iocsPanel struct {
	Ref        string
	CanAct     bool
	Items      []iocRow
	States     []indicators.State
	TLPs       []indicators.TLP
	Text       string                 // the pasted text, kept for the preview
	TLP        string                 // the TLP chosen for the paste
	Candidates []indicators.Candidate // a preview's
	Errs       map[string]string
	Links      *recordLinks // each indicator's timeline lines
}

// iocRow is an indicator with where else it was seen.
type iocRow struct {
	indicators.Indicator
	Seen []indicators.Sighting
}

func (s *Server) registerIndicators(page func(string, http.HandlerFunc, auth.Role)) {
	if s.indicators == nil {
		return
	}
	page("GET /incidents/{ref}/indicators", s.incidentIndicatorsPage, auth.Viewer)
	page("POST /incidents/{ref}/indicators", s.pasteIndicators, auth.Responder)
	page("POST /incidents/{ref}/indicators/{id}", s.updateIndicator, auth.Responder)
}

func (s *Server) incidentIndicatorsPage(w http.ResponseWriter, r *http.Request) {
	s.showIndicators(w, r, http.StatusOK, nil, nil)
}

// showIndicators renders the section; p carries a preview or what was
// typed when a form failed.
func (s *Server) showIndicators(w http.ResponseWriter, r *http.Request, status int, err error, p *iocsPanel) {
	d, ok := s.loadIncident(w, r, incidentForm{})
	if !ok {
		return
	}
	d.setSection(secIndicators)
	v := viewerOf(userFrom(r))
	inc, list, lerr := s.indicators.List(r.Context(), v, d.Inc.Ref)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	seen, lerr := s.indicators.SeenBefore(r.Context(), v, inc, list)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	if p == nil {
		p = &iocsPanel{}
	}
	p.Ref, p.CanAct, p.States, p.TLPs, p.Links = d.Inc.Ref, d.CanAct, indicators.States, indicators.TLPs, d.Links
	for _, i := range list {
		p.Items = append(p.Items, iocRow{Indicator: i, Seen: seen[i.Key()]})
	}
	if err != nil {
		p.Errs = fieldErrs(err)
		d.Error = "Not saved: " + message(err)
	}
	d.IndicatorsPanel = p
	s.render(w, r, status, "incident", d)
}

// pasteIndicators previews (preview=1) or saves what a pasted text holds.
func (s *Server) pasteIndicators(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	text, tlp := r.PostFormValue("text"), r.PostFormValue("tlp")
	p := &iocsPanel{Text: text, TLP: tlp}
	if r.PostFormValue("preview") != "" {
		c, err := indicators.Preview(text)
		status := http.StatusOK
		if err != nil {
			status = codeOf(err)
		}
		p.Candidates = c
		s.showIndicators(w, r, status, err, p)
		return
	}
	_, err := s.indicators.Paste(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), text,
		indicators.Input{TLP: indicators.TLP(tlp), Source: r.PostFormValue("source")})
	if err != nil {
		if codeOf(err) == 0 {
			s.fail(w, r, err)
			return
		}
		s.showIndicators(w, r, codeOf(err), err, p)
		return
	}
	http.Redirect(w, r, withFlash("/incidents/"+url.PathEscape(r.PathValue("ref"))+"/indicators", flashIndicatorsAdded)+"#indicators", http.StatusSeeOther)
}

// updateIndicator changes an indicator's state.
func (s *Server) updateIndicator(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	st := indicators.State(r.PostFormValue("state"))
	_, err := s.indicators.Update(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), r.PathValue("id"), indicators.Patch{State: &st})
	if err != nil {
		if codeOf(err) == 0 {
			s.fail(w, r, err)
			return
		}
		s.showIndicators(w, r, codeOf(err), err, nil)
		return
	}
	http.Redirect(w, r, withFlash("/incidents/"+url.PathEscape(r.PathValue("ref"))+"/indicators", flashIndicatorUpdated)+"#ioc-"+r.PathValue("id"), http.StatusSeeOther)
}
