package browsertest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// TestBrowserDetailsKeepLiveChanges is defect 1 of issue 12 in Chromium:
// bob has the incident open with Details untouched; the title changes from
// the API (as the CLI does it), the heading and the untouched Title field
// update live; bob edits Resolution and saves: the title stays the API's,
// and the timeline records only the resolution, from → to. Then a field bob
// is editing changes under him: his text stays, and his save is refused
// with both values shown; nothing is applied.
func TestBrowserDetailsKeepLiveChanges(t *testing.T) {
	c := newConsole(t)
	ctx := testContext(t)
	c.seed(t, incident.DeclareInput{Title: "Leaked key", Summary: "A deploy key was pushed to a public repository.", Severity: "SEV2", Labels: map[string]string{"env": "prod"}})

	bob := c.browser(ctx, t, "bob")
	bob.signIn("bob")
	run(bob, chromedp.WaitEvent(network.EventSourceMessageReceived,
		func(e network.EventEventSourceMessageReceived) bool { return e.EventName == "hello" },
		chromedp.Navigate(c.url+"/incidents/INC-1")))
	run(bob, chromedp.Evaluate[bool](`window.fbSamePage = true`))

	api := client.New(c.url, bootstrapToken)
	const title = "Leaked CI deploy key"
	if _, err := api.Update(ctx, "INC-1", httpapi.PatchBody{Title: new(title)}, 0); err != nil {
		t.Fatal(err)
	}
	waitFor(t, bob, "the API's title in the heading", fmt.Sprintf(`document.querySelector("#inc-head h1").textContent.includes(%s)`, jsString(title)))
	waitFor(t, bob, "the API's title in the untouched Title field", fmt.Sprintf(`document.getElementById("d-title").value === %s`, jsString(title)))

	const resolution = "Key revoked; deploys use short-lived tokens now."
	bob.do(chromedp.Click(chromedp.ID("d-res")), chromedp.SendKeys(chromedp.ID("d-res"), resolution))
	if status := bob.submit("Save details"); status != http.StatusOK {
		t.Fatalf("save details answered %d: %s", status, bob.text("#notices"))
	}
	bob.wantText(".notice.ok", "Details saved.")
	inc := c.get(t, "INC-1")
	if inc.Title != title || inc.Resolution != resolution || inc.Summary != "A deploy key was pushed to a public repository." || inc.Labels["env"] != "prod" {
		t.Fatalf("after bob's save: title %q, resolution %q, summary %q, labels %v", inc.Title, inc.Resolution, inc.Summary, inc.Labels)
	}
	tl, err := api.Timeline(ctx, "INC-1", nil, true)
	if err != nil {
		t.Fatal(err)
	}
	last := tl.Items[0]
	if last.Actor != "bob" || last.Text != fmt.Sprintf("resolution set to %q", resolution) {
		t.Fatalf("the timeline's last entry is %s: %q", last.Actor, last.Text)
	}
	if strings.Contains(string(last.Data), "title") {
		t.Fatalf("bob's save touched the title: %s", last.Data)
	}
	bob.wantText("#recent", fmt.Sprintf("resolution set to %q", resolution))
	if !strings.Contains(tl.Items[1].Text, `title "Leaked key" → "Leaked CI deploy key"`) {
		t.Errorf("the API's change reads %q, want its from → to", tl.Items[1].Text)
	}

	// Bob edits the summary; meanwhile the API changes it too.
	run(bob, chromedp.WaitEvent(network.EventSourceMessageReceived,
		func(e network.EventEventSourceMessageReceived) bool { return e.EventName == "hello" },
		chromedp.Navigate(c.url+"/incidents/INC-1")))
	const mine, theirs = "Bob: the key was in a CI log, not the repository.", "API: found in two public forks as well."
	run(bob, chromedp.Evaluate[bool](`(document.getElementById("d-summary").value = "") === ""`))
	bob.do(chromedp.Click(chromedp.ID("d-summary")), chromedp.SendKeys(chromedp.ID("d-summary"), mine))
	if _, err := api.Update(ctx, "INC-1", httpapi.PatchBody{Summary: new(theirs)}, 0); err != nil {
		t.Fatal(err)
	}
	waitFor(t, bob, "the API's summary change in the timeline", `document.querySelector("#recent").textContent.includes("API: found in two public forks")`)
	if v := run(bob, chromedp.Value(chromedp.ID("d-summary"))); v != mine {
		t.Fatalf("bob's summary was replaced under him: %q", v)
	}
	before := c.get(t, "INC-1").Version
	if status := bob.submit("Save details"); status != http.StatusConflict {
		t.Fatalf("the conflicting save answered %d, want 409: %s", status, bob.text("#notices"))
	}
	if v := c.get(t, "INC-1").Version; v != before {
		t.Fatalf("the refused save recorded %d events", v-before)
	}
	want := fmt.Sprintf("admin changed this to %q while you edited; yours: %q", theirs, mine)
	bob.wantText("#conflict-summary", want)
	if v := run(bob, chromedp.Value(chromedp.ID("d-summary"))); v != mine {
		t.Errorf("the refused form holds %q, want bob's text", v)
	}
	if v := run(bob, chromedp.Value(chromedp.ID("d-title"))); v != title {
		t.Errorf("the refused form's title is %q, want the stored %q", v, title)
	}
	// Knowing both, bob saves again: his text wins, deliberately.
	if status := bob.submit("Save details"); status != http.StatusOK {
		t.Fatalf("saving again answered %d: %s", status, bob.text("#notices"))
	}
	if inc := c.get(t, "INC-1"); inc.Summary != mine || inc.Title != title || inc.Resolution != resolution {
		t.Fatalf("after saving again: %+v", inc)
	}
}

// waitFor polls the page until expr is true; live updates are timed by
// TestBrowserLiveUpdate, this only needs them to arrive.
func waitFor(t *testing.T, b *browser, what, expr string) {
	t.Helper()
	start := time.Now()
	_, err := chromedp.Run(b.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(10*time.Second), chromedp.WithPollingInterval(20*time.Millisecond)))
	if err != nil {
		t.Fatalf("%s did not show on %s's page (waited %v): %v", what, b.name, time.Since(start).Round(time.Millisecond), err)
	}
}
