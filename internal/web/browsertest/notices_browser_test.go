package browsertest

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// In real Chromium: draft a customer notice from the incident page, write
// and preview it, have a second person approve it, record it as submitted,
// and open the printable dossier; the pages fit a 375 px phone.
func TestBrowserNotices(t *testing.T) {
	c := newConsole(t)
	inc := c.seed(t, incident.DeclareInput{Title: "Card skimmer on the payment page", Severity: "SEV1", Summary: "A script copied card numbers for two hours."})
	ctx := testContext(t)
	dir := shots(t)
	alice := c.browser(ctx, t, "alice")
	alice.signIn("alice")
	alice.open("/incidents/" + inc.Ref + "/comms")
	alice.wantText("#comms", "Next update due")
	alice.do(chromedp.SendKeys(chromedp.ID("upd-text"), "Card form replaced; no new skimming seen."))
	alice.submit("Post update")
	alice.wantText("#updates-status", "no new skimming seen")
	alice.do(chromedp.SetValue(chromedp.ID("nt-audience"), "customer"))
	alice.submit("Draft notice")
	if !strings.Contains(alice.path(), "/incidents/"+inc.Ref+"/notices/") {
		t.Fatalf("after drafting: at %s", alice.path())
	}
	// The internal summary is not the customer's: what to tell them is
	// left to write, and listed.
	alice.wantText("#unwritten", "[[Describe what happened, in plain words for the customer.]]")
	notice := strings.Split(alice.path(), "?")[0]
	alice.do(chromedp.SetValue(chromedp.ID("n-body"), "# What happened\n\nDear customer, **please** reset your card.\n\n- one\n- two\n"))
	alice.submit("Preview")
	alice.wantText(".md-preview h1", "What happened")
	alice.wantText(".md-preview strong", "please")
	alice.submit("Save")
	alice.wantText(".md-preview li", "one")
	if alice.count("#review form") != 0 {
		t.Fatal("the author is offered approval")
	}
	for _, size := range []string{"desktop", "phone"} {
		if size == "phone" {
			alice.phone()
			alice.open(notice)
			if sw, iw, culprits := alice.overflow(); sw > iw {
				t.Errorf("notice page is %d px wide on a %d px phone: %v", sw, iw, culprits)
			}
		}
		alice.shot(dir, "notice-"+size)
	}
	alice.desktop()

	bob := c.browser(ctx, t, "bob")
	bob.signIn("bob")
	bob.open(notice)
	bob.submit("Approve this notice")
	bob.wantText("#review", "Approved by bob")

	alice.open(notice)
	alice.do(chromedp.SendKeys(chromedp.ID("rc-to"), "Acme Corp"), chromedp.SetValue(chromedp.ID("rc-ch"), "letter"), chromedp.SendKeys(chromedp.ID("rc-ref"), "L-42"))
	alice.submit("Record as submitted")
	alice.wantText("#record", "Acme Corp")
	alice.wantText("#pv-h", "Exact text as given")
	if alice.count("#n-body") != 0 {
		t.Fatal("a submitted notice can still be edited")
	}
	alice.open("/incidents/" + inc.Ref + "/comms")
	alice.wantText("#notices-list", "submitted")
	alice.phone()
	alice.open("/incidents/" + inc.Ref + "/comms")
	if sw, iw, culprits := alice.overflow(); sw > iw {
		t.Errorf("incident page is %d px wide on a %d px phone: %v", sw, iw, culprits)
	}
	alice.shot(dir, "incident-notices-phone")
	alice.desktop()
	alice.open("/incidents/" + inc.Ref + "/dossier")
	alice.wantText("h1", "Notification dossier · "+inc.Ref)
	alice.wantText("body", "L-42")
	alice.wantText("body", "Card form replaced; no new skimming seen.")
	alice.shot(dir, "dossier")
}
