package web_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

// TestListOverdueTasks: the incident list counts each incident's tasks,
// keeps only those with an overdue task when asked, and sorts by the
// next task due.
func TestListOverdueTasks(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := newSiteAt(t, clock)
	ctx := context.Background()
	admin := incident.Viewer{User: "admin", SeeAll: true}
	p := plan.Plan{Name: "quick", Title: "Quick", Tasks: []plan.Task{
		{Key: "fast", Phase: plan.Contain, Title: "Due soon", Due: "PT30M"},
		{Key: "slow", Phase: plan.Contain, Title: "Due later", Due: "PT4H"},
	}}
	if _, _, err := s.app.Services.Plans.Put(ctx, "admin", p, "api"); err != nil {
		t.Fatal(err)
	}
	declare := func(title string) string {
		inc, err := s.app.Services.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: title, Severity: "SEV3"})
		if err != nil {
			t.Fatal(err)
		}
		return inc.Ref
	}
	behind, calm := declare("Behind on its tasks"), declare("No plan at all")
	if _, err := s.app.Services.Incidents.ApplyPlan(ctx, incident.Command{Actor: admin, Ref: behind}, "quick"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(time.Hour) // "fast" is 30 minutes overdue
	mu.Unlock()
	c := s.signIn(t, "alice")

	all := s.get(t, c, "/incidents")
	if !strings.Contains(all.body, `href="/incidents/`+behind+`/tasks">0/2</a> <span class="late">1 overdue</span>`) || !strings.Contains(all.body, calm) {
		t.Fatalf("the list counts tasks and overdue ones:\n%s", all.body)
	}
	r := s.get(t, c, "/incidents?overdue_tasks=1&sort=task_due")
	if r.status != 200 || !strings.Contains(r.body, behind) || strings.Contains(r.body, ">"+calm+"<") ||
		!strings.Contains(r.body, `name="overdue_tasks" value="1" checked`) || !strings.Contains(r.body, `<option value="task_due" selected>`) {
		t.Fatalf("overdue filter (%d):\n%s", r.status, r.body)
	}
}

// TestListOverduePostmortems: the list keeps the recovered incidents
// whose post-mortem is past due and unpublished when asked, and marks them.
func TestListOverduePostmortems(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := newSiteAt(t, clock)
	ctx := context.Background()
	lead := incident.Viewer{User: "alice"}
	late, err := s.app.Services.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Waiting for its review", Severity: "SEV3"})
	if err != nil {
		t.Fatal(err)
	}
	c := incident.Command{Actor: lead, Ref: late.Ref}
	if _, err := s.app.Services.Incidents.Assign(ctx, c, incident.IRLead, "alice"); err != nil {
		t.Fatal(err)
	}
	for _, st := range []incident.State{incident.Active, incident.Contained} {
		if _, err := s.app.Services.Incidents.Transition(ctx, c, st, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.app.Services.Incidents.Update(ctx, c, incident.UpdateInput{RootCause: new("weak password")}); err != nil {
		t.Fatal(err)
	}
	for _, st := range []incident.State{incident.Eradicated, incident.Recovered} {
		if _, err := s.app.Services.Incidents.Transition(ctx, c, st, ""); err != nil {
			t.Fatal(err)
		}
	}
	calm, err := s.app.Services.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Still being handled", Severity: "SEV3"})
	if err != nil {
		t.Fatal(err)
	}
	cl := s.signIn(t, "alice")
	if r := s.get(t, cl, "/incidents?postmortem=overdue"); strings.Contains(r.body, late.Ref) || strings.Contains(r.body, calm.Ref) {
		t.Fatalf("nothing is overdue yet:\n%s", r.body)
	}
	mu.Lock()
	now = now.Add(8 * 24 * time.Hour)
	mu.Unlock()
	cl = s.signIn(t, "alice") // the session ran out meanwhile
	r := s.get(t, cl, "/incidents?postmortem=overdue")
	if r.status != 200 || !strings.Contains(r.body, `href="/incidents/`+late.Ref+`/postmortem">post-mortem overdue</a>`) ||
		strings.Contains(r.body, ">"+calm.Title+"<") || !strings.Contains(r.body, `<option value="overdue" selected>`) {
		t.Fatalf("overdue post-mortems (%d):\n%s", r.status, r.body)
	}
}
