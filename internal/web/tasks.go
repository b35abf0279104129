package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

// The incident's response work: tasks grouped by phase, each with its
// owner, due time, instructions, checklist and plain HTML forms (start,
// done, block, skip, reopen, assign, tick), adding a task, and applying or
// detaching a response plan. Every change redirects back to the Tasks
// section with a flash code; a refused one shows the section again with
// the error next to its field and what was typed.

// registerTasks adds the task and plan actions.
func (s *Server) registerTasks(page func(string, http.HandlerFunc, auth.Role)) {
	page("POST /incidents/{ref}/tasks", s.addTask, auth.Responder)
	page("POST /incidents/{ref}/tasks/{key}", s.updateTask, auth.Responder)
	page("POST /incidents/{ref}/plans", s.applyPlan, auth.Responder)
	page("POST /incidents/{ref}/plans/{name}/detach", s.detachPlan, auth.Responder)
	page("GET /my/tasks", s.myTasksPage, auth.Viewer)
}

// tasksPanel is the Tasks section and the overview's plan progress.
type tasksPanel struct {
	Ref      string
	Version  int64
	CanAct   bool // a responder, on an incident still worked on
	Now      time.Time
	Phases   []taskPhase
	Plans    []incident.AppliedPlan
	Offered  []plan.Versioned // matching plans not applied
	OfferErr string           // the plans could not be matched
	Users    []auth.User
	AllPhase []plan.Phase
	Total    int
	Done     int
	Overdue  int
	Form     taskForm
}

// taskPhase is one phase's tasks and how far along it is.
type taskPhase struct {
	Phase    plan.Phase
	Title    string
	Done     int
	Total    int
	Overdue  int
	Required int    // required tasks still open
	InPhase  string // time in the phase so far ("" before it starts)
	Started  bool
	Tasks    []taskView
}

// taskView is one task as the page shows it.
type taskView struct {
	incident.Task
	Owner        string
	DueIn        string // "in 25m", "12m overdue"
	Late         bool
	Instructions template.HTML
}

// taskForm is the failed form: which one, what was typed and what was
// wrong with which field.
type taskForm struct {
	Key    string // the task's key; "new" for adding, "plan" for plans
	Action string
	Values map[string]string
	Errs   map[string]string // by field
}

// Err is the problem of one of the failed form's fields.
func (f taskForm) Err(key, field string) string {
	if f.Key != key {
		return ""
	}
	return f.Errs[field]
}

// Val is what was typed in one of the failed form's fields.
func (f taskForm) Val(key, field string) string {
	if f.Key != key {
		return ""
	}
	return f.Values[field]
}

// Failed reports whether form key (with action, when given) failed.
func (f taskForm) Failed(key, action string) bool {
	return f.Key == key && (action == "" || f.Action == action)
}

func (s *Server) tasksPanelFor(ctx context.Context, inc incident.Incident, canAct bool, users []auth.User) *tasksPanel {
	now := s.now()
	p := &tasksPanel{Ref: inc.Ref, Version: inc.Version, CanAct: canAct && inc.State.Open(), Now: now, Plans: inc.Plans, Users: users, AllPhase: plan.Phases}
	for _, ph := range plan.Phases {
		tp := taskPhase{Phase: ph, Title: ph.Title()}
		if start, ok := inc.Phases[incident.PhaseStart(ph)]; ok {
			end := now
			if gate, ok := inc.Phases[phaseEnd(ph)]; ok && !gate.Before(start) {
				end = gate
			}
			tp.Started, tp.InPhase = true, span(end.Sub(start))
		}
		for _, t := range inc.Tasks {
			if t.Phase != ph {
				continue
			}
			v := taskView{Task: t, Owner: t.OwnerTitle(), Late: t.Overdue(now)}
			if t.Instructions != "" {
				v.Instructions = markdown(t.Instructions)
			}
			if t.DueAt != nil && t.State.Open() {
				if v.Late {
					v.DueIn = span(now.Sub(*t.DueAt)) + " overdue"
				} else {
					v.DueIn = "in " + span(t.DueAt.Sub(now))
				}
			}
			tp.Tasks = append(tp.Tasks, v)
			tp.Total++
			switch {
			case !t.State.Open():
				tp.Done++
			case t.Required:
				tp.Required++
			}
			if v.Late {
				tp.Overdue++
			}
		}
		if tp.Total == 0 {
			continue
		}
		p.Total, p.Done, p.Overdue = p.Total+tp.Total, p.Done+tp.Done, p.Overdue+tp.Overdue
		p.Phases = append(p.Phases, tp)
	}
	if p.CanAct {
		offered, err := s.incidents.SuggestedPlans(ctx, &inc)
		if err != nil {
			s.log.WarnContext(ctx, "web: matching plans", "incident", inc.Ref, "err", err)
			p.OfferErr = "The response plans could not be matched just now."
		}
		p.Offered = offered
	}
	return p
}

var taskStateNames = map[incident.TaskState]string{
	incident.TaskTodo: "To do", incident.TaskInProgress: "In progress", incident.TaskBlocked: "Blocked",
	incident.TaskDone: "Done", incident.TaskSkipped: "Skipped",
}

// phaseEnd is the state that ends a plan phase's time: assessing ends on
// leaving triage, though its required tasks gate containment.
func phaseEnd(ph plan.Phase) incident.State {
	if ph == plan.Assess {
		return incident.Active
	}
	return incident.GatedBy(ph)
}

// gateList is the open required tasks that keep an incident out of To.
type gateList struct {
	Ref   string
	To    incident.State
	Tasks []incident.Task
}

// gatedTasks are the required tasks still open that keep inc out of to:
// listed under a disabled move button.
func gatedTasks(inc incident.Incident, to incident.State) gateList {
	g := gateList{Ref: inc.Ref, To: to}
	for _, ph := range plan.Phases {
		for _, t := range inc.Tasks {
			if t.Phase == ph && t.Required && t.State.Open() && incident.GatedBy(t.Phase) == to {
				g.Tasks = append(g.Tasks, t)
			}
		}
	}
	return g
}

// tasksURL is the Tasks section of an incident, with a flash code and an
// anchor.
func tasksURL(ref string, c flashCode, anchor string) string {
	u := withFlash("/incidents/"+url.PathEscape(ref)+"/tasks", c)
	if anchor != "" {
		u += "#" + anchor
	}
	return u
}

// taskAnchor is the id of a task's element on the page.
func taskAnchor(key string) string { return "task-" + key }

// tasksFailed shows the Tasks section again with what went wrong, next to
// its field, and what was typed.
func (s *Server) tasksFailed(w http.ResponseWriter, r *http.Request, err error, f taskForm) {
	status := codeOf(err)
	if status == 0 {
		s.fail(w, r, err)
		return
	}
	d, ok := s.loadIncident(w, r, incidentForm{})
	if !ok {
		return
	}
	s.showTasksSection(&d)
	f.Errs = fieldErrs(err)
	if d.Tasks != nil {
		d.Tasks.Form = f
	}
	d.Error = "Not saved: " + message(err)
	if e, ok := errs.As(err); ok && e.Code == errs.Conflict && e.Field != "version" {
		// Not a stale page but a state that says no (a plan applied twice).
		d.Error = "Not saved: " + e.Message
	} else if status == http.StatusConflict {
		d.Stale = "/incidents/" + url.PathEscape(d.Inc.Ref) + "/tasks"
	}
	s.render(w, r, status, "incident", d)
}

// fieldErrs is an error's problems by field ("" for none named).
func fieldErrs(err error) map[string]string {
	out := map[string]string{}
	e, ok := errs.As(err)
	if !ok {
		out[""] = message(err)
		return out
	}
	if len(e.Details) == 0 {
		out[e.Field] = e.Message
	}
	for _, d := range e.Details {
		if out[d.Field] != "" {
			out[d.Field] += "; " + d.Message
			continue
		}
		out[d.Field] = d.Message
	}
	return out
}

func (s *Server) addTask(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := taskForm{Key: "new", Action: "add", Values: map[string]string{}}
	for _, k := range []string{"title", "phase", "instructions", "assignee", "due_at", "checklist", "required"} {
		f.Values[k] = r.PostFormValue(k)
	}
	in := incident.TaskInput{Title: f.Values["title"], Phase: plan.Phase(f.Values["phase"]), Instructions: f.Values["instructions"],
		Assignee: f.Values["assignee"], Required: f.Values["required"] == "yes"}
	for _, line := range strings.Split(f.Values["checklist"], "\n") {
		if line = strings.TrimSpace(line); line != "" {
			in.Checklist = append(in.Checklist, line)
		}
	}
	due, err := parseLocalTime(f.Values["due_at"], r.PostFormValue("tz_offset"))
	if err != nil {
		s.tasksFailed(w, r, invalid("due_at", "%s", err.Error()), f)
		return
	}
	in.DueAt = due
	inc, err := s.incidents.AddTask(r.Context(), s.command(r), in)
	if err != nil {
		s.tasksFailed(w, r, err, f)
		return
	}
	anchor := "tasks"
	if n := len(inc.Tasks); n > 0 {
		anchor = taskAnchor(inc.Tasks[n-1].Key)
	}
	http.Redirect(w, r, tasksURL(inc.Ref, flashTaskAdded, anchor), http.StatusSeeOther)
}

// taskActions are the task form's buttons: the change each makes and its
// flash.
var taskActions = map[string]flashCode{
	"start": flashTaskStarted, "done": flashTaskDone, "block": flashTaskBlocked, "skip": flashTaskSkipped,
	"reopen": flashTaskReopened, "assign": flashTaskAssigned, "tick": flashTaskTicked, "notes": flashTaskNotes,
	"due": flashTaskDue,
}

func (s *Server) updateTask(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	key, action := r.PathValue("key"), r.PostFormValue("action")
	f := taskForm{Key: key, Action: action, Values: map[string]string{}}
	for _, k := range []string{"blocker", "reason", "assignee", "notes", "due_at"} {
		f.Values[k] = r.PostFormValue(k)
	}
	code, ok := taskActions[action]
	if !ok {
		s.tasksFailed(w, r, invalid("action", "unknown task action %q", action), f)
		return
	}
	var in incident.TaskUpdate
	state := func(st incident.TaskState) { in.State = &st }
	text := func(k string) *string { v := f.Values[k]; return &v }
	switch action {
	case "start":
		state(incident.TaskInProgress)
	case "done":
		state(incident.TaskDone)
	case "block":
		state(incident.TaskBlocked)
		in.Blocker = text("blocker")
	case "skip":
		state(incident.TaskSkipped)
		in.Reason = text("reason")
	case "reopen":
		state(incident.TaskTodo)
	case "assign":
		in.Assignee = text("assignee")
	case "notes":
		in.Notes = text("notes")
	case "due":
		if r.PostFormValue("clear_due") != "" {
			in.ClearDue = true
			break
		}
		due, err := parseLocalTime(f.Values["due_at"], r.PostFormValue("tz_offset"))
		switch {
		case err != nil:
			err = invalid("due_at", "%s", err.Error())
		case due == nil:
			err = invalid("due_at", "give a due time, or tick “No due time”")
		}
		if err != nil {
			s.tasksFailed(w, r, err, f)
			return
		}
		in.DueAt = due
	case "tick":
		i, err := strconv.Atoi(r.PostFormValue("item"))
		if err != nil {
			s.tasksFailed(w, r, invalid("check.index", "%q is not a checklist item", r.PostFormValue("item")), f)
			return
		}
		in.Check = &incident.CheckData{Index: i, Done: r.PostFormValue("done") == "yes"}
	}
	if _, err := s.incidents.UpdateTask(r.Context(), s.command(r), key, in); err != nil {
		s.tasksFailed(w, r, err, f)
		return
	}
	http.Redirect(w, r, tasksURL(r.PathValue("ref"), code, taskAnchor(key)), http.StatusSeeOther)
}

func (s *Server) applyPlan(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	name := r.PostFormValue("plan")
	f := taskForm{Key: "plan", Action: "apply", Values: map[string]string{"plan": name}}
	if _, err := s.incidents.ApplyPlan(r.Context(), s.command(r), name); err != nil {
		s.tasksFailed(w, r, err, f)
		return
	}
	http.Redirect(w, r, tasksURL(r.PathValue("ref"), flashPlanApplied, "plans"), http.StatusSeeOther)
}

func (s *Server) detachPlan(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	name := r.PathValue("name")
	f := taskForm{Key: "plan:" + name, Action: "detach", Values: map[string]string{"reason": r.PostFormValue("reason")}}
	// The console asks why, so the timeline says why the work went away.
	if strings.TrimSpace(f.Values["reason"]) == "" {
		s.tasksFailed(w, r, invalid("reason", "detaching a plan needs a reason"), f)
		return
	}
	if _, err := s.incidents.DetachPlan(r.Context(), s.command(r), name, f.Values["reason"]); err != nil {
		s.tasksFailed(w, r, err, f)
		return
	}
	http.Redirect(w, r, tasksURL(r.PathValue("ref"), flashPlanDetached, "plans"), http.StatusSeeOther)
}

// nextTaskDue is the open task due soonest, for the header's clock.
func nextTaskDue(inc *incident.Incident) (*time.Time, string) {
	t := inc.NextDue()
	if t == nil {
		return nil, ""
	}
	due := *t.DueAt
	return &due, t.Title
}

// showTasksSection makes d the Tasks section of the incident page.
func (s *Server) showTasksSection(d *incidentData) { d.setSection(secTasks) }
