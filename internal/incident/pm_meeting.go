package incident

import (
	"time"

	"github.com/firebreak-ir/firebreak/internal/calendar"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

// PostmortemReviewTask is the key of the task to hold the post-mortem's
// review meeting, added when the incident recovers.
const PostmortemReviewTask = "postmortem-review"

// reviewTask is the task.added of the review meeting's task for a
// post-mortem due at due: owned by the IR Lead, due one business day
// before the post-mortem so the review's outcome can still go in. Nil
// when the incident has it already: a second recovery keeps the first
// task (and whatever was done with it) rather than adding another.
func (p *Policy) reviewTask(inc *Incident, due time.Time) []Change {
	if _, ok := inc.Task(PostmortemReviewTask); ok {
		return nil
	}
	cal := p.Calendar
	if cal == nil {
		cal = calendar.Weekdays{}
	}
	at := Now(calendar.SubBusinessDays(cal, due, 1))
	return []Change{{Type: EvTaskAdded, Data: TaskAddedData{
		Task: plan.Task{
			Key:          PostmortemReviewTask,
			Phase:        plan.PostIncident,
			Title:        "Hold the post-mortem review",
			Instructions: "Schedule the review meeting from the post-mortem page; the invitation goes to the participants with the draft's link.",
			Owner:        string(IRLead),
		},
		DueAt: &at,
	}}}
}
