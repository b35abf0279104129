package tasks

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

func TestIncidentJobs(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { x := t0.Add(d); return &x }
	task := func(key string, due *time.Time, assignee string, required bool, state incident.TaskState) incident.Task {
		return incident.Task{Key: key, DueAt: due, Assignee: assignee, Required: required, State: state, CreatedAt: t0}
	}
	ev := func(typ string, d time.Duration, keys ...string) incident.Event {
		var data any
		switch typ {
		case incident.EvTaskAdded:
			data = incident.TaskAddedData{Task: plan.Task{Key: keys[0]}}
		case incident.EvTaskUpdated:
			data = incident.TaskUpdatedData{Key: keys[0]}
		case incident.EvPlanActivated:
			pd := incident.PlanActivatedData{}
			for _, k := range keys {
				pd.Tasks = append(pd.Tasks, plan.Task{Key: k})
			}
			data = pd
		}
		b, _ := json.Marshal(data)
		return incident.Event{Type: typ, RecordedAt: t0.Add(d), Data: b}
	}
	cfg := Config{RemindBefore: 15 * time.Minute, EscalateAfter: 20 * time.Minute}
	tests := []struct {
		name   string
		state  incident.State
		tasks  []incident.Task
		events []incident.Event
		want   []string // mark@offset from t0 >assignee
	}{
		{"required task: before, at due, escalated after the grace", incident.Active,
			[]incident.Task{task("t1", at(time.Hour), "bob", true, incident.TaskTodo)},
			[]incident.Event{ev(incident.EvTaskAdded, 0, "t1")},
			[]string{"t1 before@45m0s>bob", "t1 overdue@1h0m0s>bob", "t1 escalate@1h20m0s>"}},
		{"optional task: no escalation", incident.Active,
			[]incident.Task{task("t1", at(time.Hour), "bob", false, incident.TaskInProgress)},
			[]incident.Event{ev(incident.EvPlanActivated, 0, "t1")},
			[]string{"t1 before@45m0s>bob", "t1 overdue@1h0m0s>bob"}},
		{"short task: reminded half-way", incident.Active,
			[]incident.Task{task("t1", at(10*time.Minute), "", false, incident.TaskTodo)},
			[]incident.Event{ev(incident.EvTaskAdded, 0, "t1")},
			[]string{"t1 before@5m0s>", "t1 overdue@10m0s>"}},
		{"moments already past are not written again", incident.Active,
			[]incident.Task{task("t1", at(time.Hour), "bob", true, incident.TaskTodo)},
			[]incident.Event{ev(incident.EvTaskUpdated, time.Hour, "t1")},
			[]string{"t1 escalate@1h20m0s>"}},
		{"done, skipped and undated tasks: nothing", incident.Active,
			[]incident.Task{task("t1", at(time.Hour), "bob", true, incident.TaskDone), task("t2", at(time.Hour), "bob", true, incident.TaskSkipped),
				task("t3", nil, "bob", true, incident.TaskTodo)},
			[]incident.Event{ev(incident.EvPlanActivated, 0, "t1", "t2", "t3")},
			nil},
		{"a task event re-plans only its task", incident.Active,
			[]incident.Task{task("t1", at(time.Hour), "bob", false, incident.TaskTodo), task("t2", at(2*time.Hour), "bob", false, incident.TaskTodo)},
			[]incident.Event{ev(incident.EvTaskUpdated, 0, "t2")},
			[]string{"t2 before@1h45m0s>bob", "t2 overdue@2h0m0s>bob"}},
		{"a role change re-plans for the new holder", incident.Active,
			[]incident.Task{task("t1", at(time.Hour), "cleo", false, incident.TaskTodo)},
			[]incident.Event{ev(incident.EvRoleHandedOver, 0)},
			[]string{"t1 before@45m0s>cleo", "t1 overdue@1h0m0s>cleo"}},
		{"a transition dates phase tasks", incident.Contained,
			[]incident.Task{task("t1", at(time.Hour), "bob", false, incident.TaskTodo)},
			[]incident.Event{ev(incident.EvTransitioned, 0)},
			[]string{"t1 before@45m0s>bob", "t1 overdue@1h0m0s>bob"}},
		{"events that touch no task: nothing", incident.Active,
			[]incident.Task{task("t1", at(time.Hour), "bob", true, incident.TaskTodo)},
			[]incident.Event{ev(incident.EvEntryAdded, 0), ev(incident.EvSeverityChanged, 0)},
			nil},
		{"a closed incident: nothing", incident.Closed,
			[]incident.Task{task("t1", at(time.Hour), "bob", true, incident.TaskTodo)},
			[]incident.Event{ev(incident.EvTransitioned, 0)},
			nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inc := incident.Incident{ID: "i1", State: tc.state, Tasks: tc.tasks}
			jobs := cfg.IncidentJobs(inc, tc.events)
			var got []string
			ids := map[string]bool{}
			for _, j := range jobs {
				var a remindArgs
				if err := json.Unmarshal(j.Args, &a); err != nil {
					t.Fatal(err)
				}
				if j.Kind != JobRemind || j.ID != a.jobID() || ids[j.ID] || !strings.HasPrefix(j.ID, "tasks.remind:i1:"+a.Task+":") {
					t.Errorf("job %+v", j)
				}
				ids[j.ID] = true
				got = append(got, a.Task+" "+a.Mark+"@"+j.RunAt.Sub(t0).String()+">"+a.Assignee)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("jobs %q, want %q", got, tc.want)
			}
			// The same events derive the same jobs: the store writes them once.
			again := cfg.IncidentJobs(inc, tc.events)
			for i := range again {
				if again[i].ID != jobs[i].ID {
					t.Fatalf("job IDs differ between derivations: %s, %s", again[i].ID, jobs[i].ID)
				}
			}
		})
	}
}

// A task re-dated or reassigned gets jobs of its own.
func TestIncidentJobsNameWhatTheyRemindOf(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	due, later := t0.Add(time.Hour), t0.Add(2*time.Hour)
	evs := []incident.Event{{Type: incident.EvTaskUpdated, RecordedAt: t0, Data: json.RawMessage(`{"key":"t1"}`)}}
	ids := func(t incident.Task) []string {
		var out []string
		for _, j := range (Config{}).IncidentJobs(incident.Incident{ID: "i1", State: incident.Active, Tasks: []incident.Task{t}}, evs) {
			out = append(out, j.ID)
		}
		return out
	}
	base := incident.Task{Key: "t1", DueAt: &due, Assignee: "bob", State: incident.TaskTodo, CreatedAt: t0}
	moved, other := base, base
	moved.DueAt = &later
	other.Assignee = "cleo"
	a, b, c := ids(base), ids(moved), ids(other)
	if len(a) != 2 || slices.ContainsFunc(b, func(id string) bool { return slices.Contains(a, id) }) ||
		slices.ContainsFunc(c, func(id string) bool { return slices.Contains(a, id) }) {
		t.Fatalf("IDs %v, re-dated %v, reassigned %v", a, b, c)
	}
}
