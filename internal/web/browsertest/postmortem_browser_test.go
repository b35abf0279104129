package browsertest

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/firebreak-ir/firebreak/internal/duties/dutiestest"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// recoverIncident declares INC-1 and walks it to recovered through the
// service: alice IR Lead, bob a responder (so he may review), a root cause
// before eradicated. The console's default configuration has no response
// plans, so no task gates a move.
func recoverIncident(t *testing.T, c *console) {
	t.Helper()
	ctx := context.Background()
	c.seed(t, incident.DeclareInput{Title: "Phishing kit harvested staff passwords", Severity: "SEV3", Type: "security.credential-compromise"})
	cmd := as("alice", "INC-1")
	must := func(_ incident.Incident, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.app.Services.Incidents.Assign(ctx, cmd, incident.IRLead, "alice"))
	must(c.app.Services.Incidents.Assign(ctx, cmd, incident.Responder, "bob"))
	must(c.app.Services.Incidents.Transition(ctx, cmd, incident.Active, ""))
	must(c.app.Services.Incidents.Transition(ctx, cmd, incident.Contained, ""))
	rc := "A look-alike domain's login page collected passwords."
	must(c.app.Services.Incidents.Update(ctx, cmd, incident.UpdateInput{RootCause: &rc}))
	must(c.app.Services.Incidents.Transition(ctx, cmd, incident.Eradicated, ""))
	must(c.app.Services.Incidents.Transition(ctx, cmd, incident.Recovered, ""))
}

// chosenLines are the captions of the timeline lines ticked in the form,
// each with the event it stands for.
const chosenLines = `[...document.querySelectorAll("#pm-timeline tr.tl-event")]
	.filter(tr => tr.querySelector("input[type=checkbox]").checked)
	.map(tr => tr.textContent.replace(/\s+/g, " ").trim() + " | " + tr.querySelector("input[name$=_text]").value)`

// TestBrowserPostmortem is issue 17's first check: a recovered incident's
// post-mortem opens drafted from the record (the computed timeline and
// impact), is edited, reviewed (changes requested, then approved) and
// published; the incident closes; an action item from it is under bob's
// /actions and is done after the close; the published text cannot go back
// to draft.
//
// The reminder before due with an injected clock is the app's
// TestActionItemsRemindHookAndOpenIssues (internal/app/actions_test.go):
// the console here runs on the wall clock, and a reminder days ahead
// cannot be waited for in a browser test.
func TestBrowserPostmortem(t *testing.T) {
	c := newConsole(t)
	dir := shots(t)
	ctx := testContext(t)
	recoverIncident(t, c)

	alice := c.browser(ctx, t, "alice")
	alice.signIn("alice")
	if status := alice.open("/incidents/INC-1/postmortem"); status != http.StatusOK {
		t.Fatalf("the post-mortem answered %d", status)
	}
	alice.wantText("#pm-status", "Draft")
	alice.wantText("#pm-drafted", "Drafted from the record")
	// The timeline: the declaration and the phase moves are chosen.
	lines := run(alice, chromedp.Evaluate[[]string](chosenLines))
	joined := strings.Join(lines, "\n")
	for _, want := range []string{`declared INC-1 "Phishing kit harvested staff passwords"`, "contained → eradicated", "eradicated → recovered"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the drafted timeline does not hold %q:\n%s", want, joined)
		}
	}
	// The impact: computed figures.
	impact := run(alice, chromedp.Value(chromedp.ID("pm-impact")))
	for _, want := range []string{"Declared ", "Time to recover (declaration to recovered): ", "Time in each phase: "} {
		if !strings.Contains(impact, want) {
			t.Errorf("the drafted impact does not say %q:\n%s", want, impact)
		}
	}
	alice.shot(dir, "postmortem-drafted")

	// Edit a section and save.
	alice.do(chromedp.SetValue(chromedp.ID("pm-summary"), "Staff entered passwords into a look-alike login page; two accounts were used before the reset."),
		chromedp.SetValue(chromedp.ID("pm-lessons"), "Phishing-resistant sign-in for staff."))
	if status := alice.submit("Save"); status != http.StatusOK {
		t.Fatalf("save answered %d: %s", status, alice.text("#notices"))
	}
	alice.wantText(".notice.ok", "Saved.")
	alice.wantText("#pm-preview", "look-alike login page")
	if pm := c.get(t, "INC-1").Postmortem; pm.Status != incident.PostmortemDraft || len(pm.Doc.Timeline) == 0 {
		t.Fatalf("after saving: %s with %d timeline lines", pm.Status, len(pm.Doc.Timeline))
	}

	// Request review naming bob.
	alice.do(chromedp.SetValue(chromedp.ID("pm-reviewers"), "bob"))
	if status := alice.submit("Request review"); status != http.StatusOK {
		t.Fatalf("request review answered %d: %s", status, alice.text("#notices"))
	}
	alice.wantText(".notice.ok", "Review requested from bob.")
	alice.wantText("#pm-status", "In review")

	// Schedule the review meeting: it shows with its .ics link.
	start := time.Now().UTC().Add(2 * time.Hour).Truncate(time.Minute)
	alice.do(chromedp.SetValue(chromedp.ID("mt-start"), start.Format("2006-01-02T15:04")), chromedp.SetValue(chromedp.ID("mt-location"), "Room 4"))
	if status := alice.submit("Schedule the meeting"); status != http.StatusOK {
		t.Fatalf("schedule answered %d: %s", status, alice.text("#notices"))
	}
	alice.wantText(".notice.ok", "the invitation goes to alice, bob")
	alice.wantText("#meeting-when", "Room 4")
	if n := alice.count("#meeting-ics[href='/incidents/INC-1/postmortem/meeting.ics']"); n != 1 {
		t.Errorf("%d links to the .ics", n)
	}
	if m := c.get(t, "INC-1").Postmortem.Meeting; m == nil || !m.Start.Equal(start) || m.DurationMinutes != 60 {
		t.Errorf("meeting %+v, want at %s for 60 min", m, start)
	}

	// bob asks for changes, with a comment.
	bob := c.browser(ctx, t, "bob")
	bob.signIn("bob")
	bob.open("/incidents/INC-1/postmortem")
	bob.do(chromedp.SetValue(chromedp.ID("pm-comment"), "Say how the two accounts were found."))
	if status := bob.submit("Request changes"); status != http.StatusOK {
		t.Fatalf("request changes answered %d: %s", status, bob.text("#notices"))
	}
	bob.wantText(".notice.ok", "Changes requested.")
	bob.wantText("#reviewer-bob", "changes requested")
	bob.wantText("#reviewer-bob", "Say how the two accounts were found.")

	// alice cannot publish over the request; she edits.
	alice.open("/incidents/INC-1/postmortem")
	alice.wantText("#publish", "Changes requested by bob")
	alice.do(chromedp.SetValue(chromedp.ID("pm-summary"), "Staff entered passwords into a look-alike login page; the sign-in log showed two accounts used from the kit's host before the reset."))
	if status := alice.submit("Save"); status != http.StatusOK {
		t.Fatalf("the edit answered %d: %s", status, alice.text("#notices"))
	}
	alice.wantText("#pm-status", "In review")

	// bob approves the new text.
	bob.open("/incidents/INC-1/postmortem")
	bob.wantText("#pm-preview", "sign-in log showed two accounts")
	if status := bob.submit("Approve"); status != http.StatusOK {
		t.Fatalf("approve answered %d: %s", status, bob.text("#notices"))
	}
	bob.wantText(".notice.ok", "Approved.")
	bob.wantText("#pm-status", "1 of 1 approval")

	// alice publishes.
	alice.open("/incidents/INC-1/postmortem")
	if status := alice.submit("Publish"); status != http.StatusOK {
		t.Fatalf("publish answered %d: %s", status, alice.text("#notices"))
	}
	alice.wantText(".notice.ok", "Post-mortem published.")
	alice.wantText("#pm-status", "Published")
	alice.wantText("#rev-1", "approved by bob")
	alice.shot(dir, "postmortem-published")

	// An action item, added on the incident's Action items section, for bob.
	due := c.app.Services.Actions.Now().In(c.app.Services.Actions.Zone()).AddDate(0, 0, 14).Format(time.DateOnly)
	alice.open("/incidents/INC-1/actions")
	alice.do(chromedp.WaitVisible(chromedp.ID("action-new")),
		chromedp.SetValue(chromedp.ID("new-title"), "Enforce phishing-resistant sign-in for staff"),
		chromedp.SetValue(chromedp.ID("new-owner"), "bob"),
		chromedp.SetValue(chromedp.ID("new-due"), due),
		chromedp.SetValue(chromedp.ID("new-kind"), "prevent"))
	if status := alice.submit("Add the action item"); status != http.StatusOK {
		t.Fatalf("add answered %d: %s", status, alice.text("#notices"))
	}
	alice.wantText("#ACT-1 .action-state", "open")

	// Close the incident, its notification duties waived first (the
	// security type's catalog asks).
	dutiestest.WaiveOpen(t, c.app.Services.Duties, "INC-1")
	alice.open("/incidents/INC-1")
	move(alice, "closed", "Close incident")
	if st := c.get(t, "INC-1").State; st != incident.Closed {
		t.Fatalf("after closing: %s", st)
	}

	// The item lives on under bob's /actions; after the close he follows
	// it to its section and marks it done.
	bob.open("/actions")
	bob.wantText("#ACT-1", "Enforce phishing-resistant sign-in for staff")
	bob.wantText("#ACT-1", "INC-1")
	bob.wantText("#ACT-1", "open")
	bob.do(chromedp.Click(chromedp.CSS(`#ACT-1 a[href*="/actions#ACT-1"]`)), chromedp.WaitVisible(chromedp.ID("action-list")))
	if status := bob.submit("Done"); status != http.StatusOK {
		t.Fatalf("done after the close answered %d: %s", status, bob.text("#notices"))
	}
	bob.wantText("#ACT-1 .action-state", "done")
	bob.open("/actions?view=mine&state=done")
	bob.wantText("#ACT-1", "done")

	// Published stays published: no control sends it back, and a forged
	// request for review (the one way back towards review) is refused.
	alice.open("/incidents/INC-1/postmortem")
	alice.wantText("#pm-status", "Published")
	for _, b := range []string{"Request review", "Change reviewers", "Publish", "Approve", "Request changes"} {
		if run(alice, chromedp.Evaluate[bool](`[...document.querySelectorAll("button")].some(b => b.textContent.trim() === `+jsString(b)+`)`)) {
			t.Errorf("the published post-mortem offers %q", b)
		}
	}
	type answer struct {
		Status int
		Body   string
	}
	version := c.get(t, "INC-1").Version
	got := run(alice, chromedp.Evaluate[answer](`(async () => {
		const f = new FormData(); f.set("version", `+jsString(strconv.FormatInt(version, 10))+`); f.set("reviewers", "bob");
		const r = await fetch("/incidents/INC-1/postmortem/review", {method: "POST", body: new URLSearchParams(f)});
		return {Status: r.status, Body: await r.text()};
	})()`, chromedp.EvalAwaitPromise))
	if got.Status < 400 || !strings.Contains(got.Body, "published") {
		t.Errorf("a forged request for review answered %d: %.300s", got.Status, got.Body)
	}
	if pm := c.get(t, "INC-1").Postmortem; pm.Status != incident.PostmortemPublished {
		t.Fatalf("after the forged post the post-mortem is %s", pm.Status)
	}
}
