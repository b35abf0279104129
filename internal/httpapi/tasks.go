package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

// SuggestedPlan is a plan that matches the incident as it is now and is
// not applied: one to offer after a change of type or severity.
type SuggestedPlan struct {
	Name    string `json:"name"`
	Title   string `json:"title"`
	Version int    `json:"version"`
	Tasks   int    `json:"tasks" doc:"How many tasks the plan has."`
}

// IncidentTasks is an incident's response work.
type IncidentTasks struct {
	Ref      string                   `json:"ref"`
	Version  int64                    `json:"version"`
	State    incident.State           `json:"state"`
	Tasks    []incident.Task          `json:"tasks"`
	Progress []incident.PhaseProgress `json:"progress" doc:"Per phase with tasks, in phase order: done (or skipped) of total, required still open, overdue."`
	Plans    []incident.AppliedPlan   `json:"plans" doc:"Plans applied, detached ones included (their done tasks stay)."`
	// Suggested are current plans that match and are not applied.
	Suggested []SuggestedPlan `json:"suggested_plans"`
}

// IncidentTasksOutput is an incident's tasks, with its version as an ETag.
type IncidentTasksOutput struct {
	ETag string `header:"ETag"`
	Body IncidentTasks
}

// TaskBody adds a task by hand.
type TaskBody struct {
	Title        string     `json:"title" minLength:"1" maxLength:"200"`
	Phase        string     `json:"phase,omitempty" enum:"assess,contain,eradicate,recover,communicate,post_incident" doc:"Defaults to contain."`
	Instructions string     `json:"instructions,omitempty" maxLength:"20000" doc:"Markdown."`
	Assignee     string     `json:"assignee,omitempty" maxLength:"63" doc:"An active user; empty: the IR Lead's."`
	DueAt        *time.Time `json:"due_at,omitempty"`
	Required     bool       `json:"required,omitempty" doc:"Gates its phase: the incident cannot move past it while the task is open."`
	Checklist    []string   `json:"checklist,omitempty" maxItems:"50"`
}

// CheckBody ticks or unticks one checklist item.
type CheckBody struct {
	Index int  `json:"index" minimum:"0" doc:"The item, from 0."`
	Done  bool `json:"done"`
}

// TaskPatchBody changes a task; fields left out keep their value.
type TaskPatchBody struct {
	State    *string    `json:"state,omitempty" enum:"todo,in_progress,blocked,done,skipped" doc:"blocked needs blocker; skipped needs reason."`
	Assignee *string    `json:"assignee,omitempty" maxLength:"63" doc:"An active user; empty gives the task back to its owner role's holder."`
	DueAt    *time.Time `json:"due_at,omitempty"`
	ClearDue bool       `json:"clear_due,omitempty" doc:"Removes the due time."`
	Blocker  *string    `json:"blocker,omitempty" maxLength:"20000" doc:"What a blocked task waits for."`
	Reason   *string    `json:"reason,omitempty" maxLength:"20000" doc:"Why the task is skipped."`
	Notes    *string    `json:"notes,omitempty" maxLength:"65536"`
	Check    *CheckBody `json:"check,omitempty"`
}

// ApplyPlanBody applies a plan by hand.
type ApplyPlanBody struct {
	Plan string `json:"plan" minLength:"1" maxLength:"100" doc:"The plan's name."`
}

// AssessBody is an impact assessment.
type AssessBody struct {
	Answers  map[string]string `json:"answers" doc:"Every dimension's key → one of its option values (GET /api/v1/assessment)."`
	Severity string            `json:"severity,omitempty" maxLength:"32" doc:"The level chosen; empty takes the suggestion."`
	Reason   string            `json:"reason,omitempty" maxLength:"20000" doc:"Needed when the level chosen is not the suggestion."`
}

// AssessmentFormOutput is the impact assessment form.
type AssessmentFormOutput struct {
	Body incident.Impact
}

// TasksInput filters GET /tasks.
type TasksInput struct {
	Assignee  string `query:"assignee" maxLength:"63" doc:"me for the caller; a username; empty for everyone's."`
	State     string `query:"state" enum:"open,all" default:"open" doc:"open leaves out done and skipped tasks."`
	Overdue   bool   `query:"overdue" doc:"Only open tasks past their due time."`
	Incidents string `query:"incidents" enum:"open,all" default:"open" doc:"open leaves out tasks of closed, dismissed and merged incidents."`
	Limit     int    `query:"limit" minimum:"1" maximum:"500" default:"500"`
}

// TasksOutput is tasks across incidents.
type TasksOutput struct {
	Body struct {
		Items []incident.TaskRow `json:"items"`
	}
}

func (s *Server) registerTasks(api huma.API, tags []string) {
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-incident-tasks", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/tasks", Tags: tags,
		Summary:     "List an incident's tasks",
		Description: "The tasks, the progress per phase, the plans applied and the plans that match and are not applied (suggested_plans: nothing is applied by itself).",
	}), s.listIncidentTasks)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "add-task", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/tasks", Tags: tags,
		Summary: "Add a task by hand", DefaultStatus: http.StatusCreated,
		Description: "Its key is own-N (the last task of the answer). Answers the incident; If-Match applies the change only to that version.",
	}), s.addTask)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "update-task", Method: http.MethodPatch, Path: "/api/v1/incidents/{ref}/tasks/{key}", Tags: tags,
		Summary:     "Change a task",
		Description: "State, assignee, due time, blocker, skip reason, notes or one checklist item. Skipping needs a reason (422, reason), blocking what the task waits for (422, blocker). Answers the incident; If-Match applies the change only to that version.",
	}), s.updateTask)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "apply-plan", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/plans", Tags: tags,
		Summary: "Apply a response plan by hand", DefaultStatus: http.StatusOK,
		Description: "Adds the plan's current version's tasks; a task whose key the incident already has is merged into it. 409 when the plan is already applied.",
	}), s.applyPlan)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "detach-plan", Method: http.MethodDelete, Path: "/api/v1/incidents/{ref}/plans/{name}", Tags: tags,
		Summary:     "Detach a response plan",
		Description: "Removes the plan's open tasks; its done and skipped ones stay as the record.",
	}), s.detachPlan)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-assessment-form", Method: http.MethodGet, Path: "/api/v1/assessment", Tags: []string{"Configuration"},
		Summary:     "Read the impact assessment form",
		Description: "Its dimensions, each option with the severity it suggests at least, and rules for combinations: the suggestion is the most severe of them.",
	}), s.getAssessmentForm)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "assess-incident", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/assessment", Tags: tags,
		Summary: "Assess the potential impact", DefaultStatus: http.StatusOK,
		Description: "Every dimension answered (422, answers.<key>). The answers suggest a severity; choosing another needs a reason (422, reason). A chosen level other than the incident's changes its severity. Answers the incident with its assessment (suggested, why).",
	}), s.assessIncident)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-tasks", Method: http.MethodGet, Path: "/api/v1/tasks", Tags: tags,
		Summary:     "List tasks across incidents",
		Description: "Due soonest first, undated last; only of incidents the caller may see (a task of a restricted incident is shown to its participants, its declarer and admins only, even to its assignee).",
	}), s.listTasks)
}

// listIncidentTasks serves GET /api/v1/incidents/{ref}/tasks: list an incident's tasks.
func (s *Server) listIncidentTasks(ctx context.Context, in *RefParam) (*IncidentTasksOutput, error) {
	inc, err := s.incidents.Get(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	sugg, err := s.incidents.SuggestedPlans(ctx, &inc)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	b := IncidentTasks{Ref: inc.Ref, Version: inc.Version, State: inc.State, Tasks: inc.Tasks,
		Progress: s.incidents.Progress(&inc), Plans: inc.Plans, Suggested: make([]SuggestedPlan, 0, len(sugg))}
	if b.Tasks == nil {
		b.Tasks = []incident.Task{}
	}
	if b.Progress == nil {
		b.Progress = []incident.PhaseProgress{}
	}
	if b.Plans == nil {
		b.Plans = []incident.AppliedPlan{}
	}
	for _, p := range sugg {
		b.Suggested = append(b.Suggested, SuggestedPlan{Name: p.Name, Title: p.Title, Version: p.Version, Tasks: len(p.Tasks)})
	}
	return &IncidentTasksOutput{ETag: etag(inc.Version), Body: b}, nil
}

// addTaskInput is what add-task takes.
type addTaskInput struct {
	RefParam
	IfMatch
	Body TaskBody
}

// addTask serves POST /api/v1/incidents/{ref}/tasks: add a task by hand.
func (s *Server) addTask(ctx context.Context, in *addTaskInput) (*IncidentOutput, error) {
	c, err := s.command(ctx, in.Ref, in.IfMatch)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	b := in.Body
	inc, err := s.incidents.AddTask(ctx, c, incident.TaskInput{Title: b.Title, Phase: plan.Phase(b.Phase), Instructions: b.Instructions,
		Assignee: b.Assignee, DueAt: b.DueAt, Required: b.Required, Checklist: b.Checklist})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return incidentOut(inc), nil
}

// updateTaskInput is what update-task takes.
type updateTaskInput struct {
	RefParam
	IfMatch
	Key  string `path:"key" maxLength:"100" doc:"The task's key."`
	Body TaskPatchBody
}

// updateTask serves PATCH /api/v1/incidents/{ref}/tasks/{key}: change a task.
func (s *Server) updateTask(ctx context.Context, in *updateTaskInput) (*IncidentOutput, error) {
	c, err := s.command(ctx, in.Ref, in.IfMatch)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	b := in.Body
	u := incident.TaskUpdate{Assignee: b.Assignee, DueAt: b.DueAt, ClearDue: b.ClearDue, Blocker: b.Blocker, Reason: b.Reason, Notes: b.Notes}
	if b.State != nil {
		st := incident.TaskState(*b.State)
		u.State = &st
	}
	if b.Check != nil {
		u.Check = &incident.CheckData{Index: b.Check.Index, Done: b.Check.Done}
	}
	inc, err := s.incidents.UpdateTask(ctx, c, in.Key, u)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return incidentOut(inc), nil
}

// applyPlanInput is what apply-plan takes.
type applyPlanInput struct {
	RefParam
	IfMatch
	Body ApplyPlanBody
}

// applyPlan serves POST /api/v1/incidents/{ref}/plans: apply a response plan by hand.
func (s *Server) applyPlan(ctx context.Context, in *applyPlanInput) (*IncidentOutput, error) {
	c, err := s.command(ctx, in.Ref, in.IfMatch)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	inc, err := s.incidents.ApplyPlan(ctx, c, in.Body.Plan)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return incidentOut(inc), nil
}

// detachPlanInput is what detach-plan takes.
type detachPlanInput struct {
	RefParam
	IfMatch
	Name   string `path:"name" maxLength:"100" doc:"The plan's name."`
	Reason string `query:"reason" maxLength:"20000" required:"true" doc:"Why, for the record (422, reason, when missing)."`
}

// detachPlan serves DELETE /api/v1/incidents/{ref}/plans/{name}: detach a response plan.
func (s *Server) detachPlan(ctx context.Context, in *detachPlanInput) (*IncidentOutput, error) {
	c, err := s.command(ctx, in.Ref, in.IfMatch)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	inc, err := s.incidents.DetachPlan(ctx, c, in.Name, in.Reason)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return incidentOut(inc), nil
}

// getAssessmentForm serves GET /api/v1/assessment: read the impact assessment form.
func (s *Server) getAssessmentForm(ctx context.Context, _ *struct{}) (*AssessmentFormOutput, error) {
	return &AssessmentFormOutput{Body: s.incidents.Policy().ImpactForm()}, nil
}

// assessIncidentInput is what assess-incident takes.
type assessIncidentInput struct {
	RefParam
	IfMatch
	Body AssessBody
}

// assessIncident serves POST /api/v1/incidents/{ref}/assessment: assess the potential impact.
func (s *Server) assessIncident(ctx context.Context, in *assessIncidentInput) (*IncidentOutput, error) {
	c, err := s.command(ctx, in.Ref, in.IfMatch)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	b := in.Body
	inc, err := s.incidents.Assess(ctx, c, incident.AssessInput{Answers: b.Answers, Severity: b.Severity, Reason: b.Reason})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return incidentOut(inc), nil
}

// listTasks serves GET /api/v1/tasks: list tasks across incidents.
func (s *Server) listTasks(ctx context.Context, in *TasksInput) (*TasksOutput, error) {
	v := viewer(ctx)
	f := incident.TaskFilter{Assignee: in.Assignee, All: in.State == "all", Overdue: in.Overdue, ClosedIncidents: in.Incidents == "all", Limit: in.Limit}
	if f.Assignee == "me" {
		f.Assignee = v.User
	}
	rows, err := s.incidents.Tasks(ctx, v, f)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &TasksOutput{}
	out.Body.Items = rows
	return out, nil
}
