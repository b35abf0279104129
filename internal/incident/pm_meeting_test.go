package incident

import (
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/calendar"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

// Recovering adds the review meeting's task, owned by the IR Lead and due
// one business day before the post-mortem on the team's calendar; a
// second recovery does not add another.
func TestPostmortemReviewTask(t *testing.T) {
	t.Parallel()
	us, err := calendar.ByCode("US")
	if err != nil {
		t.Fatal(err)
	}
	thursday := time.Date(2026, 11, 19, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name    string
		cal     calendar.Calendar
		pmDue   time.Time
		taskDue time.Time
	}{
		// Five days skip Thanksgiving (26 Nov) to Friday; the day before
		// skips it again, to Wednesday.
		{"US federal holidays", us, time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)},
		{"Monday to Friday", calendar.Weekdays{}, time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := DefaultPolicy()
			p.Calendar = tt.cal
			inc := build(t, p, DeclareInput{Title: "t", Severity: "SEV3"}, assign(p, IRLead, "lena"), move(p, Active, ""), move(p, Contained, ""),
				set(p, UpdateInput{RootCause: new("x")}), move(p, Eradicated, ""))
			ch, err := p.Transition(&inc, Recovered, "", thursday, Known{})
			if err != nil {
				t.Fatal(err)
			}
			if got := ch[0].Data.(TransitionData).PostmortemDue; got == nil || !got.Equal(tt.pmDue) {
				t.Fatalf("post-mortem due %v, want %v", got, tt.pmDue)
			}
			if len(ch) != 2 || ch[1].Type != EvTaskAdded {
				t.Fatalf("changes %+v, want the transition and a task.added", ch)
			}
			inc, _, err = Record(inc, ch, "lena", thursday)
			if err != nil {
				t.Fatal(err)
			}
			task, ok := inc.Task(PostmortemReviewTask)
			if !ok {
				t.Fatal("no review task")
			}
			if task.DueAt == nil || !task.DueAt.Equal(tt.taskDue) {
				t.Errorf("task due %v, want %v", task.DueAt, tt.taskDue)
			}
			if task.Phase != plan.PostIncident || task.Required || task.Owner != string(IRLead) || task.Assignee != "lena" || task.State != TaskTodo {
				t.Errorf("task %+v", task)
			}

			// Back to eradicated and recovered again: the task stays one.
			inc = step(t, &inc, "lena", move(p, Eradicated, "reinfected"))
			ch, err = p.Transition(&inc, Recovered, "", thursday.Add(48*time.Hour), Known{})
			if err != nil {
				t.Fatal(err)
			}
			if len(ch) != 1 {
				t.Fatalf("re-recovery changes %+v, want only the transition", ch)
			}
		})
	}
}
