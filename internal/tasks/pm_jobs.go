package tasks

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/calendar"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// JobPostmortem is the job kind of one reminder of an incident's
// post-mortem deadline at one moment.
const JobPostmortem = "tasks.postmortem_remind"

// Moments of a post-mortem's reminders.
const (
	MarkPMHalf      = "postmortem_half"       // half the time from recovery to due is gone, to the owner
	MarkPMDayBefore = "postmortem_day_before" // one business day before due, to the owner
	MarkPMOverdue   = "postmortem_overdue"    // at due, to the owner and the incident commander
)

// pmArgs are a JobPostmortem's arguments.
type pmArgs struct {
	Incident string    `json:"incident"`
	Mark     string    `json:"mark"`
	DueAt    time.Time `json:"due_at"`
}

// jobID names a reminder by what it is about: a due time moved (the
// incident recovered again) gets jobs of its own.
func (a pmArgs) jobID() string {
	return fmt.Sprintf("%s:%s:%s:%d", JobPostmortem, a.Incident, a.Mark, a.DueAt.Unix())
}

// PostmortemMoments are when an outstanding post-mortem is reminded of:
// half-way from recovery to due (moved to the next business day when it
// falls on a day off), one business day before due on cal, and at due.
// A moment not after recovery, and a half-way one not before the day
// before, is left out: it would say nothing new.
func PostmortemMoments(cal calendar.Calendar, recovered, due time.Time) map[string]time.Time {
	if cal == nil {
		cal = calendar.Weekdays{}
	}
	out := map[string]time.Time{MarkPMOverdue: due}
	dayBefore := calendar.SubBusinessDays(cal, due, 1)
	if dayBefore.After(recovered) {
		out[MarkPMDayBefore] = dayBefore
	} else {
		dayBefore = due
	}
	half := calendar.NextBusinessDay(cal, recovered.Add(due.Sub(recovered)/2))
	if half.After(recovered) && half.Before(dayBefore) {
		out[MarkPMHalf] = half
	}
	return out
}

// PostmortemJobs returns the reminder jobs of an incident's post-mortem
// to write with its new events: while it is outstanding
// (incident.PostmortemOpenDue), its moments still ahead of the latest
// event. Derived again from every later event, they are named the same
// and the store leaves them; the handler finds nothing to do once the
// post-mortem is published, the incident closed or the due time moved.
func PostmortemJobs(cal calendar.Calendar, inc incident.Incident, events []incident.Event) []engine.Job {
	due, ok := inc.PostmortemOpenDue()
	if !ok || len(events) == 0 {
		return nil
	}
	var now time.Time
	for _, ev := range events {
		if ev.RecordedAt.After(now) {
			now = ev.RecordedAt
		}
	}
	recovered, ok := inc.Phases[incident.Recovered]
	if !ok {
		recovered = now
	}
	due = due.UTC()
	var jobs []engine.Job
	moments := PostmortemMoments(cal, recovered, due)
	for _, mark := range []string{MarkPMHalf, MarkPMDayBefore, MarkPMOverdue} {
		at, ok := moments[mark]
		if !ok || !at.After(now) {
			continue // past: it ran, or it is too late to matter
		}
		a := pmArgs{Incident: inc.ID, Mark: mark, DueAt: due}
		args, _ := json.Marshal(a)
		jobs = append(jobs, engine.Job{ID: a.jobID(), Kind: JobPostmortem, RunAt: at, Args: args})
	}
	return jobs
}
