package incident

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/plan"
)

// Event types of response plans and their tasks.
const (
	// EvPlanActivated applies a response plan: its name, version, hash
	// and the tasks it added (those whose key no earlier plan had).
	EvPlanActivated = "plan.activated"
	// EvPlanDetached removes a plan's open tasks; done and skipped ones
	// stay as the record of what was done.
	EvPlanDetached = "plan.detached"
	// EvTaskAdded is a task a responder added by hand.
	EvTaskAdded = "task.added"
	// EvTaskUpdated changes a task: its state, assignee, due time, notes
	// or a checklist item.
	EvTaskUpdated = "task.updated"
)

// TaskState is where a task is.
type TaskState string

const (
	TaskTodo       TaskState = "todo"
	TaskInProgress TaskState = "in_progress"
	TaskBlocked    TaskState = "blocked"
	TaskDone       TaskState = "done"
	TaskSkipped    TaskState = "skipped"
)

// TaskStates lists every task state.
var TaskStates = []TaskState{TaskTodo, TaskInProgress, TaskBlocked, TaskDone, TaskSkipped}

// Valid reports whether s is a known task state.
func (s TaskState) Valid() bool { return slices.Contains(TaskStates, s) }

// Open reports whether a task in s still needs doing.
func (s TaskState) Open() bool { return s != TaskDone && s != TaskSkipped }

// AppliedPlan is a response plan applied to the incident, as it was then.
type AppliedPlan struct {
	Name      string    `json:"name"`
	Title     string    `json:"title"`
	Version   int       `json:"version"`
	Hash      string    `json:"hash"`
	AppliedAt time.Time `json:"applied_at"`
	AppliedBy string    `json:"applied_by"`
	// Roles are the incident roles the plan asks to be filled.
	Roles []Role `json:"roles,omitempty"`
	// Detached plans' open tasks were removed; their done ones stay.
	Detached bool `json:"detached,omitempty"`
}

// ChecklistItem is one line of a task's checklist.
type ChecklistItem struct {
	Text string `json:"text"`
	Done bool   `json:"done"`
}

// Task is one piece of the response work.
type Task struct {
	Key          string     `json:"key"`
	Plan         string     `json:"plan,omitempty"` // the plan it came from; empty: added by hand
	Phase        plan.Phase `json:"phase"`
	Title        string     `json:"title"`
	Instructions string     `json:"instructions,omitempty"`
	// Owner is the plan's owner: a role, team:NAME or user:NAME.
	Owner string `json:"owner,omitempty"`
	// Assignee is the person doing it: given by hand, or the holder of
	// the owner role (re-resolved when the role is handed over).
	Assignee string `json:"assignee,omitempty"`
	// AssignedBy is "hand" when a person chose the assignee, "plan" when
	// the plan named one; empty: the owner role's holder.
	AssignedBy  string          `json:"assigned_by,omitempty"`
	Required    bool            `json:"required"`
	Due         string          `json:"due,omitempty"` // the plan's offset, ISO 8601
	DueFrom     plan.DueFrom    `json:"due_from,omitempty"`
	DueAt       *time.Time      `json:"due_at"`
	State       TaskState       `json:"state"`
	Blocker     string          `json:"blocker,omitempty"` // what a blocked task waits for
	SkipReason  string          `json:"skip_reason,omitempty"`
	Notes       string          `json:"notes,omitempty"`
	Checklist   []ChecklistItem `json:"checklist"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	CompletedAt *time.Time      `json:"completed_at,omitempty"`
	CompletedBy string          `json:"completed_by,omitempty"`
}

// Overdue reports whether the task is open and past its due time.
func (t *Task) Overdue(now time.Time) bool {
	return t.State.Open() && t.DueAt != nil && now.After(*t.DueAt)
}

// OwnerTitle names the owner for people: "Incident Commander", "team
// network", "alice".
func (t *Task) OwnerTitle() string {
	kind, name, ok := strings.Cut(t.Owner, ":")
	switch {
	case t.Owner == "":
		return IRLead.Title()
	case !ok:
		return Role(t.Owner).Title()
	case kind == "team":
		return "team " + name
	}
	return name
}

// Task finds a task by key.
func (inc *Incident) Task(key string) (*Task, bool) {
	for i := range inc.Tasks {
		if inc.Tasks[i].Key == key {
			return &inc.Tasks[i], true
		}
	}
	return nil, false
}

// AppliedPlan finds a plan applied and not detached.
func (inc *Incident) AppliedPlan(name string) (*AppliedPlan, bool) {
	for i := range inc.Plans {
		if inc.Plans[i].Name == name && !inc.Plans[i].Detached {
			return &inc.Plans[i], true
		}
	}
	return nil, false
}

// PhaseStart is the state whose start a phase's due offsets count from.
func PhaseStart(p plan.Phase) State {
	switch p {
	case plan.Assess:
		return Triage
	case plan.Eradicate:
		return Contained
	case plan.Recover:
		return Eradicated
	case plan.PostIncident:
		return Recovered
	}
	return Active // contain, communicate
}

// GatedBy names the state a phase's required tasks gate: the incident
// cannot enter it while one is open.
func GatedBy(p plan.Phase) State {
	switch p {
	case plan.Assess, plan.Contain:
		return Contained
	case plan.Eradicate:
		return Eradicated
	case plan.Recover:
		return Recovered
	}
	return Closed // communicate, post_incident
}

// PlanActivatedData is the payload of EvPlanActivated.
type PlanActivatedData struct {
	Plan    string      `json:"plan"`
	Title   string      `json:"title"`
	Version int         `json:"version"`
	Hash    string      `json:"hash"`
	Tasks   []plan.Task `json:"tasks"`
	Roles   []Role      `json:"roles,omitempty"` // the roles the plan asks for
	// Merged are the plan's task keys an earlier plan already had: the
	// earlier task stands for both.
	Merged []string `json:"merged,omitempty"`
	// Auto: activated because the incident left triage matching it.
	Auto bool `json:"auto,omitempty"`
}

// PlanDetachedData is the payload of EvPlanDetached.
type PlanDetachedData struct {
	Plan    string   `json:"plan"`
	Reason  string   `json:"reason,omitempty"`
	Removed []string `json:"removed"` // open tasks taken away
}

// TaskAddedData is the payload of EvTaskAdded.
type TaskAddedData struct {
	Task     plan.Task  `json:"task"`
	Assignee string     `json:"assignee,omitempty"`
	DueAt    *time.Time `json:"due_at,omitempty"`
}

// TaskUpdatedData is the payload of EvTaskUpdated: the fields set.
type TaskUpdatedData struct {
	Key      string     `json:"key"`
	State    *TaskState `json:"state,omitempty"`
	Assignee *string    `json:"assignee,omitempty"` // "" gives it back to its owner
	DueAt    *time.Time `json:"due_at,omitempty"`
	ClearDue bool       `json:"clear_due,omitempty"`
	Blocker  *string    `json:"blocker,omitempty"`
	Reason   *string    `json:"reason,omitempty"` // a skip's
	Notes    *string    `json:"notes,omitempty"`
	Check    *CheckData `json:"check,omitempty"`
}

// CheckData ticks one checklist item.
type CheckData struct {
	Index int  `json:"index"`
	Done  bool `json:"done"`
}

// applyPlanActivated adds the plan's tasks; due times count from the event
// or from the start of the task's phase, when it has started.
func (inc *Incident) applyPlanActivated(d PlanActivatedData, actor string, at time.Time) {
	inc.Plans = append(inc.Plans, AppliedPlan{Name: d.Plan, Title: d.Title, Version: d.Version, Hash: d.Hash, AppliedAt: at, AppliedBy: actor, Roles: d.Roles})
	for _, pt := range d.Tasks {
		t := Task{
			Key: pt.Key, Plan: d.Plan, Phase: pt.Phase, Title: pt.Title, Instructions: pt.Instructions,
			Owner: pt.Owner, Required: pt.Required, Due: pt.Due, DueFrom: pt.DueFrom,
			State: TaskTodo, CreatedAt: at, UpdatedAt: at, Checklist: []ChecklistItem{},
		}
		for _, c := range pt.Checklist {
			t.Checklist = append(t.Checklist, ChecklistItem{Text: c})
		}
		t.DueAt = inc.dueOf(&t, at)
		inc.Tasks = append(inc.Tasks, t)
	}
	inc.resolveOwners()
}

// dueOf computes a plan task's due time, nil while its phase has not
// started or when it has no offset.
func (inc *Incident) dueOf(t *Task, activated time.Time) *time.Time {
	if t.Due == "" {
		return nil
	}
	d, err := plan.ParseDue(t.Due)
	if err != nil {
		return nil // checked when the plan was put; an old one stays undated
	}
	base := activated
	if t.DueFrom == plan.FromPhase {
		start, ok := inc.Phases[PhaseStart(t.Phase)]
		if !ok {
			return nil
		}
		// A plan applied after its phase began counts from its activation,
		// never handing out a task already overdue.
		if start.After(activated) {
			base = start
		}
	}
	due := base.Add(d)
	return &due
}

// startPhases dates the tasks that count from a phase the incident has
// just entered.
func (inc *Incident) startPhases(to State, at time.Time) {
	for i := range inc.Tasks {
		t := &inc.Tasks[i]
		if t.DueAt == nil && t.Due != "" && t.DueFrom == plan.FromPhase && PhaseStart(t.Phase) == to && t.State.Open() {
			if d, err := plan.ParseDue(t.Due); err == nil {
				due := at.Add(d)
				t.DueAt = &due
			}
		}
	}
}

// resolveOwners gives each task not assigned by hand to whoever holds its
// owner role now: a handoff moves the work with the role.
func (inc *Incident) resolveOwners() {
	for i := range inc.Tasks {
		t := &inc.Tasks[i]
		if t.AssignedBy == "hand" {
			continue
		}
		if user, ok := strings.CutPrefix(t.Owner, "user:"); ok {
			t.Assignee, t.AssignedBy = user, "plan"
			continue
		}
		if strings.HasPrefix(t.Owner, "team:") {
			continue // a team's task waits for someone to take it
		}
		role := IRLead
		if t.Owner != "" {
			role = Role(t.Owner)
		}
		t.Assignee = ""
		if h := inc.Holders(role); len(h) > 0 {
			t.Assignee = h[0]
		}
	}
}

func (inc *Incident) applyTaskUpdated(d TaskUpdatedData, actor string, at time.Time) error {
	t, ok := inc.Task(d.Key)
	if !ok {
		return fmt.Errorf("no task %q", d.Key)
	}
	if d.State != nil {
		t.State = *d.State
		t.CompletedAt, t.CompletedBy = nil, ""
		if !t.State.Open() {
			t.CompletedAt, t.CompletedBy = &at, actor
		}
		if t.State != TaskBlocked {
			t.Blocker = ""
		}
		if t.State != TaskSkipped {
			t.SkipReason = ""
		}
	}
	setIf(&t.Blocker, d.Blocker)
	setIf(&t.SkipReason, d.Reason)
	setIf(&t.Notes, d.Notes)
	if d.Assignee != nil {
		t.Assignee, t.AssignedBy = *d.Assignee, "hand"
		if *d.Assignee == "" {
			t.AssignedBy = ""
			inc.resolveOwners()
		}
	}
	if d.DueAt != nil {
		due := *d.DueAt
		t.DueAt = &due
	}
	if d.ClearDue {
		t.DueAt = nil
	}
	if c := d.Check; c != nil {
		if c.Index < 0 || c.Index >= len(t.Checklist) {
			return fmt.Errorf("task %q has no checklist item %d", d.Key, c.Index)
		}
		t.Checklist = slices.Clone(t.Checklist)
		t.Checklist[c.Index].Done = c.Done
	}
	t.UpdatedAt = at
	return nil
}

// openGated lists the required tasks that keep the incident out of to.
func (inc *Incident) openGated(to State) []Task {
	var out []Task
	for _, t := range inc.Tasks {
		if t.Required && t.State.Open() && GatedBy(t.Phase) == to {
			out = append(out, t)
		}
	}
	return out
}

// gateRules adds one problem per required task that keeps inc out of to.
func gateRules(v *validator, inc *Incident, to State) {
	open := inc.openGated(to)
	slices.SortStableFunc(open, func(a, b Task) int {
		return cmp.Compare(slices.Index(plan.Phases, a.Phase), slices.Index(plan.Phases, b.Phase))
	})
	for _, t := range open {
		who := ""
		if t.Assignee != "" {
			who = ", assigned to " + t.Assignee
		}
		v.add("tasks."+t.Key, "required %s task %q is %s%s: mark it done, or skip it with a reason, before %s",
			strings.ToLower(t.Phase.Title()), t.Title, strings.ReplaceAll(string(t.State), "_", " "), who, to)
	}
}

// NextDue is the open task due soonest, nil when none has a due time.
func (inc *Incident) NextDue() *Task {
	var best *Task
	for i := range inc.Tasks {
		t := &inc.Tasks[i]
		if t.State.Open() && t.DueAt != nil && (best == nil || t.DueAt.Before(*best.DueAt)) {
			best = t
		}
	}
	return best
}

// PhaseProgress is one phase's tasks done (or skipped) of all.
type PhaseProgress struct {
	Phase    plan.Phase `json:"phase"`
	Done     int        `json:"done"`
	Total    int        `json:"total"`
	Required int        `json:"required_open"` // required tasks still open
	Overdue  int        `json:"overdue"`
}

// Progress counts tasks per phase, in phase order; phases without tasks
// are left out.
func (inc *Incident) Progress(now time.Time) []PhaseProgress {
	var out []PhaseProgress
	for _, ph := range plan.Phases {
		pp := PhaseProgress{Phase: ph}
		for i := range inc.Tasks {
			t := &inc.Tasks[i]
			if t.Phase != ph {
				continue
			}
			pp.Total++
			if !t.State.Open() {
				pp.Done++
			} else if t.Required {
				pp.Required++
			}
			if t.Overdue(now) {
				pp.Overdue++
			}
		}
		if pp.Total > 0 {
			out = append(out, pp)
		}
	}
	return out
}
