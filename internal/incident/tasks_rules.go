package incident

import (
	"fmt"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

// ActivatePlans decides applying plans, most specific first: each task
// whose key an applied plan (or one earlier in plans) already has is
// merged into that one. A plan already applied is left alone.
func (p *Policy) ActivatePlans(inc *Incident, plans []plan.Versioned, auto bool) []Change {
	have := map[string]bool{}
	for _, t := range inc.Tasks {
		have[t.Key] = true
	}
	var out []Change
	for _, pl := range plans {
		if _, ok := inc.AppliedPlan(pl.Name); ok {
			continue
		}
		d := PlanActivatedData{Plan: pl.Name, Title: pl.Title, Version: pl.Version, Hash: pl.Hash, Auto: auto, Tasks: []plan.Task{}}
		for _, r := range pl.Roles {
			d.Roles = append(d.Roles, Role(r))
		}
		for _, t := range pl.Tasks {
			if have[t.Key] {
				d.Merged = append(d.Merged, t.Key)
				continue
			}
			have[t.Key] = true
			d.Tasks = append(d.Tasks, t)
		}
		out = append(out, Change{Type: EvPlanActivated, Data: d})
	}
	return out
}

// ApplyPlan decides applying one plan by hand.
func (p *Policy) ApplyPlan(inc *Incident, pl plan.Versioned) ([]Change, error) {
	if err := workable(inc); err != nil {
		return nil, err
	}
	if _, ok := inc.AppliedPlan(pl.Name); ok {
		return nil, errs.E(errs.Conflict, "plan", "plan %s is already applied to %s", pl.Name, inc.Ref)
	}
	return p.ActivatePlans(inc, []plan.Versioned{pl}, false), nil
}

// DetachPlan decides removing a plan's open tasks.
func (p *Policy) DetachPlan(inc *Incident, name, reason string) ([]Change, error) {
	if err := workable(inc); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var v validator
	// Taking tasks away is never silent: the record says why.
	v.text("reason", reason, MaxText, true)
	if err := v.err(); err != nil {
		return nil, err
	}
	if _, ok := inc.AppliedPlan(name); !ok {
		return nil, errs.E(errs.NotFound, "plan", "plan %s is not applied to %s", name, inc.Ref)
	}
	d := PlanDetachedData{Plan: name, Reason: reason, Removed: []string{}}
	for _, t := range inc.Tasks {
		if t.Plan == name && t.State.Open() {
			d.Removed = append(d.Removed, t.Key)
		}
	}
	return []Change{{Type: EvPlanDetached, Data: d}}, nil
}

// TaskInput is a task a responder adds by hand.
type TaskInput struct {
	Title        string
	Phase        plan.Phase
	Instructions string
	Assignee     string
	DueAt        *time.Time
	Required     bool
	Checklist    []string
}

// AddTask decides adding a task by hand; its key is "own-N".
func (p *Policy) AddTask(inc *Incident, in TaskInput, now time.Time) ([]Change, error) {
	if err := workable(inc); err != nil {
		return nil, err
	}
	if in.Phase == "" {
		in.Phase = plan.Contain
	}
	var v validator
	v.text("title", strings.TrimSpace(in.Title), plan.MaxTitle, true)
	v.text("instructions", in.Instructions, plan.MaxInstructions, false)
	if !in.Phase.Valid() {
		v.add("phase", "unknown phase %q", in.Phase)
	}
	if len(in.Checklist) > plan.MaxChecklist {
		v.add("checklist", "at most %d items", plan.MaxChecklist)
	}
	for i, c := range in.Checklist {
		if strings.TrimSpace(c) == "" || len(c) > plan.MaxChecklistLen {
			v.add(fmt.Sprintf("checklist[%d]", i), "must be 1–%d bytes", plan.MaxChecklistLen)
		}
	}
	if in.DueAt != nil && in.DueAt.Before(now.Add(-time.Minute)) {
		v.add("due_at", "%s is in the past", in.DueAt.UTC().Format(time.RFC3339))
	}
	if len(inc.Tasks) >= plan.MaxTasks*2 {
		v.add("title", "an incident has at most %d tasks", plan.MaxTasks*2)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	n := 1
	for _, t := range inc.Tasks {
		if t.Plan == "" {
			n++
		}
	}
	key := fmt.Sprintf("own-%d", n)
	for _, ok := inc.Task(key); ok; _, ok = inc.Task(key) {
		n++
		key = fmt.Sprintf("own-%d", n)
	}
	d := TaskAddedData{
		Task:     plan.Task{Key: key, Phase: in.Phase, Title: strings.TrimSpace(in.Title), Instructions: in.Instructions, Required: in.Required, Checklist: in.Checklist},
		Assignee: in.Assignee,
	}
	if in.DueAt != nil {
		due := Now(*in.DueAt)
		d.DueAt = &due
	}
	return []Change{{Type: EvTaskAdded, Data: d}}, nil
}

// TaskUpdate is a change to a task; nil fields stay as they are.
type TaskUpdate struct {
	State    *TaskState
	Assignee *string
	DueAt    *time.Time
	ClearDue bool
	Blocker  *string // what a blocked task waits for
	Reason   *string // why it is skipped
	Notes    *string
	Check    *CheckData
}

// UpdateTask decides a change to a task. Skipping needs a reason and
// blocking needs what the task waits for; nothing changed is no event.
func (p *Policy) UpdateTask(inc *Incident, key string, in TaskUpdate, now time.Time) ([]Change, error) {
	if err := workable(inc); err != nil {
		return nil, err
	}
	t, ok := inc.Task(key)
	if !ok {
		return nil, errs.E(errs.NotFound, "task", "%s has no task %q", inc.Ref, key)
	}
	var v validator
	d := TaskUpdatedData{Key: key}
	trim := func(s *string) *string {
		if s == nil {
			return nil
		}
		x := strings.TrimSpace(*s)
		return &x
	}
	in.Blocker, in.Reason = trim(in.Blocker), trim(in.Reason)
	if in.State != nil {
		switch {
		case !in.State.Valid():
			v.add("state", "unknown task state %q; one of todo, in_progress, blocked, done, skipped", *in.State)
		case *in.State == TaskSkipped && (in.Reason == nil || *in.Reason == ""):
			v.add("reason", "skipping a task needs a reason")
		case *in.State == TaskBlocked && (in.Blocker == nil || *in.Blocker == ""):
			v.add("blocker", "a blocked task needs what it waits for")
		}
		d.State = changed(*in.State, t.State)
	}
	if in.Blocker != nil {
		v.text("blocker", *in.Blocker, MaxText, false)
		d.Blocker = changed(*in.Blocker, t.Blocker)
	}
	if in.Reason != nil {
		v.text("reason", *in.Reason, MaxText, false)
		d.Reason = changed(*in.Reason, t.SkipReason)
	}
	if in.Notes != nil {
		v.text("notes", *in.Notes, MaxBody, false)
		d.Notes = changed(*in.Notes, t.Notes)
	}
	if in.Assignee != nil {
		a := strings.TrimSpace(*in.Assignee)
		if a != t.Assignee || (a == "" && t.AssignedBy == "hand") {
			d.Assignee = &a
		}
	}
	if in.DueAt != nil {
		due := Now(*in.DueAt)
		if due.Before(now.Add(-time.Minute)) {
			v.add("due_at", "%s is in the past", due.Format(time.RFC3339))
		}
		if t.DueAt == nil || !t.DueAt.Equal(due) {
			d.DueAt = &due
		}
	}
	if in.ClearDue && t.DueAt != nil {
		d.ClearDue = true
	}
	if c := in.Check; c != nil {
		if c.Index < 0 || c.Index >= len(t.Checklist) {
			v.add("check.index", "task %q has %d checklist items", key, len(t.Checklist))
		} else if t.Checklist[c.Index].Done != c.Done {
			d.Check = c
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if d.State == nil && d.Blocker == nil && d.Reason == nil && d.Notes == nil && d.Assignee == nil &&
		d.DueAt == nil && !d.ClearDue && d.Check == nil {
		return nil, nil
	}
	return []Change{{Type: EvTaskUpdated, Data: d}}, nil
}

// workable refuses task changes on an incident no longer worked on.
func workable(inc *Incident) error {
	if !inc.State.Open() {
		return errs.E(errs.Rule, "state", "%s is %s: its tasks can no longer change", inc.Ref, inc.State)
	}
	return nil
}
