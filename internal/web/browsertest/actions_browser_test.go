package browsertest

import (
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// TestBrowserActionItems: an action item added on the incident's Action
// items section shows on /actions for its owner, who follows it back to
// the section and marks it done; the post-mortem's tab bar links the
// section.
func TestBrowserActionItems(t *testing.T) {
	c := newConsole(t)
	inc := c.seed(t, incident.DeclareInput{Title: "Phished payroll login"})
	due := c.app.Services.Actions.Now().In(c.app.Services.Actions.Zone()).AddDate(0, 0, 3).Format(time.DateOnly)

	a := c.browser(testContext(t), t, "alice")
	a.signIn("alice")
	a.open("/incidents/" + inc.Ref + "/postmortem")
	a.do(chromedp.Click(chromedp.Search(`//nav//a[normalize-space()="Action items" and contains(@href, "/incidents/`+inc.Ref+`/actions")]`)),
		chromedp.WaitVisible(chromedp.ID("action-new")))
	a.wantPath("/incidents/" + inc.Ref + "/actions")
	a.do(chromedp.SetValue(chromedp.ID("new-title"), "Enforce phishing-resistant MFA for payroll"),
		chromedp.SetValue(chromedp.ID("new-owner"), "bob"),
		chromedp.SetValue(chromedp.ID("new-due"), due),
		chromedp.SetValue(chromedp.ID("new-priority"), "p1"),
		chromedp.SetValue(chromedp.ID("new-kind"), "prevent"))
	if status := a.submit("Add the action item"); status != http.StatusOK {
		t.Fatalf("add answered %d", status)
	}
	a.wantText("#ACT-1", "Enforce phishing-resistant MFA for payroll")
	a.wantText("#ACT-1 .action-state", "open")

	b := c.browser(testContext(t), t, "bob")
	b.signIn("bob")
	b.open("/actions")
	b.wantText("#ACT-1", "Enforce phishing-resistant MFA for payroll")
	b.do(chromedp.Click(chromedp.CSS(`#ACT-1 a[href*="/actions#ACT-1"]`)), chromedp.WaitVisible(chromedp.ID("action-list")))
	b.wantPath("/incidents/" + inc.Ref + "/actions#ACT-1")
	if status := b.submit("Done"); status != http.StatusOK {
		t.Fatalf("done answered %d", status)
	}
	b.wantText("#ACT-1 .action-state", "done")
	b.open("/actions?state=done")
	b.wantText("#ACT-1", "done")
}
