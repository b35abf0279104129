// Package tasks reminds people of the response plans' tasks: before a
// task is due and when it is overdue its assignee (the IR Lead when it has
// none), and when a required task is still open a grace after its due time
// the IR Lead and the incident commander.
//
// Reminders are durable jobs derived from the incident's events by a store
// trigger (IncidentJobs), written in the transaction that appends them.
// Each job is named by what it is about — incident, task, moment, due
// instant and addressee — so deriving it again from a later event writes
// nothing new, and a task whose due time or assignee changed gets jobs of
// its own while the old ones find nothing to do: the handler re-loads the
// incident and sends only while the task is open, due at the same instant
// and (before and overdue) with the same assignee.
package tasks

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// JobRemind is the job kind of one reminder of one task at one moment.
const JobRemind = "tasks.remind"

// Moments of a task's reminders.
const (
	MarkBefore   = "before"   // the lead time before due, to the assignee
	MarkOverdue  = "overdue"  // at due, to the assignee
	MarkEscalate = "escalate" // a grace after due, a required task, to the IR Lead and commander
)

// Defaults of Config.
const (
	DefaultRemindBefore  = 15 * time.Minute
	DefaultEscalateAfter = 15 * time.Minute
)

// Config is when reminders go out (policy file tasks.remind_before and
// tasks.escalate_after).
type Config struct {
	// RemindBefore is the lead time of the reminder before due; a task
	// given less time than twice this is reminded half-way instead.
	RemindBefore time.Duration
	// EscalateAfter is how long a required task may stay overdue before
	// the IR Lead and the commander hear of it.
	EscalateAfter time.Duration
}

// WithDefaults fills in what is zero.
func (c Config) WithDefaults() Config {
	if c.RemindBefore <= 0 {
		c.RemindBefore = DefaultRemindBefore
	}
	if c.EscalateAfter <= 0 {
		c.EscalateAfter = DefaultEscalateAfter
	}
	return c
}

// remindArgs are a JobRemind's arguments.
type remindArgs struct {
	Incident string    `json:"incident"`
	Task     string    `json:"task"`
	Mark     string    `json:"mark"`
	DueAt    time.Time `json:"due_at"`
	// Assignee is whom a before or overdue reminder is for: the task's
	// assignee when it was planned; "" for the IR Lead (no assignee).
	Assignee string `json:"assignee,omitempty"`
}

// jobID names a reminder by what it is about, so the same reminder
// derived from two events is one job.
func (a remindArgs) jobID() string {
	return fmt.Sprintf("%s:%s:%s:%s:%d:%s", JobRemind, a.Incident, a.Task, a.Mark, a.DueAt.Unix(), a.Assignee)
}

// touched says which tasks events may have dated, re-dated or
// reassigned: the keys a task event names, or every task (all) after a
// change of state (phase tasks are dated) or of roles (owners resolved).
func touched(events []incident.Event) (keys map[string]bool, all bool) {
	keys = map[string]bool{}
	for _, ev := range events {
		switch ev.Type {
		case incident.EvTransitioned, incident.EvRoleAssigned, incident.EvRoleUnassigned, incident.EvRoleHandedOver:
			all = true
		case incident.EvPlanActivated:
			var d incident.PlanActivatedData
			_ = json.Unmarshal(ev.Data, &d) // the fold decoded it already
			for _, t := range d.Tasks {
				keys[t.Key] = true
			}
		case incident.EvTaskAdded:
			var d incident.TaskAddedData
			_ = json.Unmarshal(ev.Data, &d)
			keys[d.Task.Key] = true
		case incident.EvTaskUpdated:
			var d incident.TaskUpdatedData
			_ = json.Unmarshal(ev.Data, &d)
			keys[d.Key] = true
		}
	}
	return keys, all
}

// IncidentJobs returns the reminder jobs to write with an incident's new
// events: each open dated task they may have dated or reassigned gets its
// reminders still ahead of the latest event. Jobs already written are
// named the same and the store leaves them as they are.
func (c Config) IncidentJobs(inc incident.Incident, events []incident.Event) []engine.Job {
	if !inc.State.Open() {
		return nil
	}
	keys, all := touched(events)
	if !all && len(keys) == 0 {
		return nil
	}
	var now time.Time
	for _, ev := range events {
		if ev.RecordedAt.After(now) {
			now = ev.RecordedAt
		}
	}
	c = c.WithDefaults()
	var jobs []engine.Job
	for i := range inc.Tasks {
		t := &inc.Tasks[i]
		if !t.State.Open() || t.DueAt == nil || !(all || keys[t.Key]) {
			continue
		}
		due := t.DueAt.UTC()
		lead := c.RemindBefore
		if half := due.Sub(t.CreatedAt) / 2; half < lead {
			lead = half
		}
		add := func(mark string, at time.Time, assignee string) {
			if !at.After(now) {
				return // past: it ran, or it is too late to matter
			}
			a := remindArgs{Incident: inc.ID, Task: t.Key, Mark: mark, DueAt: due, Assignee: assignee}
			args, _ := json.Marshal(a)
			jobs = append(jobs, engine.Job{ID: a.jobID(), Kind: JobRemind, RunAt: at, Args: args})
		}
		if lead > 0 {
			add(MarkBefore, due.Add(-lead), t.Assignee)
		}
		add(MarkOverdue, due, t.Assignee)
		if t.Required {
			add(MarkEscalate, due.Add(c.EscalateAfter), "")
		}
	}
	return jobs
}
