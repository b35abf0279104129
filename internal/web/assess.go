package web

import (
	"net/http"
	"net/url"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// The assessment of potential impact, on the overview: one radio group per
// dimension of the policy's form. "Suggest" works the suggestion out on
// the server and shows it with why, without recording anything; "Record"
// records the answers with the severity chosen (the suggestion unless
// another level is picked, which needs a reason). The latest assessment is
// shown with its answers.

func (s *Server) registerAssess(page func(string, http.HandlerFunc, auth.Role)) {
	page("POST /incidents/{ref}/assess", s.assess, auth.Responder)
}

// assessPanel is the assessment form and the latest assessment.
type assessPanel struct {
	Ref     string
	Version int64
	// CanAct: a responder, and the incident is in triage or active, when
	// assessing is part of the work (a later one is still recorded
	// through the API).
	CanAct     bool
	Dimensions []assessDim
	Levels     []incident.Level
	// Suggested and Why are the suggestion of the answers sent with
	// "Suggest" (or of a refused "Record").
	Suggested string
	Why       []string
	Severity  string // chosen; "" is the suggestion
	Reason    string
	Errs      map[string]string // by field: answers.KEY, severity, reason
	Latest    *incident.Assessment
	// LatestAnswers are the latest assessment's answers as people read
	// them, in the form's order.
	LatestAnswers []assessAnswer
}

type assessDim struct {
	Key, Question string
	Options       []assessOption
}

type assessOption struct {
	Value, Label, Severity string
	Checked                bool
}

type assessAnswer struct{ Question, Answer string }

// Err is the problem of a field of the form.
func (p *assessPanel) Err(field string) string { return p.Errs[field] }

// assessPanelFor builds the panel; answers are what was sent (nil: the
// latest assessment's, to start from).
func (s *Server) assessPanelFor(inc incident.Incident, canAct bool, answers map[string]string) *assessPanel {
	pol := s.incidents.Policy()
	form := pol.ImpactForm()
	p := &assessPanel{Ref: inc.Ref, Version: inc.Version, Levels: pol.Levels, Latest: inc.Assessment,
		CanAct: canAct && (inc.State == incident.Triage || inc.State == incident.Active)}
	if answers == nil && inc.Assessment != nil {
		answers = inc.Assessment.Answers
	}
	for _, d := range form.Dimensions {
		ad := assessDim{Key: d.Key, Question: d.Question}
		for _, o := range d.Options {
			ad.Options = append(ad.Options, assessOption{Value: o.Value, Label: o.Label, Severity: o.Severity, Checked: answers[d.Key] == o.Value})
			if inc.Assessment != nil && inc.Assessment.Answers[d.Key] == o.Value {
				p.LatestAnswers = append(p.LatestAnswers, assessAnswer{Question: d.Question, Answer: o.Label})
			}
		}
		p.Dimensions = append(p.Dimensions, ad)
	}
	return p
}

func (s *Server) assess(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	answers := map[string]string{}
	var missing []errs.Detail
	for _, d := range s.incidents.Policy().ImpactForm().Dimensions {
		v := r.PostFormValue("a_" + d.Key)
		if v == "" {
			missing = append(missing, errs.Detail{Field: "answers." + d.Key, Message: d.Question + " is unanswered"})
			continue
		}
		answers[d.Key] = v
	}
	in := incident.AssessInput{Answers: answers, Severity: r.PostFormValue("severity"), Reason: r.PostFormValue("reason")}
	if r.PostFormValue("do") == "suggest" {
		var err error
		if len(missing) > 0 {
			err = &errs.Error{Code: errs.Invalid, Field: missing[0].Field, Message: missing[0].Message, Details: missing}
		}
		s.assessShow(w, r, err, in)
		return
	}
	if _, err := s.incidents.Assess(r.Context(), s.command(r), in); err != nil {
		s.assessShow(w, r, err, in)
		return
	}
	http.Redirect(w, r, withFlash("/incidents/"+url.PathEscape(r.PathValue("ref")), flashAssessed)+"#assess", http.StatusSeeOther)
}

// assessShow shows the overview with the form as sent: its suggestion
// when every question is answered, and err's problems by field.
func (s *Server) assessShow(w http.ResponseWriter, r *http.Request, err error, in incident.AssessInput) {
	status := http.StatusOK
	if err != nil {
		if status = codeOf(err); status == 0 {
			s.fail(w, r, err)
			return
		}
	}
	d, ok := s.loadIncident(w, r, incidentForm{})
	if !ok {
		return
	}
	p := s.assessPanelFor(d.Inc, d.CanAct, in.Answers)
	p.Severity, p.Reason = in.Severity, in.Reason
	if len(in.Answers) == len(p.Dimensions) {
		p.Suggested, p.Why = s.incidents.Policy().Suggest(in.Answers)
	}
	if err != nil {
		p.Errs = fieldErrs(err)
		d.Error = "Not recorded: " + message(err)
		if status == http.StatusConflict {
			d.Stale = "/incidents/" + url.PathEscape(d.Inc.Ref) + "#assess"
		}
	}
	d.Assess = p
	s.render(w, r, status, "incident", d)
}
