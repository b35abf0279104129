package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/plan"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// taskSite is a site with INC-1 of type typ declared by alice, who leads
// it. An availability outage matches no built-in plan, so its tasks are
// only those a test adds.
func taskSite(t *testing.T, now func() time.Time, typ string) (*site, *http.Client) {
	t.Helper()
	ctx := context.Background()
	// The built-in plans, as serve puts them.
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: storetest.SQLiteDSN(t), BootstrapToken: "fbk_test_bootstrap_admin_token_0123456789", Now: now, Library: plan.Library()})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	for _, u := range []auth.UserInput{{Username: "alice", Role: auth.Responder}, {Username: "vera", Role: auth.Viewer}} {
		if _, err := a.Services.Auth.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := a.Services.Auth.SetPassword(ctx, u.Username, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
	}
	s := &site{app: a, url: a.URL()}
	inc := s.app.Services.Incidents
	if _, err := inc.Declare(ctx, "alice", incident.DeclareInput{Title: "Deploy key leaked", Severity: "SEV2", Type: typ, Source: incident.SourceInternal}); err != nil {
		t.Fatal(err)
	}
	if _, err := inc.Assign(ctx, incident.Command{Actor: incident.Viewer{User: "alice"}, Ref: "INC-1"}, incident.IRLead, "alice"); err != nil {
		t.Fatal(err)
	}
	return s, s.signIn(t, "alice")
}

func (s *site) incident(t *testing.T, ref string) incident.Incident {
	t.Helper()
	inc, err := s.app.Services.Incidents.Get(context.Background(), incident.Viewer{SeeAll: true}, ref)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

func (s *site) task(t *testing.T, ref, key string) incident.Task {
	t.Helper()
	inc := s.incident(t, ref)
	tk, ok := inc.Task(key)
	if !ok {
		t.Fatalf("%s has no task %s: %+v", ref, key, inc.Tasks)
	}
	return *tk
}

// wantPost posts a form and checks the status and, for a redirect, where
// it goes; for a page, that it holds every want.
func wantPost(t *testing.T, s *site, c *http.Client, path string, form url.Values, status int, want ...string) resp {
	t.Helper()
	r := s.post(t, c, path, form)
	if r.status != status {
		t.Fatalf("POST %s %v: %d, want %d\n%s", path, form, r.status, status, r.body)
	}
	for _, w := range want {
		got := r.body
		if status == http.StatusSeeOther {
			got = r.location
		}
		if !strings.Contains(got, w) {
			t.Fatalf("POST %s %v: answer lacks %q:\n%s", path, form, w, got)
		}
	}
	return r
}

func TestTaskFormsWithoutScript(t *testing.T) {
	t.Parallel()
	s, c := taskSite(t, time.Now, "availability.outage")
	const base = "/incidents/INC-1/tasks"

	// Adding: a title is required, and the error sits at its field with
	// what was typed kept.
	r := wantPost(t, s, c, base, url.Values{"title": {""}, "phase": {"contain"}, "checklist": {"kept text"}}, http.StatusUnprocessableEntity, `class="field-error"`, "kept text")
	if !strings.Contains(r.body, `id="add-task" open`) {
		t.Error("the failed add form is not open")
	}
	r = wantPost(t, s, c, base, url.Values{"title": {"Rotate the deploy key"}, "phase": {"contain"}, "required": {"yes"},
		"instructions": {"Use the **vault** runbook."}, "checklist": {"Find every user\nRotate"}}, http.StatusSeeOther,
		"/incidents/INC-1/tasks?flash=taskadded#task-own-1")
	page := s.get(t, c, "/incidents/INC-1/tasks?flash=taskadded")
	for _, want := range []string{"The task is added.", "Rotate the deploy key", "req-tag", "<strong>vault</strong>", "Find every user", `data-tick="1"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the tasks section lacks %q", want)
		}
	}
	if tk := s.task(t, "INC-1", "own-1"); !tk.Required || tk.Phase != plan.Contain || len(tk.Checklist) != 2 {
		t.Fatalf("added task: %+v", tk)
	}

	task := base + "/own-1"
	// Refusals: each shown at its field, the form open, what was typed kept.
	r = wantPost(t, s, c, task, url.Values{"action": {"skip"}, "reason": {"  "}}, http.StatusUnprocessableEntity, "skipping a task needs a reason", `id="reason-own-1-err"`)
	if !strings.Contains(r.body, `aria-invalid="true" aria-describedby="reason-own-1-err"`) {
		t.Error("the skip reason field is not marked invalid")
	}
	wantPost(t, s, c, task, url.Values{"action": {"block"}, "blocker": {""}}, http.StatusUnprocessableEntity, "a blocked task needs what it waits for")
	wantPost(t, s, c, task, url.Values{"action": {"assign"}, "assignee": {"nobody"}}, http.StatusUnprocessableEntity, `class="field-error"`)
	wantPost(t, s, c, task, url.Values{"action": {"tick"}, "item": {"7"}, "done": {"yes"}}, http.StatusUnprocessableEntity, "checklist items")
	wantPost(t, s, c, task, url.Values{"action": {"explode"}}, http.StatusUnprocessableEntity, "unknown task action")
	wantPost(t, s, c, task, url.Values{"action": {"due"}, "due_at": {"tomorrow-ish"}}, http.StatusUnprocessableEntity, "is not a date and time")
	wantPost(t, s, c, task, url.Values{"action": {"due"}, "due_at": {""}}, http.StatusUnprocessableEntity, "No due time")
	wantPost(t, s, c, base+"/no-such", url.Values{"action": {"done"}}, http.StatusNotFound)
	if tk := s.task(t, "INC-1", "own-1"); tk.State != incident.TaskTodo || tk.Assignee != "alice" {
		t.Fatalf("refused changes changed the task: %+v", tk)
	}

	steps := []struct {
		form  url.Values
		flash string
		check func(incident.Task) bool
	}{
		{url.Values{"action": {"start"}}, "taskstarted", func(tk incident.Task) bool { return tk.State == incident.TaskInProgress }},
		{url.Values{"action": {"tick"}, "item": {"0"}, "done": {"yes"}}, "taskticked", func(tk incident.Task) bool { return tk.Checklist[0].Done }},
		{url.Values{"action": {"assign"}, "assignee": {"vera"}}, "taskassigned", func(tk incident.Task) bool { return tk.Assignee == "vera" }},
		{url.Values{"action": {"notes"}, "notes": {"Key id 1234 is the one"}}, "tasknotes", func(tk incident.Task) bool { return tk.Notes == "Key id 1234 is the one" }},
		{url.Values{"action": {"due"}, "due_at": {"2099-01-02T03:04"}, "tz_offset": {"-60"}}, "taskdue", func(tk incident.Task) bool {
			return tk.DueAt != nil && tk.DueAt.Equal(time.Date(2099, 1, 2, 2, 4, 0, 0, time.UTC))
		}},
		{url.Values{"action": {"due"}, "clear_due": {"1"}}, "taskdue", func(tk incident.Task) bool { return tk.DueAt == nil }},
		{url.Values{"action": {"block"}, "blocker": {"the vendor's answer"}}, "taskblocked", func(tk incident.Task) bool {
			return tk.State == incident.TaskBlocked && tk.Blocker == "the vendor's answer"
		}},
		{url.Values{"action": {"done"}}, "taskdone", func(tk incident.Task) bool { return tk.State == incident.TaskDone && tk.CompletedBy == "alice" }},
		{url.Values{"action": {"reopen"}}, "taskreopened", func(tk incident.Task) bool { return tk.State == incident.TaskTodo }},
		{url.Values{"action": {"skip"}, "reason": {"The key was never deployed"}}, "taskskipped", func(tk incident.Task) bool {
			return tk.State == incident.TaskSkipped && tk.SkipReason == "The key was never deployed"
		}},
	}
	for _, st := range steps {
		wantPost(t, s, c, task, st.form, http.StatusSeeOther, "/incidents/INC-1/tasks?flash="+st.flash+"#task-own-1")
		if tk := s.task(t, "INC-1", "own-1"); !st.check(tk) {
			t.Fatalf("after %v the task is %+v", st.form, tk)
		}
	}
	page = s.get(t, c, base)
	for _, want := range []string{"Skipped:</b> The key was never deployed", "Key id 1234 is the one", `data-task-action="reopen"`, "1/1 done"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the tasks section lacks %q", want)
		}
	}

	// A viewer sees the tasks but no forms, and may not post.
	v := s.signIn(t, "vera")
	page = s.get(t, v, base)
	if page.status != http.StatusOK || !strings.Contains(page.body, "Rotate the deploy key") {
		t.Fatalf("viewer's tasks section: %d", page.status)
	}
	if strings.Contains(page.body, `action="/incidents/INC-1/tasks`) {
		t.Error("a viewer is offered task forms")
	}
	if r := s.post(t, v, task, url.Values{"action": {"reopen"}}); r.status != http.StatusForbidden {
		t.Errorf("a viewer's task change answered %d", r.status)
	}
}

// TestGateListsOpenTasks: a move blocked by open required tasks is a
// disabled button with those tasks listed under it.
func TestGateListsOpenTasks(t *testing.T) {
	t.Parallel()
	s, c := taskSite(t, time.Now, "availability.outage")
	ctx := context.Background()
	svc := s.app.Services.Incidents
	cmd := incident.Command{Actor: incident.Viewer{User: "alice"}, Ref: "INC-1"}
	for _, title := range []string{"Revoke the sessions", "Rotate the secret"} {
		if _, err := svc.AddTask(ctx, cmd, incident.TaskInput{Title: title, Phase: plan.Contain, Required: true}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.AddTask(ctx, cmd, incident.TaskInput{Title: "Scope the exposure", Phase: plan.Contain}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Transition(ctx, cmd, incident.Active, ""); err != nil {
		t.Fatal(err)
	}
	// A significant incident also needs a commander to be contained:
	// only the tasks are left to block it.
	if _, err := svc.Assign(ctx, cmd, incident.IncidentCommander, "alice"); err != nil {
		t.Fatal(err)
	}
	page := s.get(t, c, "/incidents/INC-1")
	for _, want := range []string{`data-move="contained" disabled`, `id="gate-contained"`, `href="/incidents/INC-1/tasks#task-own-1">Revoke the sessions`,
		`href="/incidents/INC-1/tasks#task-own-2">Rotate the secret`, "Response plan", "0/3"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the overview lacks %q", want)
		}
	}
	if strings.Contains(page.body, `#task-own-3">`) {
		t.Error("a task that is not required is listed as blocking")
	}
	v := strconvI(s.incident(t, "INC-1").Version)
	wantPost(t, s, c, "/incidents/INC-1/transition", url.Values{"to": {"contained"}, "version": {v}}, http.StatusUnprocessableEntity, "Revoke the sessions", "Rotate the secret")
	wantPost(t, s, c, "/incidents/INC-1/tasks/own-1", url.Values{"action": {"done"}}, http.StatusSeeOther, "flash=taskdone")
	wantPost(t, s, c, "/incidents/INC-1/tasks/own-2", url.Values{"action": {"skip"}, "reason": {"Not exposed"}}, http.StatusSeeOther, "flash=taskskipped")
	page = s.get(t, c, "/incidents/INC-1")
	if strings.Contains(page.body, `id="gate-contained"`) || strings.Contains(page.body, `data-move="contained" disabled`) {
		t.Error("the gate is still shown with every required task done or skipped")
	}
	v = strconvI(s.incident(t, "INC-1").Version)
	wantPost(t, s, c, "/incidents/INC-1/transition", url.Values{"to": {"contained"}, "version": {v}}, http.StatusSeeOther)
}

func TestAssessForm(t *testing.T) {
	t.Parallel()
	s, c := taskSite(t, time.Now, "availability.outage")
	const path = "/incidents/INC-1/assess"
	answers := func(do string, kv ...string) url.Values {
		f := url.Values{"do": {do}, "a_data": {"credentials"}, "a_service": {"none"}, "a_customers": {"some"}, "a_legal": {"none"}, "a_spread": {"contained"}}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return f
	}
	overview := s.get(t, c, "/incidents/INC-1")
	for _, want := range []string{`id="assess"`, `name="a_data"`, `value="credentials"`, "Assess impact"} {
		if !strings.Contains(overview.body, want) {
			t.Errorf("the overview lacks %q", want)
		}
	}

	// Suggest needs every answer, and says which is missing.
	wantPost(t, s, c, path, url.Values{"do": {"suggest"}, "a_data": {"personal"}}, http.StatusUnprocessableEntity, `id="dim-service-err"`, "is unanswered")
	// The suggestion and why, worked out on the server; nothing recorded.
	r := wantPost(t, s, c, path, answers("suggest"), http.StatusOK, `id="assess-suggestion"`, "SEV1", "data: Credentials, keys or secrets")
	if !strings.Contains(r.body, `value="credentials" checked`) {
		t.Error("the suggestion lost the answers")
	}
	if inc := s.incident(t, "INC-1"); inc.Assessment != nil || inc.Severity != "SEV2" {
		t.Fatalf("suggesting recorded something: %+v %s", inc.Assessment, inc.Severity)
	}
	// Another level than the suggestion needs a reason, shown at its field.
	wantPost(t, s, c, path, answers("record", "severity", "SEV3"), http.StatusUnprocessableEntity, `id="assess-reason-err"`, "needs a reason")
	// Record the suggestion.
	wantPost(t, s, c, path, answers("record"), http.StatusSeeOther, "/incidents/INC-1?flash=assessed#assess")
	inc := s.incident(t, "INC-1")
	if inc.Severity != "SEV1" || inc.Assessment == nil || inc.Assessment.Suggested != "SEV1" || inc.Assessment.By != "alice" {
		t.Fatalf("after recording: severity %s, assessment %+v", inc.Severity, inc.Assessment)
	}
	overview = s.get(t, c, "/incidents/INC-1?flash=assessed")
	for _, want := range []string{"The assessment is recorded.", `id="assess-latest"`, "Credentials, keys or secrets"} {
		if !strings.Contains(overview.body, want) {
			t.Errorf("the overview after recording lacks %q", want)
		}
	}
	// A re-assessment choosing another level with a reason.
	wantPost(t, s, c, path, answers("record", "severity", "SEV2", "reason", "Test credentials only"), http.StatusSeeOther, "flash=assessed")
	if inc := s.incident(t, "INC-1"); inc.Severity != "SEV2" || inc.Assessment.Reason != "Test credentials only" {
		t.Fatalf("after re-assessing: %s %+v", inc.Severity, inc.Assessment)
	}
	if r := s.post(t, s.signIn(t, "vera"), path, answers("record")); r.status != http.StatusForbidden {
		t.Errorf("a viewer's assessment answered %d", r.status)
	}
}

// TestMyTasks: the person's open tasks across incidents, overdue first
// then by due time, never one of an incident they may not see.
func TestMyTasks(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	s, c := taskSite(t, clk.now, "availability.outage")
	ctx := context.Background()
	svc := s.app.Services.Incidents
	cmd := func(user, ref string) incident.Command {
		return incident.Command{Actor: incident.Viewer{User: user}, Ref: ref}
	}
	if _, err := svc.Declare(ctx, "alice", incident.DeclareInput{Title: "Laptop stolen", Severity: "SEV3", Source: incident.SourceInternal}); err != nil {
		t.Fatal(err)
	}
	// Restricted, and alice holds no role in it: its task for her stays hidden.
	if _, err := svc.Declare(ctx, "admin", incident.DeclareInput{Title: "Insider case", Severity: "SEV3", Source: incident.SourceInternal, Restricted: true}); err != nil {
		t.Fatal(err)
	}
	due := func(d time.Duration) *time.Time { at := clk.now().Add(d); return &at }
	add := func(ref, title, assignee string, at *time.Time) {
		t.Helper()
		actor := "alice"
		if ref == "INC-3" {
			actor = "admin"
		}
		if _, err := svc.AddTask(ctx, cmd(actor, ref), incident.TaskInput{Title: title, Phase: plan.Contain, Assignee: assignee, DueAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	add("INC-1", "Due in two hours", "alice", due(2*time.Hour))
	add("INC-1", "Overdue by half an hour", "alice", due(30*time.Minute))
	add("INC-1", "No due time", "alice", nil)
	add("INC-2", "Overdue by fifty minutes", "alice", due(10*time.Minute))
	add("INC-2", "Bob's task", "vera", due(time.Minute))
	add("INC-2", "Done already", "alice", nil)
	add("INC-3", "Secret insider task", "alice", due(time.Minute))
	if _, err := svc.UpdateTask(ctx, cmd("alice", "INC-2"), "own-3", incident.TaskUpdate{State: ptr(incident.TaskDone)}); err != nil {
		t.Fatal(err)
	}
	clk.advance(time.Hour)

	page := s.get(t, c, "/my/tasks")
	if page.status != http.StatusOK {
		t.Fatalf("/my/tasks: %d", page.status)
	}
	order := []string{"Overdue by fifty minutes", "Overdue by half an hour", "Due in two hours", "No due time"}
	last := -1
	for _, title := range order {
		i := strings.Index(page.body, title)
		if i < 0 {
			t.Fatalf("/my/tasks lacks %q", title)
		}
		if i < last {
			t.Errorf("%q is out of order (want %v)", title, order)
		}
		last = i
	}
	for _, not := range []string{"Bob's task", "Done already", "Secret insider task", "Insider case"} {
		if strings.Contains(page.body, not) {
			t.Errorf("/my/tasks shows %q", not)
		}
	}
	for _, want := range []string{`href="/my/tasks" aria-current="page"`, "50m overdue", `href="/incidents/INC-2/tasks#task-own-1"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("/my/tasks lacks %q", want)
		}
	}
	// Nor through the incident's own pages and forms.
	if r := s.get(t, c, "/incidents/INC-3/tasks"); r.status != http.StatusNotFound || strings.Contains(r.body, "Secret insider task") {
		t.Errorf("the restricted incident's tasks answered alice %d", r.status)
	}
	if r := s.post(t, c, "/incidents/INC-3/tasks/own-1", url.Values{"action": {"done"}}); r.status != http.StatusNotFound || strings.Contains(r.body, "Secret insider task") {
		t.Errorf("a change to the restricted incident's task answered alice %d", r.status)
	}
	if p := s.get(t, s.signIn(t, "vera"), "/my/tasks"); !strings.Contains(p.body, "Bob&#39;s task") || strings.Contains(p.body, "Due in two hours") {
		t.Errorf("vera's tasks are wrong:\n%s", p.body)
	}
}

func ptr[T any](v T) *T { return &v }

// TestTaskPhaseTimes: each phase shows its time so far, the assessment's
// ending when the incident leaves triage.
func TestTaskPhaseTimes(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	s, c := taskSite(t, clk.now, "availability.outage")
	ctx := context.Background()
	svc := s.app.Services.Incidents
	cmd := incident.Command{Actor: incident.Viewer{User: "alice"}, Ref: "INC-1"}
	for _, ph := range []plan.Phase{plan.Assess, plan.Contain} {
		if _, err := svc.AddTask(ctx, cmd, incident.TaskInput{Title: "Work of " + string(ph), Phase: ph}); err != nil {
			t.Fatal(err)
		}
	}
	clk.advance(10 * time.Minute)
	if _, err := svc.Transition(ctx, cmd, incident.Active, ""); err != nil {
		t.Fatal(err)
	}
	clk.advance(5 * time.Minute)
	page := s.get(t, c, "/incidents/INC-1/tasks")
	for ph, want := range map[string]string{"assess": "10m in phase", "contain": "5m in phase"} {
		_, head, _ := strings.Cut(page.body, `id="phase-`+ph+`-h"`)
		head, _, _ = strings.Cut(head, "</h3>")
		if !strings.Contains(head, want) {
			t.Errorf("the %s phase says %q, want %q", ph, head, want)
		}
	}
}
