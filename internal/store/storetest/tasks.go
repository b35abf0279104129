package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

// RunTasks checks the tasks index across incidents: it follows tasks,
// handoffs and states, filters by assignee, state and overdue, never shows
// a restricted incident's tasks to someone who may not see it, and orders
// the incident list by the earliest open task due.
func RunTasks(t *testing.T, b Backend) {
	t.Run("IndexFollowsTasksAndRoles", func(t *testing.T) { t.Parallel(); testTasksIndex(t, NewSetup(t, b)) })
	t.Run("RestrictedAndClosed", func(t *testing.T) { t.Parallel(); testTasksRestricted(t, NewSetup(t, b)) })
	t.Run("ListByTaskDue", func(t *testing.T) { t.Parallel(); testListByTaskDue(t, NewSetup(t, b)) })
}

func addTask(t *testing.T, s *Setup, ref string, in incident.TaskInput) string {
	t.Helper()
	inc, err := s.Incidents.AddTask(ctx, cmd(ref), in)
	if err != nil {
		t.Fatalf("add task %q to %s: %v", in.Title, ref, err)
	}
	return inc.Tasks[len(inc.Tasks)-1].Key
}

func tasks(t *testing.T, s *Setup, v incident.Viewer, f incident.TaskFilter) []string {
	t.Helper()
	rows, err := s.Incidents.Tasks(ctx, v, f)
	if err != nil {
		t.Fatalf("tasks %+v: %v", f, err)
	}
	out := []string{}
	for _, r := range rows {
		out = append(out, r.IncidentRef+"/"+r.Key+"@"+r.Assignee)
	}
	return out
}

func want(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

func testTasksIndex(t *testing.T, s *Setup) {
	inc := declare(t, s, incident.DeclareInput{Title: "tasks"})
	if _, err := s.Incidents.Assign(ctx, cmd(inc.Ref), incident.IRLead, "alice"); err != nil {
		t.Fatal(err)
	}
	now := s.Clock.Now()
	in1h, in3h := now.Add(time.Hour), now.Add(3*time.Hour)
	// own-1 follows the IR Lead; own-2 is bob's by hand, due first.
	k1 := addTask(t, s, inc.Ref, incident.TaskInput{Title: "rotate keys", Phase: plan.Contain, DueAt: &in3h, Required: true})
	k2 := addTask(t, s, inc.Ref, incident.TaskInput{Title: "check logs", Phase: plan.Assess, Assignee: "bob", DueAt: &in1h})
	k3 := addTask(t, s, inc.Ref, incident.TaskInput{Title: "undated", Phase: plan.Communicate})
	want(t, "every open task, due soonest first", tasks(t, s, alice, incident.TaskFilter{}),
		[]string{"INC-1/" + k2 + "@bob", "INC-1/" + k1 + "@alice", "INC-1/" + k3 + "@alice"})
	want(t, "bob's", tasks(t, s, alice, incident.TaskFilter{Assignee: "bob"}), []string{"INC-1/" + k2 + "@bob"})

	// Handing the IR Lead role over moves the role's tasks in the index.
	if _, err := s.Incidents.Assign(ctx, cmd(inc.Ref), incident.IRLead, "bob"); err != nil {
		t.Fatal(err)
	}
	want(t, "bob's after the handoff", tasks(t, s, alice, incident.TaskFilter{Assignee: "bob"}),
		[]string{"INC-1/" + k2 + "@bob", "INC-1/" + k1 + "@bob", "INC-1/" + k3 + "@bob"})
	want(t, "alice's after the handoff", tasks(t, s, alice, incident.TaskFilter{Assignee: "alice"}), []string{})

	want(t, "overdue before any is due", tasks(t, s, alice, incident.TaskFilter{Overdue: true}), []string{})
	listOverdue := func() []string {
		p, err := s.Incidents.List(ctx, incident.Filter{Viewer: alice, OverdueTasks: true})
		if err != nil {
			t.Fatal(err)
		}
		return refs(p)
	}
	want(t, "incidents with overdue tasks, none due", listOverdue(), []string{})
	s.Clock.Advance(90 * time.Minute)
	rows, err := s.Incidents.Tasks(ctx, alice, incident.TaskFilter{Overdue: true})
	if err != nil || len(rows) != 1 || rows[0].Key != k2 || !rows[0].Overdue || rows[0].IncidentTitle != "tasks" || !rows[0].DueAt.Equal(in1h) {
		t.Fatalf("overdue after 90 minutes: %+v %v", rows, err)
	}
	want(t, "incidents with overdue tasks", listOverdue(), []string{"INC-1"})

	done := incident.TaskDone
	if _, err := s.Incidents.UpdateTask(ctx, cmd(inc.Ref), k2, incident.TaskUpdate{State: &done}); err != nil {
		t.Fatal(err)
	}
	want(t, "overdue after it is done", tasks(t, s, alice, incident.TaskFilter{Overdue: true}), []string{})
	want(t, "incidents with overdue tasks after it is done", listOverdue(), []string{})
	want(t, "bob's open", tasks(t, s, alice, incident.TaskFilter{Assignee: "bob"}),
		[]string{"INC-1/" + k1 + "@bob", "INC-1/" + k3 + "@bob"})
	rows, err = s.Incidents.Tasks(ctx, alice, incident.TaskFilter{Assignee: "bob", All: true})
	if err != nil || len(rows) != 3 || rows[0].Key != k2 || rows[0].State != incident.TaskDone || rows[0].Overdue {
		t.Fatalf("bob's, all: %+v %v", rows, err)
	}
}

func testTasksRestricted(t *testing.T, s *Setup) {
	open := declare(t, s, incident.DeclareInput{Title: "open"})
	secret := declare(t, s, incident.DeclareInput{Title: "secret", Restricted: true})
	ko := addTask(t, s, open.Ref, incident.TaskInput{Title: "open work", Assignee: "bob"})
	ks := addTask(t, s, secret.Ref, incident.TaskInput{Title: "secret work", Assignee: "bob"})
	bob := incident.Viewer{User: "bob"}
	// Assigned a task but not a participant: the restricted incident
	// stays hidden, its task with it.
	want(t, "bob, not a participant", tasks(t, s, bob, incident.TaskFilter{Assignee: "bob"}), []string{"INC-1/" + ko + "@bob"})
	want(t, "declarer alice", tasks(t, s, alice, incident.TaskFilter{Assignee: "bob"}), []string{"INC-2/" + ks + "@bob", "INC-1/" + ko + "@bob"})
	want(t, "admin", tasks(t, s, root, incident.TaskFilter{Assignee: "bob"}), []string{"INC-2/" + ks + "@bob", "INC-1/" + ko + "@bob"})
	if _, err := s.Incidents.Assign(ctx, cmd(secret.Ref), incident.Responder, "bob"); err != nil {
		t.Fatal(err)
	}
	want(t, "bob, a participant", tasks(t, s, bob, incident.TaskFilter{Assignee: "bob"}), []string{"INC-2/" + ks + "@bob", "INC-1/" + ko + "@bob"})

	// A dismissed incident's tasks leave the default view.
	if _, err := s.Incidents.Transition(ctx, cmd(open.Ref), incident.Dismissed, "false alarm"); err != nil {
		t.Fatal(err)
	}
	want(t, "open incidents only", tasks(t, s, bob, incident.TaskFilter{Assignee: "bob"}), []string{"INC-2/" + ks + "@bob"})
	want(t, "closed incidents too", tasks(t, s, bob, incident.TaskFilter{Assignee: "bob", ClosedIncidents: true}),
		[]string{"INC-2/" + ks + "@bob", "INC-1/" + ko + "@bob"})
}

func testListByTaskDue(t *testing.T, s *Setup) {
	now := s.Clock.Now()
	due := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	for i, d := range []*time.Time{due(2 * time.Hour), nil, due(30 * time.Minute), nil, due(2 * time.Hour)} {
		inc := declare(t, s, incident.DeclareInput{Title: "list"})
		if d != nil {
			addTask(t, s, inc.Ref, incident.TaskInput{Title: "dated", DueAt: d})
			// A done task due sooner does not count.
			k := addTask(t, s, inc.Ref, incident.TaskInput{Title: "done", DueAt: due(time.Minute)})
			done := incident.TaskDone
			if _, err := s.Incidents.UpdateTask(ctx, cmd(inc.Ref), k, incident.TaskUpdate{State: &done}); err != nil {
				t.Fatal(err)
			}
		} else if i == 3 {
			addTask(t, s, inc.Ref, incident.TaskInput{Title: "undated"})
		}
	}
	wantOrder := []string{"INC-3", "INC-5", "INC-1", "INC-4", "INC-2"}
	p, err := s.Incidents.List(ctx, incident.Filter{Viewer: alice, Sort: incident.SortTaskDue})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "by task due", refs(p), wantOrder)
	// Page by two: every incident once, in the same order.
	var got []string
	f := incident.Filter{Viewer: alice, Sort: incident.SortTaskDue, Limit: 2}
	for range 5 {
		p, err := s.Incidents.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, refs(p)...)
		if p.NextCursor == "" {
			break
		}
		f.Cursor = p.NextCursor
	}
	want(t, "by task due, paged", got, wantOrder)
	if _, err := s.Incidents.List(ctx, incident.Filter{Viewer: alice, Sort: "bogus"}); err == nil {
		t.Fatal("an unknown sort was accepted")
	}
}
