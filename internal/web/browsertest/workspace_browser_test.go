package browsertest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
)

var workspaceSections = []string{"", "/tasks", "/timeline", "/comms", "/paging", "/postmortem"}

// TestBrowserWorkspaceFits opens every section of a busy incident (long
// words, duties, notices, pages) at 375 px and 1,280 px: none scrolls
// sideways, and on the phone the Timeline tab is in the first screenful
// and one tap opens the timeline.
func TestBrowserWorkspaceFits(t *testing.T) {
	c := newConsole(t)
	ctx := testContext(t)
	detected := time.Now().Add(-3 * time.Hour)
	long := "Exfiltration-of-customer-records-through-the-reporting-API-by-a-compromised-service-account"
	inc := c.seed(t, incident.DeclareInput{Title: long + " on the EU cluster", Severity: "SEV1", Type: "security.data-breach",
		Summary: "An attacker used " + long + ".", DetectedAt: &detected})
	svc := c.app.Services.Incidents
	if _, err := svc.AddEntry(ctx, as("alice", inc.Ref), incident.KindEvidence, "Saw "+strings.Repeat("a1b2c3d4", 30)+" in the proxy logs", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AssignNote(ctx, as("alice", inc.Ref), incident.IRLead, "alice", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.app.Services.Notices.Draft(ctx, incident.Viewer{User: "alice", SeeAll: true}, inc.Ref,
		notices.DraftInput{Audience: notices.Customer, Title: "Notification-of-unauthorised-access-to-customer-records-at-ExampleCorporation"}); err != nil {
		t.Fatal(err)
	}
	b := c.browser(ctx, t, "alice")
	b.signIn("alice")
	dir := shots(t)
	for _, size := range []string{"phone", "desktop"} {
		if size == "phone" {
			b.phone()
		} else {
			b.desktop()
		}
		for _, sec := range workspaceSections {
			b.open("/incidents/" + inc.Ref + sec)
			b.wantText(".inc-head h1", "Exfiltration")
			if sw, iw, culprits := b.overflow(); sw > iw {
				t.Errorf("%s %q is %d px wide in a %d px window: %v", size, sec, sw, iw, culprits)
			}
			b.shot(dir, "workspace-"+size+strings.ReplaceAll(sec, "/", "-"))
		}
	}

	b.phone()
	b.open("/incidents/" + inc.Ref + "/comms")
	type box struct{ Top, Bottom, Inner float64 }
	tl := run(b, chromedp.Evaluate[box](`(() => { const r = document.querySelector('.tabs a[data-section="timeline"]').getBoundingClientRect(); return {Top: r.top, Bottom: r.bottom, Inner: window.innerHeight}; })()`))
	if tl.Top < 0 || tl.Bottom > tl.Inner {
		t.Errorf("on a phone the Timeline tab is at %.0f–%.0f px, outside the first %.0f px", tl.Top, tl.Bottom, tl.Inner)
	}
	if status := b.submitSel(chromedp.Search(`//nav[@class="tabs"]/a[normalize-space()="Timeline"]`)); status != 200 {
		t.Fatalf("the Timeline tab answered %d", status)
	}
	b.wantPath("/incidents/" + inc.Ref + "/timeline")
	b.wantText("#events", "in the proxy logs")
	if cur := b.text(`.tabs a[aria-current="page"]`); cur != "Timeline" {
		t.Errorf("current tab %q", cur)
	}
}

// TestBrowserWorkspaceLive: a section open in the browser shows what
// someone else does, without a reload: the timeline's entries and the
// header's severity.
func TestBrowserWorkspaceLive(t *testing.T) {
	c := newConsole(t)
	ctx := testContext(t)
	inc := c.seed(t, incident.DeclareInput{Title: "Credential stuffing", Severity: "SEV2"})
	b := c.browser(ctx, t, "alice")
	b.signIn("alice")
	svc := c.app.Services.Incidents
	for _, sec := range []string{"/timeline", "/paging", "/comms"} {
		b.open("/incidents/" + inc.Ref + sec)
		run(b, chromedp.Evaluate[bool](`window.fbSamePage = true`))
		// The page's live stream may still be connecting: change until a
		// change shows, each given a second.
		seen := false
		for i := range 15 {
			sev := []string{"SEV1", "SEV3"}[i%2]
			if _, err := svc.Update(ctx, as("bob", inc.Ref), incident.UpdateInput{Severity: &sev}); err != nil {
				t.Fatal(err)
			}
			if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](fmt.Sprintf(`document.querySelector("#inc-head .meta").textContent.includes(%s)`, jsString(sev)),
				chromedp.WithPollingTimeout(time.Second))); err == nil {
				seen = true
				break
			}
		}
		if !seen {
			t.Fatalf("%s: the header never showed a new severity: %s", sec, b.text("#inc-head"))
		}
		if sec == "/timeline" {
			note := "bob saw it from " + sec
			if _, err := svc.AddEntry(ctx, as("bob", inc.Ref), incident.KindNote, note, nil); err != nil {
				t.Fatal(err)
			}
			waitText(b, "#events", note)
		}
		if !run(b, chromedp.Evaluate[bool](`window.fbSamePage === true`)) {
			t.Errorf("%s was reloaded rather than updated", sec)
		}
	}
}

// waitText waits until the element's text contains want (a live update).
func waitText(b *browser, sel, want string) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.Poll[bool](fmt.Sprintf(`(document.querySelector(%s) || {textContent: ""}).textContent.includes(%s)`, jsString(sel), jsString(want)), chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		b.t.Fatalf("%s: %s never showed %q: %v (it says %q)", b.name, sel, want, err, b.text(sel))
	}
}
