package browsertest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

// TestBrowserCredentialCompromisePlan is issue 15's first check: an alert
// declared from the triage queue, assessed (the answers suggest SEV1),
// activated — the built-in credential-compromise plan hands out its tasks
// with owners and due times —, each phase move refused while its required
// tasks are open, the tasks worked (one skipped with a reason) and the
// incident moved through containment, eradication and recovery; the page
// fits a phone and a desktop and the timeline is one tap away.
func TestBrowserCredentialCompromisePlan(t *testing.T) {
	c := newConsoleWith(t, func(cfg *app.Config) { cfg.Library = plan.Library() })
	dir := shots(t)
	deliver(t, c.app.Services.Triage, c.url)
	b := c.browser(testContext(t), t, "alice")
	b.signIn("alice")

	// Declare from the queue entry, not yet assessed.
	b.open("/triage")
	b.do(chromedp.WaitVisible(chromedp.CSS("a.q-title")))
	entry := run(b, chromedp.AttributeValue(chromedp.CSS("a.q-title"), "href"))
	b.open(entry.Value)
	b.do(chromedp.WaitVisible(chromedp.ID("t-title")),
		chromedp.SetValue(chromedp.ID("t-title"), "Deploy key used from an unknown network"),
		chromedp.SetValue(chromedp.ID("t-sev"), ""),
		chromedp.SetValue(chromedp.ID("t-type"), "security.credential-compromise"))
	if status := b.submit("Declare incident"); status != http.StatusOK {
		t.Fatalf("declare answered %d", status)
	}
	b.wantPath("/incidents/INC-1")

	// Assess: the suggestion is worked out on the server before recording.
	for dim, v := range map[string]string{"data": "credentials", "service": "none", "customers": "some", "legal": "possible", "spread": "contained"} {
		b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="a_%s"][value=%q]`, dim, v))))
	}
	if status := b.submit("Suggest"); status != http.StatusOK {
		t.Fatalf("suggest answered %d", status)
	}
	b.wantText("#assess-suggestion", "SEV1")
	b.wantText("#assess-suggestion", "Credentials")
	if status := b.submit("Record assessment"); status != http.StatusOK {
		t.Fatalf("record answered %d", status)
	}
	b.wantText(".notice.ok", "The assessment is recorded.")
	b.wantText(".inc-head .meta", "SEV1")
	if a := c.get(t, "INC-1").Assessment; a == nil || a.Suggested != "SEV1" || a.Severity != "SEV1" {
		t.Fatalf("assessment: %+v", a)
	}

	// Roles, then activate: the plan's tasks appear with owners and due times.
	assign(b, "ir_lead", "alice", "IR Lead")
	assign(b, "incident_commander", "bob", "Incident Commander")
	assign(b, "responder", "bob", "Responder")
	move(b, "active", "Activate response")
	inc := c.get(t, "INC-1")
	if _, ok := inc.AppliedPlan("credential-compromise"); !ok {
		t.Fatalf("activation applied no credential-compromise plan: %+v", inc.Plans)
	}
	for key, who := range map[string]string{"identify-credential": "alice", "revoke-sessions": "bob", "rotate-secret": "bob"} {
		tk, ok := inc.Task(key)
		if !ok || tk.Assignee != who || tk.DueAt == nil {
			t.Fatalf("task %s: %+v (want assigned to %s, with a due time)", key, tk, who)
		}
	}
	b.open("/incidents/INC-1/tasks")
	b.wantText("#task-revoke-sessions .task-who", "bob")
	b.wantText("#task-revoke-sessions .task-who", "Incident Commander")
	b.wantText("#task-revoke-sessions .task-due", "due in")
	b.wantText("#phase-contain h3", "0/")
	b.shot(dir, "plan-tasks")

	// Contained is refused while its required tasks are open: the button is
	// disabled and the open tasks are listed under it.
	b.open("/incidents/INC-1")
	wantGate(b, "contained", "Identify the credential", "Revoke the sessions", "Rotate the secret")

	// Work the tasks: tick, done, and one skipped with a reason.
	b.open("/incidents/INC-1/tasks")
	taskAction(b, "revoke-sessions", `button[data-tick="0"]`, "The checklist is updated.")
	if !c.get(t, "INC-1").Tasks[taskIndex(t, c, "revoke-sessions")].Checklist[0].Done {
		t.Fatal("ticking the first item did not record it")
	}
	taskAction(b, "identify-credential", `button[data-task-action="done"]`, "The task is done.")
	taskAction(b, "revoke-sessions", `button[data-task-action="done"]`, "The task is done.")
	// Skipping without a reason is refused at the field.
	b.do(chromedp.Click(chromedp.Search(`//li[@id="task-rotate-secret"]//summary[normalize-space()="Skip…"]`)),
		chromedp.RemoveAttribute(chromedp.ID("reason-rotate-secret"), "required"))
	if status := b.submitSel(chromedp.Search(`//li[@id="task-rotate-secret"]//button[@data-task-action="skip"]`)); status != http.StatusUnprocessableEntity {
		t.Fatalf("a skip without a reason answered %d", status)
	}
	b.wantText("#reason-rotate-secret-err", "needs a reason")
	b.do(chromedp.SendKeys(chromedp.ID("reason-rotate-secret"), "The key was revoked by the provider; nothing to rotate"))
	if status := b.submitSel(chromedp.Search(`//li[@id="task-rotate-secret"]//button[@data-task-action="skip"]`)); status != http.StatusOK {
		t.Fatalf("skip answered %d", status)
	}
	b.wantText(".notice.ok", "The task is skipped.")
	b.wantText("#task-rotate-secret .task-skip", "revoked by the provider")
	b.open("/incidents/INC-1")
	if b.count("#gate-contained") != 0 {
		t.Fatalf("the contained gate is still listed: %s", b.text("#gate-contained"))
	}
	move(b, "contained", "Mark contained")

	// Eradicate: the required task and a root cause.
	wantGate(b, "eradicated", "Remove any foothold")
	b.wantText("#why-eradicated", "root cause")
	b.open("/incidents/INC-1/tasks")
	b.wantText("#task-remove-persistence .task-due", "due in")
	taskAction(b, "remove-persistence", `button[data-task-action="done"]`, "The task is done.")
	b.open("/incidents/INC-1")
	b.do(chromedp.SetValue(chromedp.ID("d-root"), "A deploy key committed to a public repository."))
	b.submit("Save details")
	move(b, "eradicated", "Mark eradicated")

	// Recover.
	wantGate(b, "recovered", "Verify the old credential")
	b.open("/incidents/INC-1/tasks")
	taskAction(b, "verify-unused", `button[data-task-action="done"]`, "The task is done.")
	b.open("/incidents/INC-1")
	move(b, "recovered", "Mark recovered")
	if st := c.get(t, "INC-1").State; st != incident.Recovered {
		t.Fatalf("state after recovering: %s", st)
	}

	// The workspace fits a phone and a desktop, and the timeline is one tap
	// from the overview and the tasks.
	for _, size := range []struct {
		name string
		set  func()
	}{{"phone", b.phone}, {"desktop", b.desktop}} {
		size.set()
		for _, path := range []string{"/incidents/INC-1", "/incidents/INC-1/tasks"} {
			b.open(path)
			if sw, iw, culprits := b.overflow(); sw > iw {
				t.Errorf("%s at %s: scrollWidth %d > innerWidth %d; sticking out: %v", path, size.name, sw, iw, culprits)
			}
			b.shot(dir, "plan-"+size.name+strings.ReplaceAll(path, "/", "-"))
			tab := `nav.tabs a[data-section="timeline"]`
			visible := run(b, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const r = document.querySelector(%s).getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; })()`, jsString(tab))))
			if !visible {
				t.Errorf("%s at %s: the timeline tab is not on the first screen", path, size.name)
			}
			if _, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(tab))); err != nil {
				t.Fatalf("tap the timeline tab: %v", err)
			}
			b.wantPath("/incidents/INC-1/timeline")
			b.wantText("#timeline", "Timeline")
		}
	}
}

// wantGate checks the move to `to` is a disabled button with each of the
// open tasks listed under it.
func wantGate(b *browser, to string, tasks ...string) {
	b.t.Helper()
	if b.count(fmt.Sprintf(`#actions button[data-move=%q][disabled]`, to)) != 1 {
		b.t.Fatalf("the move to %s is not a disabled button: %s", to, b.text("#actions"))
	}
	for _, title := range tasks {
		b.wantText("#gate-"+to, title)
	}
}

// taskAction clicks a button of a task in the Tasks section and checks the
// section comes back with the flash.
func taskAction(b *browser, key, button, flash string) {
	b.t.Helper()
	if status := b.submitSel(chromedp.Search(fmt.Sprintf(`#task-%s %s`, key, button))); status != http.StatusOK {
		b.t.Fatalf("%s %s answered %d: %s", key, button, status, b.text("#notices"))
	}
	b.wantText(".notice.ok", flash)
	if p := b.path(); !strings.HasPrefix(p, "/incidents/INC-1/tasks") {
		b.t.Fatalf("after %s %s the page is %s, not the tasks", key, button, p)
	}
}

func taskIndex(t *testing.T, c *console, key string) int {
	t.Helper()
	for i, tk := range c.get(t, "INC-1").Tasks {
		if tk.Key == key {
			return i
		}
	}
	t.Fatalf("no task %s", key)
	return -1
}
