package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// TestPlanFormsWithoutScript: a matching plan is offered and applied by
// hand, applying it twice or an unknown one is refused, and detaching it
// needs a reason, removes its open tasks and keeps the done ones.
func TestPlanFormsWithoutScript(t *testing.T) {
	t.Parallel()
	s, c := taskSite(t, time.Now, "security.credential-compromise")
	const tasks = "/incidents/INC-1/tasks"
	page := s.get(t, c, tasks)
	for _, want := range []string{`data-apply="credential-compromise"`, "No plan is applied."} {
		if !strings.Contains(page.body, want) {
			t.Fatalf("the tasks section of a triage incident lacks %q", want)
		}
	}
	wantPost(t, s, c, "/incidents/INC-1/plans", url.Values{"plan": {"no-such-plan"}}, http.StatusNotFound, "no-such-plan")
	wantPost(t, s, c, "/incidents/INC-1/plans", url.Values{"plan": {"credential-compromise"}}, http.StatusSeeOther, tasks+"?flash=planapplied#plans")
	inc := s.incident(t, "INC-1")
	if _, ok := inc.AppliedPlan("credential-compromise"); !ok || len(inc.Tasks) == 0 {
		t.Fatalf("applying: plans %+v, %d tasks", inc.Plans, len(inc.Tasks))
	}
	page = s.get(t, c, tasks+"?flash=planapplied")
	for _, want := range []string{"The plan is applied", `id="plan-credential-compromise"`, `id="task-rotate-secret"`, "Detach…"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the tasks section after applying lacks %q", want)
		}
	}
	if strings.Contains(page.body, `data-apply="credential-compromise"`) {
		t.Error("an applied plan is still offered")
	}
	wantPost(t, s, c, "/incidents/INC-1/plans", url.Values{"plan": {"credential-compromise"}}, http.StatusConflict, "already applied")

	wantPost(t, s, c, tasks+"/identify-credential", url.Values{"action": {"done"}}, http.StatusSeeOther, "flash=taskdone")
	r := wantPost(t, s, c, "/incidents/INC-1/plans/credential-compromise/detach", url.Values{"reason": {" "}}, http.StatusUnprocessableEntity, "needs a reason")
	if !strings.Contains(r.body, `<details class="task-more" open>`) {
		t.Error("the failed detach form is not open")
	}
	wantPost(t, s, c, "/incidents/INC-1/plans/credential-compromise/detach", url.Values{"reason": {"Wrong plan: it was a phishing mail"}}, http.StatusSeeOther, tasks+"?flash=plandetached#plans")
	inc = s.incident(t, "INC-1")
	if len(inc.Tasks) != 1 || inc.Tasks[0].Key != "identify-credential" || inc.Tasks[0].State != incident.TaskDone {
		t.Fatalf("after detaching, tasks are %+v; want only the done one", inc.Tasks)
	}
	page = s.get(t, c, tasks)
	if !strings.Contains(page.body, ">detached<") {
		t.Error("the detached plan is not marked")
	}
}
