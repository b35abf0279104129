package browsertest

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// TestBrowserEvidenceCustody is issue 16's evidence check: upload
// evidence, transfer it, download it (recorded); the custody report shows
// all of it.
func TestBrowserEvidenceCustody(t *testing.T) {
	c := newConsole(t)
	c.seed(t, incident.DeclareInput{Title: "Mailbox takeover"})
	file := filepath.Join(t.TempDir(), "headers.eml")
	content := "Received: from evil.example\n"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	b := c.browser(testContext(t), t, "alice")
	b.signIn("alice")
	b.open("/incidents/INC-1/evidence")
	b.do(chromedp.WaitVisible(chromedp.ID("ev-file")),
		chromedp.SetValue(chromedp.ID("ev-source"), "mail gateway"),
		chromedp.SetUploadFiles(chromedp.ID("ev-file"), []string{file}))
	if status := b.submit("Upload"); status != http.StatusOK {
		t.Fatalf("upload answered %d", status)
	}
	b.wantText(".notice.ok", "The evidence is added")
	b.wantText("#evidence-items", "headers.eml")

	b.do(chromedp.Click(chromedp.CSS("#EV-1 details summary")),
		chromedp.WaitVisible(chromedp.ID("to-EV-1")),
		chromedp.SetValue(chromedp.ID("to-EV-1"), "bob"),
		chromedp.SetValue(chromedp.ID("purpose-EV-1"), "header analysis"),
		chromedp.SetValue(chromedp.ID("loc-EV-1"), "Forensics share"))
	if status := b.submit("Record the transfer"); status != http.StatusOK {
		t.Fatalf("transfer answered %d", status)
	}
	b.wantText(".notice.ok", "The transfer of custody is recorded.")
	b.wantText("#EV-1", "Forensics share")

	// The link downloads (an attachment); fetch it as the page would.
	got := run(b, chromedp.Evaluate[string](`fetch(document.querySelector("#EV-1 a[download]").href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if got != content {
		t.Fatalf("downloaded %q", got)
	}

	b.open("/incidents/INC-1/custody")
	b.wantText("body", "added evidence EV-1")
	b.wantText("body", "transferred evidence EV-1 from alice to bob (header analysis)")
	b.wantText("body", "downloaded evidence EV-1")
	r, err := c.app.Services.Evidence.Report(context.Background(), incident.Viewer{User: "alice"}, "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	b.wantText(".chain", r.LastHash)
	if len(r.Items) != 1 || len(r.Items[0].Custody) != 3 {
		t.Fatalf("custody: %+v", r.Items)
	}
}
