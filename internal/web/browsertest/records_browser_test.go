package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
)

// noScript turns the page's script off, so a test sees what a browser
// without it gets.
func (b *browser) noScript() {
	b.t.Helper()
	_, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
	if err != nil {
		b.t.Fatalf("%s: disable script: %v", b.name, err)
	}
}

// pastedReport holds ten indicators, some defanged, one written twice.
const pastedReport = `Report from the mail team:
The loader fetched hxxp://evil[.]example/a and then called home to 198.51.100[.]7 (and again 198[.]51[.]100[.]7).
C2 fallback domain: bücher-update[.]example; a second stage came from 2001:DB8::0:1 over HTTPS.
Dropped file sha256 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855, sent by attacker[@]mail-evil[.]example.
Also CVE-2024-3094, network 203.0.113.0/24 and md5 d41d8cd98f00b204e9800998ecf8427e.
Lookups to update-check[.]example.net were seen.`

// pastedWant is what the report holds, typed and refanged.
var pastedWant = []string{
	"url:http://evil.example/a",
	"ipv4:198.51.100.7",
	"domain:xn--bcher-update-dlb.example",
	"ipv6:2001:db8::1",
	"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"email:attacker@mail-evil.example",
	"cve:CVE-2024-3094",
	"cidr:203.0.113.0/24",
	"md5:d41d8cd98f00b204e9800998ecf8427e",
	"domain:update-check.example.net",
}

// TestBrowserIndicatorsAndAssets is issue 16's indicator and asset check,
// with the page's script off as the console promises: paste a report with
// ten indicators, review the preview, save (all ten appear, typed and
// refanged, the duplicate folded); add an asset and mark it contained
// (isolated), saying how.
func TestBrowserIndicatorsAndAssets(t *testing.T) {
	c := newConsole(t)
	c.seed(t, incident.DeclareInput{Title: "Phishing wave"})
	b := c.browser(testContext(t), t, "alice")
	b.noScript()
	b.signIn("alice")

	b.open("/incidents/INC-1/indicators")
	b.do(chromedp.WaitVisible(chromedp.ID("ioc-text")), chromedp.SetValue(chromedp.ID("ioc-text"), pastedReport))
	if status := b.submit("Preview"); status != http.StatusOK {
		t.Fatalf("preview answered %d", status)
	}
	candidates := run(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".ioc-preview [data-candidate]")].map(li => li.dataset.candidate)`))
	if !sameSet(candidates, pastedWant) {
		t.Fatalf("the preview lists %q, want %q", candidates, pastedWant)
	}
	if b.count("#ioc-items tr[data-ioc]") != 0 {
		t.Fatal("the preview saved indicators")
	}
	if status := b.submit("Save 10"); status != http.StatusOK {
		t.Fatalf("save answered %d", status)
	}
	b.wantText(".notice.ok", "The indicators are added.")
	saved := run(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#ioc-items tr[data-ioc]")].map(tr => tr.dataset.ioc)`))
	if !sameSet(saved, pastedWant) {
		t.Fatalf("the section lists %q, want %q", saved, pastedWant)
	}
	_, list, err := c.app.Services.Indicators.List(context.Background(), incident.Viewer{User: "alice"}, "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	var stored []string
	for _, i := range list {
		stored = append(stored, string(i.Type)+":"+i.Value)
	}
	if !sameSet(stored, pastedWant) {
		t.Fatalf("stored %q, want %q", stored, pastedWant)
	}

	// An asset, confirmed, then isolated.
	b.open("/incidents/INC-1/assets")
	b.do(chromedp.Click(chromedp.CSS("#assets > details summary")),
		chromedp.WaitVisible(chromedp.ID("asset-id")),
		chromedp.SetValue(chromedp.ID("asset-kind"), "host"),
		chromedp.SetValue(chromedp.ID("asset-id"), "mail-gw-1"),
		chromedp.SetValue(chromedp.ID("asset-state"), "confirmed"))
	if status := b.submit("Add asset"); status != http.StatusOK {
		t.Fatalf("add asset answered %d", status)
	}
	b.wantText(`[data-asset="host:mail-gw-1"] [data-asset-state]`, "confirmed")
	const how = "pulled from the load balancer; EDR network isolation"
	b.do(chromedp.SetValue(chromedp.ID("how-host-mail-gw-1"), how))
	if status := b.submitSel(chromedp.Search(`//li[@data-asset="host:mail-gw-1"]//button[@data-move="contained"]`)); status != http.StatusOK {
		t.Fatalf("contain answered %d", status)
	}
	b.wantText(`[data-asset="host:mail-gw-1"] [data-asset-state]`, "contained")
	b.wantText(`[data-asset="host:mail-gw-1"]`, "contained by alice")
	b.wantText(`[data-asset="host:mail-gw-1"]`, how)
}

func sameSet(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	seen := map[string]bool{}
	for _, g := range got {
		seen[g] = true
	}
	for _, w := range want {
		if !seen[w] {
			return false
		}
	}
	return true
}

// TestBrowserRecordsLive: each record section, left open, shows a record
// another person adds through the services, without a reload.
func TestBrowserRecordsLive(t *testing.T) {
	c := newConsole(t)
	ctx := testContext(t)
	inc := c.seed(t, incident.DeclareInput{Title: "Ransomware on the file servers", Severity: "SEV2"})
	bob := incident.Viewer{User: "bob"}
	svc := c.app.Services
	b := c.browser(ctx, t, "alice")
	b.signIn("alice")
	sha := strings.Repeat("ab", 32)
	for _, sec := range []struct {
		path, sel string
		// add makes the i-th change and returns the text it shows.
		add func(i int) (string, error)
	}{
		{"/assets", "#asset-items", func(i int) (string, error) {
			id := fmt.Sprintf("fs-%d", i)
			_, err := svc.Assets.AddAsset(ctx, bob, inc.Ref, assets.AssetInput{Kind: assets.KindHost, Identifier: id})
			return id, err
		}},
		{"/assets", "#cred-items", func(i int) (string, error) {
			name := fmt.Sprintf("backup service password %d", i)
			_, err := svc.Assets.AddCredential(ctx, bob, inc.Ref, assets.CredentialInput{Kind: assets.CredPassword, Name: name})
			return name, err
		}},
		{"/assets", "#fix-items", func(i int) (string, error) {
			vuln := fmt.Sprintf("CVE-2024-%04d", 1000+i)
			_, err := svc.Assets.AddFix(ctx, bob, inc.Ref, assets.FixInput{Vulnerability: vuln, Kind: assets.FixPatch, Description: "patched SMB"})
			return vuln, err
		}},
		{"/indicators", "#ioc-items", func(i int) (string, error) {
			v := fmt.Sprintf("203.0.113.%d", 10+i)
			_, err := svc.Indicators.Add(ctx, bob, inc.Ref, indicators.Input{Type: indicators.IPv4, Value: v})
			return v, err
		}},
		{"/evidence", "#evidence-list", func(i int) (string, error) {
			name := fmt.Sprintf("disk image %d", i)
			size := int64(1 << 30)
			_, err := svc.Evidence.AddExternal(ctx, bob, inc.Ref, evidence.ExternalInput{Name: name, SHA256: sha, Size: &size, Location: "safe 2"})
			return name, err
		}},
	} {
		b.open("/incidents/" + inc.Ref + sec.path)
		run(b, chromedp.Evaluate[bool](`window.fbSamePage = true`))
		// The page's live stream may still be connecting: add until one
		// shows, each given a second.
		seen := false
		for i := range 15 {
			want, err := sec.add(i)
			if err != nil {
				t.Fatalf("%s: %v", sec.sel, err)
			}
			if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](fmt.Sprintf(`(document.querySelector(%s) || {textContent: ""}).textContent.includes(%s)`, jsString(sec.sel), jsString(want)),
				chromedp.WithPollingTimeout(time.Second))); err == nil {
				seen = true
				break
			}
		}
		if !seen {
			t.Fatalf("%s%s never showed what bob added: %s", sec.path, sec.sel, b.text(sec.sel))
		}
		if !run(b, chromedp.Evaluate[bool](`window.fbSamePage === true`)) {
			t.Errorf("%s was reloaded rather than updated", sec.path)
		}
	}
}
