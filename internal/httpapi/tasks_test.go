package httpapi_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// mustCall fails unless the call answers status.
func (s *setup) mustCall(t *testing.T, status int, user, method, path, body string, hdr ...string) answer {
	t.Helper()
	a := s.call(t, user, method, path, body, hdr...)
	if a.status != status {
		t.Fatalf("%s %s as %s: %d %s, want %d", method, path, user, a.status, a.raw, status)
	}
	return a
}

// activeIncident declares an incident rita leads and moves it to active.
func activeIncident(t *testing.T, s *setup, body string) string {
	t.Helper()
	ref := s.mustCall(t, 201, "rita", "POST", "/api/v1/incidents", body).body["ref"].(string)
	for _, r := range []string{"ir_lead", "incident_commander"} {
		s.mustCall(t, 200, "rita", "POST", "/api/v1/incidents/"+ref+"/roles", `{"role":"`+r+`","user":"rita"}`)
	}
	s.mustCall(t, 200, "rita", "POST", "/api/v1/incidents/"+ref+"/transition", `{"to":"active"}`)
	return ref
}

func lastTaskKey(t *testing.T, a answer) string {
	t.Helper()
	ts, _ := a.body["tasks"].([]any)
	if len(ts) == 0 {
		t.Fatalf("no tasks in %s", a.raw)
	}
	return ts[len(ts)-1].(map[string]any)["key"].(string)
}

func TestTasksAPI(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	ref := activeIncident(t, s, `{"title":"leaked key","severity":"SEV2"}`)
	base := "/api/v1/incidents/" + ref
	due := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	k1 := lastTaskKey(t, s.mustCall(t, 201, "rita", "POST", base+"/tasks", `{"title":"Revoke sessions","phase":"contain","required":true,"due_at":"`+due+`","checklist":["SSO","VPN"]}`))
	k2 := lastTaskKey(t, s.mustCall(t, 201, "rita", "POST", base+"/tasks", `{"title":"Rotate the secret","phase":"contain","required":true,"assignee":"rob"}`))
	s.mustCall(t, 403, "vera", "POST", base+"/tasks", `{"title":"viewers read"}`)
	if a := s.call(t, "rita", "POST", base+"/tasks", `{"title":"x","assignee":"nobody"}`); a.status != 422 || !reflect.DeepEqual(a.locations(), []string{"assignee"}) {
		t.Fatalf("unknown assignee: %d %s", a.status, a.raw)
	}

	// The gate: contained is refused with one tasks.<key> detail per open
	// required task.
	a := s.call(t, "rita", "POST", base+"/transition", `{"to":"contained"}`)
	if a.status != 422 || !strings.HasPrefix(a.header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("contained with open required tasks: %d %s", a.status, a.raw)
	}
	var gates []string
	for _, l := range a.locations() {
		if strings.HasPrefix(l, "tasks.") {
			gates = append(gates, l)
		}
	}
	if !reflect.DeepEqual(gates, []string{"tasks." + k1, "tasks." + k2}) || !strings.Contains(a.raw, "assigned to rob") {
		t.Fatalf("gate details: %v in %s", gates, a.raw)
	}

	// Skipping needs a reason, blocking what it waits for.
	if a := s.call(t, "rita", "PATCH", base+"/tasks/"+k2, `{"state":"skipped"}`); a.status != 422 || !reflect.DeepEqual(a.locations(), []string{"reason"}) {
		t.Fatalf("skip without a reason: %d %s", a.status, a.raw)
	}
	if a := s.call(t, "rita", "PATCH", base+"/tasks/"+k2, `{"state":"blocked"}`); a.status != 422 || !reflect.DeepEqual(a.locations(), []string{"blocker"}) {
		t.Fatalf("block without a blocker: %d %s", a.status, a.raw)
	}
	s.mustCall(t, 404, "rita", "PATCH", base+"/tasks/no-such-task", `{"state":"done"}`)
	// If-Match: a stale version fails the precondition, the current one applies.
	cur := s.mustCall(t, 200, "rita", "GET", base, "").header.Get("ETag")
	s.mustCall(t, 412, "rita", "PATCH", base+"/tasks/"+k1, `{"state":"done"}`, "If-Match", `"1"`)
	s.mustCall(t, 200, "rita", "PATCH", base+"/tasks/"+k1, `{"check":{"index":1,"done":true}}`, "If-Match", cur)
	s.mustCall(t, 200, "rob", "PATCH", base+"/tasks/"+k1, `{"state":"done"}`)
	s.mustCall(t, 200, "rob", "PATCH", base+"/tasks/"+k2, `{"state":"skipped","reason":"rotated already"}`)

	// The incident's tasks, progress and plans; viewers read.
	a = s.mustCall(t, 200, "vera", "GET", base+"/tasks", "")
	if a.header.Get("ETag") == "" || len(a.body["tasks"].([]any)) != 2 || fmt.Sprint(a.body["plans"]) != "[]" || fmt.Sprint(a.body["suggested_plans"]) != "[]" {
		t.Fatalf("tasks: %s", a.raw)
	}
	pr := a.body["progress"].([]any)
	if len(pr) != 1 || fmt.Sprint(pr[0]) != "map[done:2 overdue:0 phase:contain required_open:0 total:2]" {
		t.Fatalf("progress: %v", pr)
	}
	task := a.body["tasks"].([]any)[0].(map[string]any)
	if task["state"] != "done" || task["completed_by"] != "rob" || fmt.Sprint(task["checklist"]) != "[map[done:false text:SSO] map[done:true text:VPN]]" {
		t.Fatalf("task %s: %v", k1, task)
	}
	s.mustCall(t, 200, "rita", "POST", base+"/transition", `{"to":"contained"}`)

	// Plans: no plan service behind this server; detaching one not applied
	// is a 404 naming the plan.
	if a := s.call(t, "rita", "DELETE", base+"/plans/baseline?reason=wrong", ""); a.status != 404 || !reflect.DeepEqual(a.locations(), []string{"plan"}) {
		t.Fatalf("detach a plan not applied: %d %s", a.status, a.raw)
	}
}

func TestTasksAcrossIncidents(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	open := activeIncident(t, s, `{"title":"open one","severity":"SEV2"}`)
	secret := activeIncident(t, s, `{"title":"secret one","severity":"SEV2","restricted":true}`)
	soon := time.Now().Add(time.Minute).UTC().Format(time.RFC3339)
	later := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	s.mustCall(t, 201, "rita", "POST", "/api/v1/incidents/"+open+"/tasks", `{"title":"later","assignee":"rob","due_at":"`+later+`"}`)
	s.mustCall(t, 201, "rita", "POST", "/api/v1/incidents/"+secret+"/tasks", `{"title":"hidden","assignee":"rob","due_at":"`+soon+`"}`)
	s.mustCall(t, 201, "rita", "POST", "/api/v1/incidents/"+open+"/tasks", `{"title":"mine"}`)
	titles := func(a answer) []string {
		out := []string{}
		for _, it := range a.body["items"].([]any) {
			m := it.(map[string]any)
			out = append(out, fmt.Sprint(m["incident_ref"], " ", m["title"]))
		}
		return out
	}
	// rob is assigned the secret incident's task but takes no part in it:
	// it stays hidden from him.
	if got := titles(s.mustCall(t, 200, "rob", "GET", "/api/v1/tasks?assignee=me", "")); !reflect.DeepEqual(got, []string{open + " later"}) {
		t.Fatalf("rob's tasks: %v", got)
	}
	if got := titles(s.mustCall(t, 200, "rita", "GET", "/api/v1/tasks?assignee=rob", "")); !reflect.DeepEqual(got, []string{secret + " hidden", open + " later"}) {
		t.Fatalf("rob's tasks as rita: %v", got)
	}
	if got := titles(s.mustCall(t, 200, "rita", "GET", "/api/v1/tasks?assignee=me&state=all", "")); !reflect.DeepEqual(got, []string{open + " mine"}) {
		t.Fatalf("rita's tasks: %v", got)
	}
	if got := titles(s.mustCall(t, 200, "vera", "GET", "/api/v1/tasks?overdue=true", "")); !reflect.DeepEqual(got, []string{}) {
		t.Fatalf("overdue now: %v", got)
	}
	// The incident list: by the earliest open task due.
	a := s.mustCall(t, 200, "rita", "GET", "/api/v1/incidents?sort=task_due", "")
	var refs []string
	for _, it := range a.body["items"].([]any) {
		refs = append(refs, it.(map[string]any)["ref"].(string))
	}
	if !reflect.DeepEqual(refs, []string{secret, open}) {
		t.Fatalf("by task due: %v", refs)
	}
	if a := s.mustCall(t, 200, "rita", "GET", "/api/v1/incidents?overdue_tasks=true", ""); len(a.body["items"].([]any)) != 0 {
		t.Fatalf("no task is overdue: %s", a.raw)
	}
	s.mustCall(t, 422, "rita", "GET", "/api/v1/incidents?sort=oldest", "")
}

func TestAssessmentAPI(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	form := s.mustCall(t, 200, "vera", "GET", "/api/v1/assessment", "")
	dims := form.body["dimensions"].([]any)
	if len(dims) != 5 || dims[0].(map[string]any)["key"] != "data" {
		t.Fatalf("form: %s", form.raw)
	}
	ref := activeIncident(t, s, `{"title":"assess me","severity":"SEV4"}`)
	base := "/api/v1/incidents/" + ref + "/assessment"
	if a := s.call(t, "rita", "POST", base, `{"answers":{"data":"personal"}}`); a.status != 422 || len(a.locations()) != 4 {
		t.Fatalf("unanswered dimensions: %d %s", a.status, a.raw)
	}
	answers := `{"data":"personal","service":"none","customers":"many","legal":"possible","spread":"contained"}`
	if a := s.call(t, "rita", "POST", base, `{"answers":`+answers+`,"severity":"SEV3"}`); a.status != 422 || !reflect.DeepEqual(a.locations(), []string{"reason"}) {
		t.Fatalf("another level without a reason: %d %s", a.status, a.raw)
	}
	s.mustCall(t, 403, "vera", "POST", base, `{"answers":`+answers+`}`)
	a := s.mustCall(t, 200, "rita", "POST", base, `{"answers":`+answers+`}`)
	as := a.body["assessment"].(map[string]any)
	if a.body["severity"] != "SEV1" || as["suggested"] != "SEV1" || !strings.Contains(fmt.Sprint(as["why"]), "personal data of many customers") || as["by"] != "rita" {
		t.Fatalf("assessed: severity %v, assessment %v", a.body["severity"], as)
	}
}
