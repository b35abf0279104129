package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// node starts one more Firebreak on dsn, beside the console that created
// the users: another node sharing its PostgreSQL database.
func node(t *testing.T, c *console, dsn string) *console {
	t.Helper()
	ctx := context.Background()
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: dsn, BootstrapToken: bootstrapToken, Version: "test", Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Stop(ctx); err != nil {
			t.Errorf("stop node: %v", err)
		}
	})
	return &console{app: a, url: a.URL(), chrome: c.chrome}
}

// Issue #19: two Firebreak nodes on one PostgreSQL database. A change made
// through node A's API shows within a second on a page open on node B,
// without a reload; a change to a restricted incident bob may not see
// reaches none of his streams. The same for the triage queue.
func TestBrowserLiveAcrossNodes(t *testing.T) {
	chromiumPath(t)
	dsn := storetest.PostgresDSN(t)
	nodeA := newConsoleWith(t, func(cfg *app.Config) { cfg.DSN = dsn })
	nodeB := node(t, nodeA, dsn)
	ctx := testContext(t)
	nodeA.seed(t, incident.DeclareInput{Title: "Card data exfiltration suspected", Severity: "SEV2", Type: "security.breach"})

	bob := nodeB.browser(ctx, t, "bob")
	bob.signIn("bob")
	run(bob, chromedp.WaitEvent(network.EventSourceMessageReceived,
		func(e network.EventEventSourceMessageReceived) bool { return e.EventName == "hello" },
		chromedp.Navigate(nodeB.url+"/incidents/INC-1/timeline")))
	// A mark that a reload would wipe, and a second stream of bob's on
	// node B that records every change it is told of.
	run(bob, chromedp.Evaluate[bool](`window.fbSamePage = true`))
	tap(t, bob)
	// Alice on node A, where the changes are made, taps her stream too:
	// her node hears its own changes once, through the database as the
	// others do, not a second time from its own process.
	alice := nodeA.browser(ctx, t, "alice")
	alice.signIn("alice")
	tap(t, alice)

	api := client.New(nodeA.url, bootstrapToken)
	const note = "From node A: the payment processor confirms the card range."
	if _, err := api.AddEntry(ctx, "INC-1", httpapi.EntryBody{Kind: "action", Body: note}); err != nil {
		t.Fatal(err)
	}
	waitLive(t, bob, time.Now(), "node A's note", fmt.Sprintf(`document.querySelector("ol#events").textContent.includes(%s)`, jsString(note)))

	// A restricted incident of alice's changes on node A, then INC-1's
	// severity: bob's stream hears the second only (a node's stream
	// tells changes in the order they were committed).
	secret := nodeA.seed(t, incident.DeclareInput{Title: "Insider access review", Severity: "SEV3", Type: "security.breach", Restricted: true})
	if _, err := api.AddEntry(ctx, secret.Ref, httpapi.EntryBody{Kind: "note", Body: "HR informed."}); err != nil {
		t.Fatal(err)
	}
	inc, err := api.Get(ctx, "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	sev := "SEV1"
	if _, err := api.Update(ctx, "INC-1", httpapi.PatchBody{Severity: &sev}, inc.Version); err != nil {
		t.Fatal(err)
	}
	waitLive(t, bob, time.Now(), "node A's severity", `document.querySelector("#inc-head .meta").textContent.includes("SEV1")`)
	if _, err := chromedp.Run(bob.ctx, chromedp.Poll[bool](`window.fbSeen.length === 2`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("bob's second stream did not hear INC-1's two changes: %v", err)
	}
	if seen := run(bob, chromedp.Evaluate[[]string](`window.fbSeen`)); fmt.Sprint(seen) != "[INC-1 INC-1]" {
		t.Errorf("bob's stream on node B was told of %v, want INC-1's two changes only", seen)
	}
	if _, err := chromedp.Run(alice.ctx, chromedp.Poll[bool](`window.fbSeen.length >= 4`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("alice's stream on node A did not hear the four changes: %v", err)
	}
	if seen := run(alice, chromedp.Evaluate[[]string](`window.fbSeen.slice(0, 4)`)); fmt.Sprint(seen) != "[INC-1 INC-2 INC-2 INC-1]" {
		t.Errorf("alice's stream on node A was told of %v first, want each of the four changes once, in order", seen)
	}
	if p := bob.path(); p != "/incidents/INC-1/timeline" || !run(bob, chromedp.Evaluate[bool](`window.fbSamePage === true`)) {
		t.Errorf("bob's page was reloaded or navigated (now at %s)", p)
	}
	if status := bob.open("/incidents/" + secret.Ref); status != http.StatusNotFound {
		t.Errorf("bob opened the restricted %s on node B: %d", secret.Ref, status)
	}

	// The triage queue: a new alert group delivered to node A, then an
	// acknowledgement through node A's API and alice dismissing it in node
	// A's console, show on bob's queue page on node B without a reload.
	run(bob, chromedp.WaitEvent(network.EventSourceMessageReceived,
		func(e network.EventEventSourceMessageReceived) bool { return e.EventName == "hello" },
		chromedp.Navigate(nodeB.url+"/triage")))
	run(bob, chromedp.Evaluate[bool](`window.fbSamePage = true`))
	tap(t, bob)
	deliver(t, nodeA.app.Services.Triage, nodeA.url)
	waitLive(t, bob, time.Now(), "node A's new alert group", `document.querySelectorAll("#triage-list tr.q-new").length === 1`)
	queue, err := api.Queue(ctx, false, 10)
	if err != nil || len(queue) != 1 {
		t.Fatalf("node A's queue: %d entries, %v", len(queue), err)
	}
	if _, err := api.Acknowledge(ctx, queue[0].ID); err != nil {
		t.Fatalf("acknowledge through node A's API: %v", err)
	}
	waitLive(t, bob, time.Now(), "node A's acknowledgement through the API", `document.querySelectorAll("#triage-list tr.q-acknowledged").length === 1`)
	alice.open("/triage/" + queue[0].ID)
	alice.do(chromedp.SetValue(chromedp.ID("t-reason"), "load test on checkout"))
	if status := alice.submit("Dismiss"); status != http.StatusOK {
		t.Fatalf("dismiss on node A: %d", status)
	}
	waitLive(t, bob, time.Now(), "node A's dismissal", `document.querySelectorAll("#triage-list tr[class^='q-']").length === 0`)
	if seen := run(bob, chromedp.Evaluate[[]string](`window.fbSeen`)); len(seen) != 3 {
		t.Errorf("bob's stream on node B was told of %d queue changes %q, want 3", len(seen), seen)
	}
	if p := bob.path(); p != "/triage" || !run(bob, chromedp.Evaluate[bool](`window.fbSamePage === true`)) {
		t.Errorf("bob's queue page was reloaded or navigated (now at %s)", p)
	}
}

// tap opens a second live stream in b's page that records the ref of every
// change it is told of in window.fbSeen, and waits until it is open.
func tap(t *testing.T, b *browser) {
	t.Helper()
	run(b, chromedp.Evaluate[bool](`(function () {
		window.fbSeen = []; window.fbTap = false;
		var es = new EventSource("/events");
		es.addEventListener("hello", function () { window.fbTap = true; });
		es.addEventListener("change", function (m) { window.fbSeen.push(JSON.parse(m.data).ref); });
		return true;
	})()`))
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`window.fbTap === true`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("%s's second stream did not open: %v", b.name, err)
	}
}
