package browsertest

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
)

// TestRemovingAnUpdateChannelIsConfirmed is issue 12 defect 7: "Remove" of
// an update channel needs a ticked box (without script: the server refuses
// an unconfirmed removal, 422, and removes nothing), and with script a
// dialog too, whose Cancel keeps the channel.
func TestRemovingAnUpdateChannelIsConfirmed(t *testing.T) {
	c := newConsole(t)
	ctx := context.Background()
	inc := c.seed(t, incident.DeclareInput{Title: "Checkout down", Severity: "SEV2"})
	alice := incident.Viewer{User: "alice", SeeAll: true}
	sub, err := c.app.Services.Notices.Subscribe(ctx, alice, inc.Ref, "war room", notify.Target{Kind: notify.KindEmail, Address: "warroom@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	remaining := func() int {
		t.Helper()
		subs, err := c.app.Services.Notices.Subscriptions(ctx, alice, inc.Ref)
		if err != nil {
			t.Fatal(err)
		}
		return len(subs)
	}

	// Without script: a plain form post.
	s := &site{app: c.app, url: c.url}
	hc := s.browser(t)
	if r := s.post(t, hc, "/signin", url.Values{"username": {"alice"}, "password": {password}, "next": {"/incidents"}}); r.status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", r.status)
	}
	remove := "/incidents/" + inc.Ref + "/subscriptions/" + sub.ID + "/remove"
	if r := s.post(t, hc, remove, url.Values{}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "nothing was removed") {
		t.Fatalf("unconfirmed removal: %d", r.status)
	}
	if n := remaining(); n != 1 {
		t.Fatalf("an unconfirmed removal removed the channel (%d left)", n)
	}

	// With script: the box is required, and the dialog's Cancel keeps it.
	b := c.browser(testContext(t), t, "alice")
	b.signIn("alice")
	b.open("/incidents/" + inc.Ref + "/comms")
	b.do(chromedp.Click(chromedp.CSS("details.subs summary")))
	// Each dialog is answered with the next value sent on accept; what it
	// said arrives on dialogs.
	accept := make(chan bool, 4)
	dialogs, opened := make(chan string, 4), make(chan string, 4)
	if err := chromedp.Listen(b.ctx, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			opened <- d.Message
		}
	}); err != nil {
		t.Fatal(err)
	}
	go func() {
		for m := range opened {
			ok := <-accept
			chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: ok})
			dialogs <- m
		}
	}()
	b.do(chromedp.Click(chromedp.CSS("form.sub-remove button")))
	select {
	case m := <-dialogs:
		t.Fatalf("a dialog (%q) before the box was ticked: the required box should stop the form first", m)
	case <-time.After(300 * time.Millisecond):
	}
	accept <- false
	b.do(chromedp.Click(chromedp.CSS("form.sub-remove input[name=confirm]")), chromedp.Click(chromedp.CSS("form.sub-remove button")))
	if m := <-dialogs; m != "Stop sending this incident's updates to war room?" {
		t.Fatalf("dialog: %q", m)
	}
	b.open("/incidents/" + inc.Ref + "/comms")
	if n := remaining(); n != 1 {
		t.Fatalf("Cancel removed the channel (%d left)", n)
	}
	b.do(chromedp.Click(chromedp.CSS("details.subs summary")))
	accept <- true
	b.do(chromedp.Click(chromedp.CSS("form.sub-remove input[name=confirm]")))
	if status := b.submitSel(chromedp.Search(`//form[contains(@class,"sub-remove")]//button`)); status != http.StatusOK {
		t.Fatalf("confirmed removal answered %d", status)
	}
	<-dialogs
	b.wantText(".notice.ok", "Removed.")
	if n := remaining(); n != 0 {
		t.Fatalf("a confirmed removal left %d channels", n)
	}
}
