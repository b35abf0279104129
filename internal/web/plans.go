package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

// The response plans pages (admin): the plans, and each plan rendered as
// the team will get it, with its versions, a YAML editor that writes the
// next version, and deletion.

// SetPlans turns the plans pages (/admin/plans) on.
func (s *Server) SetPlans(p *plan.Service) { s.plans = p }

func (s *Server) registerPlans(page func(string, http.HandlerFunc, auth.Role)) {
	page("GET /admin/plans", s.plansPage, auth.Admin)
	page("POST /admin/plans", s.createPlan, auth.Admin)
	page("GET /admin/plans/{name}", s.planPage, auth.Admin)
	page("POST /admin/plans/{name}", s.savePlan, auth.Admin)
	page("POST /admin/plans/{name}/delete", s.deletePlan, auth.Admin)
}

type plansData struct {
	base
	Plans    []plan.Versioned
	YAML     string // the new plan's editor, kept when it had problems
	Problems []planProblem
}

// planProblem is one problem of an edited plan, where it is in the text.
type planProblem struct {
	Where   string // "4:9 tasks[0].due", or the field alone
	Message string
}

type planPhase struct {
	Phase plan.Phase
	Tasks []planTask
}

type planTask struct {
	plan.Task
	Instructions template.HTML
}

type planData struct {
	base
	Plan    plan.Versioned
	Current bool // the version shown is the current one
	Deleted bool // the plan is deleted; an old version is shown
	// Description is the plan's description rendered from Markdown.
	Description template.HTML
	Phases      []planPhase
	Versions    []plan.Versioned // newest first
	YAML        string
	Problems    []planProblem
}

func (s *Server) plansOn(w http.ResponseWriter, r *http.Request) bool {
	if s.plans == nil {
		s.errorPage(w, r, http.StatusNotFound, "Response plans are not kept on this server.")
		return false
	}
	return true
}

// plansPage serves GET /admin/plans.
func (s *Server) plansPage(w http.ResponseWriter, r *http.Request) {
	if s.plansOn(w, r) {
		s.renderPlans(w, r, http.StatusOK, newPlanYAML, nil)
	}
}

// newPlanYAML starts the new plan's editor.
const newPlanYAML = `name: my-plan
title: My response plan
applies_to:
  types:
    - security.*
tasks:
  - key: first-step
    phase: contain
    title: What the team does first
    owner: incident_commander
    due: PT1H
    required: true
`

func (s *Server) renderPlans(w http.ResponseWriter, r *http.Request, status int, text string, problems []planProblem) {
	ps, err := s.plans.List(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := plansData{base: s.base(r, "Response plans", "plans"), Plans: ps, YAML: text, Problems: problems}
	if len(problems) > 0 {
		d.Error = fmt.Sprintf("The plan was not saved: %d %s below.", len(problems), plural(len(problems), "problem", "problems"))
	}
	s.render(w, r, status, "plans", d)
}

// createPlan serves POST /admin/plans: a new plan from YAML.
func (s *Server) createPlan(w http.ResponseWriter, r *http.Request) {
	if !s.plansOn(w, r) || !parseForm(w, r) {
		return
	}
	text := r.PostFormValue("yaml")
	v, _, err := s.putPlanYAML(r, "", text)
	if ps, ok := planProblems(err); ok {
		s.renderPlans(w, r, http.StatusUnprocessableEntity, text, ps)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/plans/"+v.Name+"?flash="+urlQuery(fmt.Sprintf("Saved %s, version %d.", v.Name, v.Version)), http.StatusSeeOther)
}

// planPage serves GET /admin/plans/{name}: the current version, or
// ?version=N.
func (s *Server) planPage(w http.ResponseWriter, r *http.Request) {
	if !s.plansOn(w, r) {
		return
	}
	version := 0
	if q := r.URL.Query().Get("version"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 {
			s.errorPage(w, r, http.StatusBadRequest, "A version is a number from 1.")
			return
		}
		version = n
	}
	s.renderPlan(w, r, http.StatusOK, r.PathValue("name"), version, "", nil)
}

func (s *Server) renderPlan(w http.ResponseWriter, r *http.Request, status int, name string, version int, text string, problems []planProblem) {
	ctx := r.Context()
	cur, err := s.plans.Get(ctx, name)
	// A version of a plan deleted since is still shown: incidents that
	// applied it link to it.
	deleted := false
	if e, ok := errs.As(err); ok && e.Code == errs.NotFound && version > 0 {
		deleted, err = true, nil
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	shown := cur
	if version > 0 && (deleted || version != cur.Version) {
		if shown, err = s.plans.Version(ctx, name, version); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	vs, err := s.plans.Versions(ctx, name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for i, j := 0, len(vs)-1; i < j; i, j = i+1, j-1 {
		vs[i], vs[j] = vs[j], vs[i]
	}
	if text == "" {
		b, err := shown.Plan.YAML()
		if err != nil {
			s.fail(w, r, err)
			return
		}
		text = string(b)
	}
	d := planData{base: s.base(r, shown.Title+" · Plans", "plans"), Plan: shown, Current: !deleted && shown.Version == cur.Version,
		Deleted: deleted, Versions: vs, YAML: text, Problems: problems}
	if len(problems) > 0 {
		d.Error = fmt.Sprintf("The plan was not saved: %d %s below.", len(problems), plural(len(problems), "problem", "problems"))
	}
	if shown.Description != "" {
		d.Description = markdown(shown.Description)
	}
	for _, ph := range plan.Phases {
		p := planPhase{Phase: ph}
		for _, t := range shown.Tasks {
			if t.Phase == ph {
				p.Tasks = append(p.Tasks, planTask{Task: t, Instructions: markdown(t.Instructions)})
			}
		}
		if len(p.Tasks) > 0 {
			d.Phases = append(d.Phases, p)
		}
	}
	s.render(w, r, status, "plan", d)
}

// savePlan serves POST /admin/plans/{name}: the edited YAML as the next
// version.
func (s *Server) savePlan(w http.ResponseWriter, r *http.Request) {
	if !s.plansOn(w, r) || !parseForm(w, r) {
		return
	}
	name, text := r.PathValue("name"), r.PostFormValue("yaml")
	v, changed, err := s.putPlanYAML(r, name, text)
	if ps, ok := planProblems(err); ok {
		// Shown again over the version it was edited from, which may
		// belong to a plan deleted since.
		from, _ := strconv.Atoi(r.PostFormValue("from"))
		s.renderPlan(w, r, http.StatusUnprocessableEntity, name, max(from, 0), text, ps)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	flash := fmt.Sprintf("Saved version %d.", v.Version)
	if !changed {
		flash = fmt.Sprintf("Nothing changed: version %d stays current.", v.Version)
	}
	http.Redirect(w, r, "/admin/plans/"+v.Name+"?flash="+urlQuery(flash), http.StatusSeeOther)
}

// putPlanYAML reads and puts a plan written as YAML; name, when set, is
// the name it must have.
func (s *Server) putPlanYAML(r *http.Request, name, text string) (plan.Versioned, bool, error) {
	p, err := plan.ParsePlan([]byte(text), s.plans.Roles)
	if err != nil {
		return plan.Versioned{}, false, err
	}
	if name != "" && p.Name != name {
		return plan.Versioned{}, false, errs.E(errs.Invalid, "name", "is %q; this page edits %q (to copy the plan under another name, add it on the plans page)", p.Name, name)
	}
	return s.plans.Put(r.Context(), userFrom(r).Username, p, plan.SourceAPI)
}

// deletePlan serves POST /admin/plans/{name}/delete.
func (s *Server) deletePlan(w http.ResponseWriter, r *http.Request) {
	if !s.plansOn(w, r) || !parseForm(w, r) {
		return
	}
	name := r.PathValue("name")
	if r.PostFormValue("confirm") != "yes" {
		s.renderPlan(w, r, http.StatusUnprocessableEntity, name, 0, "", []planProblem{{Where: "delete", Message: "tick the box to confirm the deletion"}})
		return
	}
	if err := s.plans.Delete(r.Context(), userFrom(r).Username, name); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/plans?flash="+urlQuery("Deleted "+name+"; incidents that applied it keep their tasks."), http.StatusSeeOther)
}

// planProblems lists the problems of an edited plan: those the parser
// placed in the text, or a check's fields; ok is false for other errors.
func planProblems(err error) ([]planProblem, bool) {
	var fps plan.FileProblems
	if errors.As(err, &fps) {
		out := make([]planProblem, len(fps))
		for i, p := range fps {
			where := p.Path
			if p.Line > 0 {
				where = strings.TrimSpace(fmt.Sprintf("%d:%d %s", p.Line, p.Column, p.Path))
			}
			out[i] = planProblem{Where: where, Message: p.Message}
		}
		return out, true
	}
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		return nil, false
	}
	ds := e.Details
	if len(ds) == 0 {
		ds = []errs.Detail{{Field: e.Field, Message: e.Message}}
	}
	out := make([]planProblem, len(ds))
	for i, d := range ds {
		out[i] = planProblem{Where: d.Field, Message: d.Message}
	}
	return out, true
}
