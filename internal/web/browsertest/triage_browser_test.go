package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// integrations creates integrations (the triage service).
type integrations interface {
	CreateIntegration(context.Context, string, triage.IntegrationInput) (triage.Integration, string, error)
}

// deliver creates an Alertmanager integration and posts the sample
// notification to its webhook, as Alertmanager would.
func deliver(t *testing.T, a integrations, base string) { t.Helper(); deliverTruncated(t, a, base, 0) }

// deliverTruncated is deliver from a receiver whose max_alerts left n
// alerts of the group out.
func deliverTruncated(t *testing.T, a integrations, base string, n int) {
	t.Helper()
	_, token, err := a.CreateIntegration(context.Background(), "admin", triage.IntegrationInput{Kind: alert.SourceAlertmanager, Name: "prod-am", Team: "sre"})
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile("../../intake/testdata/alertmanager-01-firing-first-notification.json")
	if err != nil {
		t.Fatal(err)
	}
	body = bytes.Replace(body, []byte(`"truncatedAlerts": 0`), fmt.Appendf(nil, `"truncatedAlerts": %d`, n), 1)
	r, err := http.Post(base+"/hooks/alertmanager/"+token, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusOK && r.StatusCode != http.StatusAccepted {
		t.Fatalf("webhook answered %d", r.StatusCode)
	}
}

func TestBrowserTriageScreenshots(t *testing.T) {
	c := newConsole(t)
	dir := shots(t)
	t.Logf("screenshots in %s", dir)
	// Alertmanager left 2 alerts out (max_alerts): the notices are part
	// of the layout checked.
	deliverTruncated(t, c.app.Services.Triage, c.url, 2)
	q, err := c.app.Services.Triage.Queue(context.Background(), incident.Viewer{User: "admin", SeeAll: true}, false, 10)
	if err != nil || len(q) != 1 {
		t.Fatalf("queue: %v, %d entries", err, len(q))
	}
	b := c.browser(testContext(t), t, "alice")
	b.signIn("alice")
	pages := []struct{ name, path string }{{"triage", "/triage"}, {"triage-entry", "/triage/" + q[0].Group.ID}}
	for _, scheme := range []string{"light", "dark"} {
		b.scheme(scheme)
		for _, size := range []string{"desktop", "phone"} {
			if size == "phone" {
				b.phone()
			} else {
				b.desktop()
			}
			for _, p := range pages {
				if status := b.open(p.path); status != http.StatusOK {
					t.Fatalf("%s answered %d", p.path, status)
				}
				if p.name == "triage" {
					b.wantText(".q-trunc", "2 more alerts not sent by Alertmanager (max_alerts)")
				} else {
					b.wantText("#truncated", "2 more alerts not sent by Alertmanager (max_alerts)")
				}
				b.shot(dir, p.name+"-"+size+"-"+scheme)
				if sw, iw, culprits := b.overflow(); sw > iw {
					t.Errorf("%s (%s, %s) scrolls sideways: %d > %d: %v", p.path, size, scheme, sw, iw, culprits)
				}
			}
		}
	}
	// The integrations page right after adding one, token and snippet shown.
	adm := c.browser(testContext(t), t, "admin")
	adm.signIn("admin")
	for _, size := range []string{"desktop", "phone"} {
		if size == "phone" {
			adm.phone()
		} else {
			adm.desktop()
		}
		adm.open("/admin/integrations")
		adm.do(chromedp.SendKeys(chromedp.ID("ni-name"), "am-"+size), chromedp.SendKeys(chromedp.ID("ni-team"), "sre"))
		if status := adm.submit("Add integration"); status != http.StatusOK {
			t.Fatalf("add integration answered %d", status)
		}
		adm.wantText(".secret", "receivers:")
		adm.shot(dir, "integrations-"+size+"-light")
		if sw, iw, culprits := adm.overflow(); sw > iw {
			t.Errorf("integrations (%s) scrolls sideways: %d > %d: %v", size, sw, iw, culprits)
		}
	}
	// Acknowledge through the page, then the button is gone.
	b.desktop()
	b.open(pages[1].path)
	if status := b.submit("Acknowledge entry"); status != http.StatusOK {
		t.Fatalf("acknowledge answered %d", status)
	}
	b.wantText(".inc-head .meta", "Acknowledged by alice")
	if n := run(b, chromedp.Evaluate[int](`document.querySelectorAll("#actions button").length`)); n == 0 {
		t.Fatal("no actions left after acknowledging")
	}
}

// TestTriageOnlyWebLinks: addresses a source sends become links only when
// they are http or https; anything else is shown as text.
