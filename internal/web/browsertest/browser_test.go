package browsertest

// The browser suite drives the console in a real headless Chromium against
// the whole app running in-process on a loopback port with a SQLite store.
// It skips only when no Chromium is installed.
//
// Screenshots go to $FIREBREAK_SCREENSHOTS when set, else to a temporary
// directory that the test logs.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the timeline test reads America/New_York

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/duties/dutiestest"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/roster"
)

const (
	bootstrapToken = "fbk_browser_bootstrap_admin_token_0123456789"
	password       = "correct-horse-battery"
	testTimeout    = 60 * time.Second
)

// chromiumPath finds the browser or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Skip("browser tests need Chromium: neither /usr/bin/chromium nor chromium on PATH exists (apt-get install chromium)")
	return ""
}

// console is the app running in-process with its users.
type console struct {
	app    *app.App
	url    string
	chrome string
}

// newConsole starts the app on a free loopback port with a SQLite store in a
// temp dir, and creates the users: admin (bootstrap), alice and bob
// (responders) and vic (viewer), all with the same password.
func newConsole(t *testing.T) *console { t.Helper(); return newConsoleWith(t, nil) }

// newConsoleWith is newConsole with the configuration changed by set.
func newConsoleWith(t *testing.T, set func(*app.Config)) *console {
	t.Helper()
	chrome := chromiumPath(t)
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "firebreak.db")
	cfg := app.Config{Addr: "127.0.0.1:0", DSN: dsn, BootstrapToken: bootstrapToken, Version: "test", Now: time.Now}
	if set != nil {
		set(&cfg)
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// Registered before any browser, so it runs after they are gone and
	// their live streams are closed.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Stop(ctx); err != nil {
			t.Errorf("stop app: %v", err)
		}
	})
	as := a.Services.Auth
	for _, u := range []auth.UserInput{
		{Username: "alice", DisplayName: "Alice Moreau", Role: auth.Responder},
		{Username: "bob", DisplayName: "Bob Okafor", Role: auth.Responder},
		{Username: "vic", DisplayName: "Vic Lind", Role: auth.Viewer},
	} {
		if _, err := as.CreateUser(ctx, u); err != nil {
			t.Fatalf("create %s: %v", u.Username, err)
		}
	}
	for _, name := range []string{"admin", "alice", "bob", "vic"} {
		if err := as.SetPassword(ctx, name, password); err != nil {
			t.Fatalf("password of %s: %v", name, err)
		}
	}
	return &console{app: a, url: a.URL(), chrome: chrome}
}

// as returns a command acting as user.
func as(user, ref string) incident.Command {
	return incident.Command{Actor: incident.Viewer{User: user}, Ref: ref}
}

// seed declares an incident as alice through the service.
func (c *console) seed(t *testing.T, in incident.DeclareInput) incident.Incident {
	t.Helper()
	if in.Source == "" {
		in.Source = incident.SourceInternal
	}
	inc, err := c.app.Services.Incidents.Declare(context.Background(), "alice", in)
	if err != nil {
		t.Fatalf("declare %q: %v", in.Title, err)
	}
	return inc
}

func (c *console) get(t *testing.T, ref string) incident.Incident {
	t.Helper()
	inc, err := c.app.Services.Incidents.Get(context.Background(), incident.Viewer{User: "admin", SeeAll: true}, ref)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

// browser is one Chromium with its own profile, so its cookies are its own.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	name string
}

// browser starts a separate Chromium (its own allocator and user data dir)
// whose actions end with ctx.
func (c *console) browser(ctx context.Context, t *testing.T, name string) *browser {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "profile")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(c.chrome),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		// Chromium's helpers may write to the profile for a moment after
		// the browser ends; remove it here, patiently, before t.TempDir's
		// own cleanup tries once.
		for range 50 {
			if err := os.RemoveAll(dir); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	b := &browser{t: t, ctx: bctx, base: c.url, name: name}
	b.do(chromedp.EmulateViewport(1280, 900))
	return b
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", b.name, err)
	}
}

func run[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", b.name, err)
	}
	return v
}

// open navigates to path on the app and returns the document's status.
func (b *browser) open(path string) int64 {
	b.t.Helper()
	resp := run(b, chromedp.NavigateResponse(b.base+path))
	return resp.Status
}

// submit clicks the button with this text and waits for the page that the
// form's answer (after any redirect) loads; it returns that status.
func (b *browser) submit(buttonText string) int64 {
	b.t.Helper()
	return b.submitSel(buttonXPath(buttonText))
}

func (b *browser) submitSel(sel chromedp.Search) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(sel))
	if err != nil {
		b.t.Fatalf("%s: submit %s: %v", b.name, sel, err)
	}
	return resp.Status
}

func buttonXPath(text string) chromedp.Search {
	return chromedp.Search(fmt.Sprintf(`//button[normalize-space()=%q]`, text))
}

func (b *browser) path() string {
	b.t.Helper()
	loc := run(b, chromedp.Location())
	return strings.TrimPrefix(loc, b.base)
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(run(b, chromedp.Text(chromedp.CSS(sel))))
}

func (b *browser) count(sel string) int {
	b.t.Helper()
	return run(b, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%s).length`, jsString(sel))))
}

func jsString(s string) string {
	j, _ := json.Marshal(s)
	return string(j)
}

// wantText fails unless the element's visible text contains want.
func (b *browser) wantText(sel, want string) {
	b.t.Helper()
	if got := b.text(sel); !strings.Contains(got, want) {
		b.t.Fatalf("%s: %s says %q, want it to contain %q", b.name, sel, got, want)
	}
}

func (b *browser) wantPath(want string) {
	b.t.Helper()
	// The script may still be tidying the address (dropping a flash).
	var got string
	for range 40 {
		if got = b.path(); got == want {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	b.t.Fatalf("%s: at %s, want %s", b.name, got, want)
}

// signIn signs in through the form and checks the landing page.
func (b *browser) signIn(user string) {
	b.t.Helper()
	b.open("/signin")
	b.do(chromedp.SendKeys(chromedp.ID("username"), user), chromedp.SendKeys(chromedp.ID("password"), password))
	if status := b.submit("Sign in"); status != http.StatusOK {
		b.t.Fatalf("%s: sign in as %s answered %d", b.name, user, status)
	}
	b.wantPath("/incidents")
}

// scheme emulates prefers-color-scheme: "light" or "dark".
func (b *browser) scheme(s string) {
	b.t.Helper()
	_, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: s}},
	})
	if err != nil {
		b.t.Fatalf("%s: emulate %s: %v", b.name, s, err)
	}
}

// phone and desktop set the viewport. The phone is not emulated as a mobile
// device: a mobile layout viewport grows to fit overflowing content, which
// would hide the overflow the test looks for.
func (b *browser) phone() {
	b.t.Helper()
	b.do(chromedp.EmulateViewport(375, 812, chromedp.EmulateScale(2)))
}
func (b *browser) desktop() { b.t.Helper(); b.do(chromedp.EmulateViewport(1280, 900)) }

// overflow measures the page against the window, and names the elements
// that stick out.
func (b *browser) overflow() (scrollWidth, innerWidth int, culprits []string) {
	b.t.Helper()
	type result struct {
		Scroll, Inner int
		Culprits      []string
	}
	r := run(b, chromedp.Evaluate[result](`(() => {
		const inner = window.innerWidth, out = [];
		for (const el of document.body.querySelectorAll("*")) {
			const r = el.getBoundingClientRect();
			if (r.width > 0 && r.right > inner + 0.5 && out.length < 8) {
				out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.trim().replace(/\s+/g, ".") : "") + " right=" + Math.round(r.right));
			}
		}
		return {Scroll: document.documentElement.scrollWidth, Inner: inner, Culprits: out};
	})()`))
	return r.Scroll, r.Inner, r.Culprits
}

// shots is the screenshot directory, made once per test.
func shots(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("FIREBREAK_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shot saves a full-page PNG of the current page.
func (b *browser) shot(dir, name string) {
	b.t.Helper()
	png := run(b, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// 1 and 8: signing in, and a signed-out visit.
func TestBrowserSignIn(t *testing.T) {
	c := newConsole(t)
	b := c.browser(testContext(t), t, "browser")

	// Signed out, the list sends you to sign in, remembering where you were going.
	b.open("/incidents")
	if got := b.path(); got != "/signin?next=%2Fincidents" {
		t.Fatalf("signed out /incidents went to %s, want /signin?next=%%2Fincidents", got)
	}
	b.do(chromedp.SendKeys(chromedp.ID("username"), "alice"), chromedp.SendKeys(chromedp.ID("password"), "not-the-password"))
	if status := b.submit("Sign in"); status != http.StatusUnauthorized {
		t.Errorf("bad password answered %d, want 401", status)
	}
	b.wantText(".notice.error", "Wrong username or password.")
	if v := run(b, chromedp.Value(chromedp.ID("username"))); v != "alice" {
		t.Errorf("username field after a failed sign-in holds %q, want alice kept", v)
	}
	if v := run(b, chromedp.Value(chromedp.ID("password"))); v != "" {
		t.Errorf("password field after a failed sign-in holds %q, want it empty", v)
	}
	if b.count("header.top nav") != 0 {
		t.Error("the sign-in page shows the main navigation to a signed-out person")
	}
	b.do(chromedp.SendKeys(chromedp.ID("password"), password))
	if status := b.submit("Sign in"); status != http.StatusOK {
		t.Fatalf("good password answered %d", status)
	}
	b.wantPath("/incidents")
	b.wantText("h1", "Incidents")
	b.wantText(".who a", "Alice Moreau")

	// Signing out ends the session.
	b.submit("Sign out")
	b.wantText(".notice.ok", "You are signed out.")
	b.open("/incidents")
	if got := b.path(); !strings.HasPrefix(got, "/signin") {
		t.Fatalf("after sign-out /incidents went to %s, want /signin", got)
	}
}

// 2, 3 and 4: declare from the form, then walk the incident to closed
// through every phase, meeting each rule that blocks a move on the way, and
// write a timeline entry with a time in the world.
func TestBrowserLifecycle(t *testing.T) {
	c := newConsole(t)
	dir := shots(t)
	b := c.browser(testContext(t), t, "alice")
	b.signIn("alice")

	// Declare.
	b.open("/incidents/new")
	const title = "Credential stuffing against the customer login"
	b.do(
		chromedp.WaitVisible(chromedp.ID("title")),
		chromedp.SendKeys(chromedp.ID("title"), title),
		chromedp.Click(chromedp.CSS(`input[name=severity][value="SEV2"]`)),
		chromedp.SendKeys(chromedp.ID("type"), "security.credential-compromise"),
		chromedp.SetValue(chromedp.ID("summary"), "Login failures jumped 40x from a few ASNs; some accounts got in."),
	)
	if status := b.submit("Declare"); status != http.StatusOK {
		t.Fatalf("declare answered %d", status)
	}
	// The script drops the one-time flash from the address after showing it.
	b.wantPath("/incidents/INC-1")
	b.wantText(".notice.ok", "Declared INC-1.")
	b.wantText(".inc-head h1", title)
	b.wantText(".inc-head .meta", "SEV2")
	b.wantText(".inc-head .meta", "Triage")
	b.wantText(".inc-head .meta", "security.credential-compromise")
	wantPhase(b, "Triage", 0)

	// Triage → active is blocked without an IR Lead: the button is disabled
	// and the page says why.
	wantBlocked(b, "active", "Activate response", "needs an IR Lead")
	b.shot(dir, "lifecycle-blocked-ir-lead-light")
	// The server enforces it too, for a page whose button was not disabled.
	b.do(chromedp.RemoveAttribute(chromedp.CSS(`button[data-move="active"]`), "disabled"))
	if status := b.submitSel(chromedp.Search(`//button[@data-move="active"]`)); status != http.StatusUnprocessableEntity {
		t.Errorf("forced activation without an IR Lead answered %d, want 422", status)
	}
	b.wantText(".notice.error", "needs an IR Lead")
	if st := c.get(t, "INC-1").State; st != incident.Triage {
		t.Fatalf("a blocked move changed the state to %s", st)
	}

	// Classify: SEV1, significant, so containment will need a commander.
	b.open("/incidents/INC-1")
	b.do(chromedp.SetValue(chromedp.ID("severity"), "SEV1"))
	b.submit("Set severity")
	b.wantText(".notice.ok", "Severity set to SEV1.")
	b.wantText(".inc-head .meta", "SEV1")

	// Roles: alice leads.
	assign(b, "ir_lead", "alice", "IR Lead")
	b.wantText("#roles .roles", "alice")

	// Activate.
	move(b, "active", "Activate response")
	b.wantText(".inc-head .meta", "Active")
	wantPhase(b, "Active", 1)

	// A timeline entry with a time in the world, typed in New York time.
	addWorldEntry(t, b)
	b.open("/incidents/INC-1")

	// Contain: a SEV1 needs an Incident Commander first.
	wantBlocked(b, "contained", "Mark contained", "needs an Incident Commander")
	b.shot(dir, "lifecycle-blocked-commander-light")
	assign(b, "incident_commander", "bob", "Incident Commander")
	move(b, "contained", "Mark contained")
	b.wantText(".inc-head .meta", "Contained")
	wantPhase(b, "Contained", 2)

	// Eradicate: needs a root cause.
	wantBlocked(b, "eradicated", "Mark eradicated", "needs a root cause")
	b.do(chromedp.SetValue(chromedp.ID("d-root"), "Reused passwords from a third-party breach; no rate limit on /login."))
	b.submit("Save details")
	b.wantText(".notice.ok", "Details saved.")
	if got := c.get(t, "INC-1").RootCause; !strings.Contains(got, "Reused passwords") {
		t.Fatalf("root cause after saving details: %q", got)
	}
	move(b, "eradicated", "Mark eradicated")
	b.wantText(".inc-head .meta", "Eradicated")
	wantPhase(b, "Eradicated", 3)

	// Recover.
	move(b, "recovered", "Mark recovered")
	b.wantText(".inc-head .meta", "Recovered")
	wantPhase(b, "Recovered", 4)
	if c.get(t, "INC-1").PostmortemDue == nil {
		t.Error("recovery set no post-mortem due date")
	}
	// Recovered: the post-mortem is what is left, with its deadline.
	b.wantText("ol.phasebar > li.ph-current .ph-work", "post-mortem")
	b.wantText("ol.phasebar > li.ph-current .ph-due", "post-mortem due")
	if b.count("#inc-strip .clock-pm time") != 1 {
		t.Errorf("the header does not show the post-mortem's due date: %s", b.text("#inc-strip"))
	}

	// Close: a SEV1 needs a published post-mortem.
	wantBlocked(b, "closed", "Close incident", "needs a published post-mortem")
	b.do(chromedp.Click(chromedp.Search(`//a[normalize-space()="Open the post-mortem"]`)), chromedp.WaitVisible(chromedp.ID("pm-summary")))
	b.wantPath("/incidents/INC-1/postmortem")
	b.do(chromedp.SetValue(chromedp.ID("pm-summary"), "## What happened\nA credential-stuffing wave hit /login."),
		chromedp.SetValue(chromedp.ID("pm-lessons"), "Rate-limit sign-in per account and per ASN."))
	if status := b.submit("Save"); status != http.StatusOK {
		t.Fatalf("save answered %d", status)
	}
	if status := b.submit("Request review"); status != http.StatusOK {
		t.Fatalf("request review answered %d", status)
	}
	b.wantText("#pm-status", "In review")
	// bob, the commander, approves what alice wrote.
	if _, err := c.app.Services.Incidents.ReviewPostmortem(context.Background(), incident.Command{Actor: incident.Viewer{User: "bob"}, Ref: "INC-1"}, incident.Approve, ""); err != nil {
		t.Fatal(err)
	}
	b.open("/incidents/INC-1/postmortem")
	if status := b.submit("Publish"); status != http.StatusOK {
		t.Fatalf("publish answered %d", status)
	}
	b.wantText(".notice.ok", "Post-mortem published.")
	b.wantText("#pm-status", "Published")
	if pm := c.get(t, "INC-1").Postmortem; pm.Status != incident.PostmortemPublished || pm.Doc.Lessons == "" {
		t.Fatalf("post-mortem after publishing: %+v", pm)
	}
	dutiestest.WaiveOpen(t, c.app.Services.Duties, "INC-1")
	b.open("/incidents/INC-1")
	move(b, "closed", "Close incident")
	b.wantText(".inc-head .meta", "Closed")
	wantPhase(b, "Closed", 5) // closed: every step before it is done
	if n := b.count("#actions form[action$='/transition'] button[data-move]"); n != 0 {
		t.Errorf("a closed incident still offers %d forward moves", n)
	}
	if st := c.get(t, "INC-1").State; st != incident.Closed {
		t.Fatalf("state after closing: %s", st)
	}
	b.shot(dir, "lifecycle-closed-light")
}

// wantPhase checks that the phase bar marks name as the current phase, with
// done phases before it and pending ones after.
func wantPhase(b *browser, name string, index int) {
	b.t.Helper()
	type li struct{ Name, Class, Current string }
	items := run(b, chromedp.Evaluate[[]li](`[...document.querySelectorAll("ol.phasebar > li")].map(l => ({Name: l.querySelector(".ph-name").textContent.trim(), Class: l.className, Current: l.getAttribute("aria-current") || ""}))`))
	if len(items) != 6 {
		b.t.Fatalf("phase bar has %d phases, want 6: %+v", len(items), items)
	}
	for i, it := range items {
		want := "ph-pending"
		switch {
		case i < index:
			want = "ph-done"
		case i == index:
			want = "ph-current"
		}
		if it.Class != want {
			b.t.Errorf("phase %d (%s) is %q, want %q", i, it.Name, it.Class, want)
		}
		if (it.Current == "step") != (i == index) {
			b.t.Errorf("phase %d (%s) aria-current=%q", i, it.Name, it.Current)
		}
	}
	if index < len(items) && items[index].Name != name {
		b.t.Fatalf("current phase is %q, want %q", items[index].Name, name)
	}
}

// wantBlocked checks that the move to `to` is offered, disabled, and
// explained on the page.
func wantBlocked(b *browser, to, verb, why string) {
	b.t.Helper()
	sel := fmt.Sprintf(`button[data-move=%q]`, to)
	if b.count(sel+"[disabled]") != 1 {
		b.t.Fatalf("the %q button is not there disabled", verb)
	}
	b.wantText(sel, verb)
	b.wantText("#why-"+to, why)
	if d := run(b, chromedp.AttributeValue(chromedp.CSS(sel), "aria-describedby")); d.Value != "why-"+to {
		b.t.Errorf("the disabled %q button is described by %q, want why-%s", verb, d.Value, to)
	}
	if !strings.Contains(run(b, chromedp.Text(chromedp.CSS("#why-"+to+".blocked"))), "Blocked:") {
		b.t.Errorf("the reason for %q does not start with Blocked:", verb)
	}
}

// move clicks the enabled button of a forward move.
func move(b *browser, to, verb string) {
	b.t.Helper()
	sel := fmt.Sprintf(`button[data-move=%q]`, to)
	if b.count(sel+":not([disabled])") != 1 {
		b.t.Fatalf("the %q button is not enabled; the page says: %s", verb, b.text("#actions"))
	}
	if status := b.submit(verb); status != http.StatusOK {
		b.t.Fatalf("%s answered %d: %s", verb, status, b.text("#notices"))
	}
	b.wantText(".notice.ok", "Moved to "+to+".")
}

// assign gives role to user in the roles panel.
func assign(b *browser, role, user, roleName string) {
	b.t.Helper()
	b.do(chromedp.SetValue(chromedp.ID("role"), role), chromedp.SetValue(chromedp.ID("user"), user))
	if status := b.submit("Assign"); status != http.StatusOK {
		b.t.Fatalf("assign %s as %s answered %d", user, role, status)
	}
	b.wantText(".notice.ok", user+" is now "+roleName+".")
	found := run(b, chromedp.Evaluate[bool](fmt.Sprintf(`[...document.querySelectorAll("#roles .roles li")].some(li => li.querySelector(".role").textContent.trim() === %s && li.querySelector(".user").textContent.trim() === %s)`, jsString(roleName), jsString(user))))
	if !found {
		b.t.Fatalf("roles panel does not list %s as %s: %s", user, roleName, b.text("#roles"))
	}
}

// addWorldEntry writes a decision that happened 2h15m ago, typed in the
// browser's zone (New York), and checks the timeline shows both times.
func addWorldEntry(t *testing.T, b *browser) {
	t.Helper()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(b.ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "America/New_York"}); err != nil {
		t.Fatal(err)
	}
	b.open("/incidents/INC-1/timeline")
	world := time.Now().In(ny).Add(-2*time.Hour - 15*time.Minute).Truncate(time.Minute)
	const body = "Decided to force a password reset for the 312 accounts that got in."
	b.do(
		chromedp.SetValue(chromedp.ID("kind"), "decision"),
		chromedp.SetValue(chromedp.ID("occurred_at"), world.Format("2006-01-02T15:04")),
		chromedp.SetValue(chromedp.ID("entry-body"), body),
	)
	if status := b.submit("Add to timeline"); status != http.StatusOK {
		t.Fatalf("add entry answered %d: %s", status, b.text("#notices"))
	}
	b.wantText(".notice.ok", "Added to the timeline.")
	type entry struct {
		Kind, World, WorldAt, Recorded, RecordedAt string
		First                                      bool
	}
	e := run(b, chromedp.Evaluate[*entry](fmt.Sprintf(`(() => {
		const all = [...document.querySelectorAll("ol#events > li")];
		const li = all.find(l => l.textContent.includes(%s));
		if (!li) return null;
		const w = li.querySelector(".world"), r = li.querySelector(".recorded");
		return {Kind: (li.querySelector(".kind") || {}).textContent || "", First: all[0] === li,
			World: w ? w.textContent.trim() : "", WorldAt: w ? w.querySelector("time").getAttribute("datetime") : "",
			Recorded: r.textContent.trim(), RecordedAt: r.querySelector("time").getAttribute("datetime")};
	})()`, jsString(body))))
	if e == nil {
		t.Fatalf("the entry is not in ol#events: %s", b.text("ol#events"))
	}
	if e.Kind != "decision" {
		t.Errorf("entry kind shows %q, want decision", e.Kind)
	}
	if !e.First {
		t.Errorf("the newest entry is not first in the newest-first timeline")
	}
	if want := world.UTC().Format(time.RFC3339); e.WorldAt != want {
		t.Errorf("world time is %s, want %s (typed %s in New York)", e.WorldAt, want, world.Format("2006-01-02T15:04"))
	}
	if !strings.HasPrefix(e.World, "happened ") {
		t.Errorf("world time reads %q, want it to start with \"happened \"", e.World)
	}
	if e.RecordedAt == e.WorldAt || e.Recorded == strings.TrimPrefix(e.World, "happened ") {
		t.Errorf("world time %q (%s) is not distinct from recorded time %q (%s)", e.World, e.WorldAt, e.Recorded, e.RecordedAt)
	}
	rec, err := time.Parse(time.RFC3339, e.RecordedAt)
	if err != nil || time.Since(rec) > time.Minute {
		t.Errorf("recorded time %s is not about now (%v)", e.RecordedAt, err)
	}
	// The world time is shown in the viewer's zone, with the UTC on hover.
	if title := run(b, chromedp.AttributeValue(chromedp.CSS("ol#events > li .world time"), "title")); !strings.HasSuffix(title.Value, "UTC") {
		t.Errorf("world time's title is %q, want the UTC time", title.Value)
	}
	if _, err := chromedp.Call(b.ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{}); err != nil {
		t.Fatal(err)
	}
}

// 5: a change made by alice in her browser, or through the API, shows on
// bob's open page within a second, and what bob is typing stays.
func TestBrowserLiveUpdate(t *testing.T) {
	c := newConsole(t)
	ctx := testContext(t)
	c.seed(t, incident.DeclareInput{Title: "VPN gateway rejecting logins", Severity: "SEV2", Type: "availability.outage"})

	alice := c.browser(ctx, t, "alice")
	bob := c.browser(ctx, t, "bob")
	alice.signIn("alice")
	bob.signIn("bob")
	alice.open("/incidents/INC-1/timeline")

	// Bob opens the timeline and waits until its live stream says hello.
	hello := chromedp.WaitEvent(network.EventSourceMessageReceived,
		func(e network.EventEventSourceMessageReceived) bool { return e.EventName == "hello" },
		chromedp.Navigate(c.url+"/incidents/INC-1/timeline"))
	run(bob, hello)

	// A mark that a reload would wipe.
	run(bob, chromedp.Evaluate[bool](`window.fbSamePage = true`))
	const draft = "bob draft: checking the gateway's certificate chain"
	bob.do(chromedp.Click(chromedp.ID("entry-body")), chromedp.SendKeys(chromedp.ID("entry-body"), draft))

	// Alice adds a note from her page.
	const note = "Gateway logs show the RADIUS server timing out since 09:12."
	alice.do(chromedp.SetValue(chromedp.ID("entry-body"), note))
	if status := alice.submit("Add to timeline"); status != http.StatusOK {
		t.Fatalf("alice's note answered %d", status)
	}
	waitLive(t, bob, time.Now(), "alice's note", fmt.Sprintf(`document.querySelector("ol#events").textContent.includes(%s)`, jsString(note)))

	// A change through the API: a note and a new severity.
	api := client.New(c.url, bootstrapToken)
	const apiNote = "From the API: paged the network on-call."
	if _, err := api.AddEntry(ctx, "INC-1", httpapi.EntryBody{Kind: "action", Body: apiNote}); err != nil {
		t.Fatal(err)
	}
	waitLive(t, bob, time.Now(), "the API's note", fmt.Sprintf(`document.querySelector("ol#events").textContent.includes(%s)`, jsString(apiNote)))
	inc, err := api.Get(ctx, "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	sev := "SEV1"
	if _, err := api.Update(ctx, "INC-1", httpapi.PatchBody{Severity: &sev}, inc.Version); err != nil {
		t.Fatal(err)
	}
	waitLive(t, bob, time.Now(), "the API's severity", `document.querySelector("#inc-head .meta").textContent.includes("SEV1")`)

	// Bob's typing survived every refresh, and so did his focus.
	if v := run(bob, chromedp.Value(chromedp.ID("entry-body"))); v != draft {
		t.Errorf("bob's draft is now %q, want %q", v, draft)
	}
	if id := run(bob, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`)); id != "entry-body" {
		t.Errorf("bob's focus moved to %q", id)
	}
	if p := bob.path(); p != "/incidents/INC-1/timeline" || !run(bob, chromedp.Evaluate[bool](`window.fbSamePage === true`)) {
		t.Errorf("bob's page was reloaded or navigated (now at %s)", p)
	}
	// On the overview, forms bob is not using get the new version, so his
	// next move is not refused as stale.
	run(bob, chromedp.WaitEvent(network.EventSourceMessageReceived,
		func(e network.EventEventSourceMessageReceived) bool { return e.EventName == "hello" },
		chromedp.Navigate(c.url+"/incidents/INC-1")))
	inc, err = api.Get(ctx, "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	sev = "SEV2"
	if _, err := api.Update(ctx, "INC-1", httpapi.PatchBody{Severity: &sev}, inc.Version); err != nil {
		t.Fatal(err)
	}
	waitLive(t, bob, time.Now(), "the API's second severity", `document.querySelector("#inc-head .meta").textContent.includes("SEV2")`)
	if v := run(bob, chromedp.Value(chromedp.CSS(`form.sevform input[name=version]`))); v != fmt.Sprint(c.get(t, "INC-1").Version) {
		t.Errorf("bob's severity form carries version %s, want %d", v, c.get(t, "INC-1").Version)
	}
}

// waitLive polls bob's page until expr is true, at most a second after
// since (when the change was committed).
func waitLive(t *testing.T, b *browser, since time.Time, what, expr string) {
	t.Helper()
	left := time.Second - time.Since(since)
	if left <= 0 {
		left = time.Millisecond
	}
	_, err := chromedp.Run(b.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(left), chromedp.WithPollingInterval(20*time.Millisecond)))
	took := time.Since(since)
	if err != nil || took > time.Second {
		t.Fatalf("%s did not show on %s's page within 1s (waited %v): %v", what, b.name, took.Round(time.Millisecond), err)
	}
	t.Logf("%s showed on %s's page after %v", what, b.name, took.Round(time.Millisecond))
}

// 6: a form on another origin that posts to the console while bob is signed
// in is refused, and changes nothing.
func TestBrowserCrossSiteForm(t *testing.T) {
	c := newConsole(t)
	ctx := testContext(t)
	inc := c.seed(t, incident.DeclareInput{Title: "Suspicious OAuth grant", Severity: "SEV3"})
	if _, err := c.app.Services.Incidents.Assign(context.Background(), as("alice", "INC-1"), incident.IRLead, "alice"); err != nil {
		t.Fatal(err)
	}
	before := c.get(t, "INC-1")
	if before.State != incident.Triage || inc.Ref != "INC-1" {
		t.Fatalf("setup: %s is %s", inc.Ref, before.State)
	}

	// The attacker's page: an auto-submitting form that would activate the
	// response (a move the rules allow now, so only the guard stops it).
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>Win a prize</title>
<form method="post" action="%s/incidents/INC-1/transition"><input type="hidden" name="to" value="active"><input type="hidden" name="reason" value="pwned"></form>
<script>document.forms[0].submit()</script>`, c.url)
	}))
	t.Cleanup(evil.Close)
	_, port, _ := strings.Cut(strings.TrimPrefix(evil.URL, "http://"), ":")

	bob := c.browser(ctx, t, "bob")
	bob.signIn("bob")

	// Record what the browser sends with the forged post.
	var mu sync.Mutex
	ids := map[network.RequestID]bool{}
	headers := map[network.RequestID]network.Headers{}
	lctx, stop := context.WithCancel(bob.ctx)
	defer stop()
	if err := chromedp.Listen(lctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if strings.HasSuffix(e.Request.URL, "/transition") {
				ids[e.RequestID] = true
			}
		case *network.EventRequestWillBeSentExtraInfo:
			headers[e.RequestID] = e.Headers
		}
	}); err != nil {
		t.Fatal(err)
	}

	for _, origin := range []struct{ name, url, site string }{
		// Same site (same host, another port): the Lax cookie goes along,
		// so only the cross-origin guard stands in the way.
		{"another port", "http://127.0.0.1:" + port, "same-site"},
		// Another site: the browser also keeps the Lax cookie back.
		{"another host", "http://localhost:" + port, "cross-site"},
	} {
		resp := run(bob, chromedp.WaitEvent(network.ResponseReceived,
			func(e network.EventResponseReceived) bool {
				return e.Type == network.ResourceTypeDocument && strings.HasSuffix(e.Response.URL, "/incidents/INC-1/transition")
			},
			chromedp.Navigate(origin.url+"/prize")))
		if resp.Response.Status != http.StatusForbidden {
			t.Errorf("%s: the forged post answered %d, want 403", origin.name, resp.Response.Status)
		}
		// The answer page may still be replacing the forging page: a poll
		// whose document goes away mid-way is asked again of the new one.
		var err error
		for range 3 {
			_, err = chromedp.Run(bob.ctx, chromedp.Poll[bool](`document.body && document.body.innerText.includes("Forbidden")`, chromedp.WithPollingTimeout(5*time.Second)))
			if err == nil || !strings.Contains(err.Error(), "Cannot find context") {
				break
			}
		}
		if err != nil {
			t.Errorf("%s: the refusal page does not say Forbidden: %v", origin.name, err)
		}
		mu.Lock()
		var site []string
		var cookie bool
		for id := range ids {
			for k, v := range headers[id] {
				switch strings.ToLower(k) {
				case "sec-fetch-site":
					site = append(site, fmt.Sprint(v))
				case "cookie":
					cookie = cookie || strings.Contains(fmt.Sprint(v), "fb_session=")
				}
			}
		}
		clear(ids)
		mu.Unlock()
		t.Logf("%s (%s): Sec-Fetch-Site %v, session cookie sent: %v, answer %d", origin.name, origin.url, site, cookie, resp.Response.Status)
		if len(site) != 1 || site[0] != origin.site {
			t.Errorf("%s: the browser sent Sec-Fetch-Site %v, want %s", origin.name, site, origin.site)
		}
	}

	after := c.get(t, "INC-1")
	if after.State != incident.Triage || after.Version != before.Version {
		t.Fatalf("a forged post changed INC-1: %s v%d, was %s v%d", after.State, after.Version, before.State, before.Version)
	}
	// Bob is still signed in and the same move works from the console itself.
	bob.open("/incidents/INC-1")
	move(bob, "active", "Activate response")
}

// 8: a viewer sees the incident but no way to change it.
func TestBrowserViewer(t *testing.T) {
	c := newConsole(t)
	c.seed(t, incident.DeclareInput{Title: "Malware on a finance laptop", Severity: "SEV2", Summary: "EDR quarantined a loader."})
	b := c.browser(testContext(t), t, "vic")
	b.signIn("vic")
	if b.count(`a[href="/incidents/new"]`) != 0 {
		t.Error("a viewer is offered Declare")
	}
	b.open("/incidents/INC-1")
	b.wantText(".inc-head h1", "Malware on a finance laptop")
	b.wantText("#details", "EDR quarantined a loader.")
	for _, sec := range []string{"", "/tasks", "/timeline", "/comms", "/paging"} {
		b.open("/incidents/INC-1" + sec)
		for _, sel := range []string{`form[action$="/transition"]`, "#actions", "#entry-form", `form[action*="/incidents/"]`, "main button", "main select", "main textarea"} {
			if n := b.count(sel); n != 0 {
				t.Errorf("a viewer's incident page %q has %d %s", sec, n, sel)
			}
		}
	}
	// The post-mortem is read-only for a viewer too.
	b.open("/incidents/INC-1/postmortem")
	if n := b.count("main form, main button, main textarea"); n != 0 {
		t.Errorf("a viewer's post-mortem page has %d form controls", n)
	}
	// And the declare page is refused.
	if status := b.open("/incidents/new"); status != http.StatusForbidden {
		t.Errorf("a viewer's /incidents/new answered %d, want 403", status)
	}
}

// 7 and the screenshots: every page in light and dark, desktop and phone;
// on a 375px phone the list and the incident page do not scroll sideways.
func TestBrowserScreenshots(t *testing.T) {
	c := newConsole(t)
	dir := shots(t)
	t.Logf("screenshots in %s", dir)
	seedRich(t, c)

	b := c.browser(testContext(t), t, "alice")
	b.signIn("alice")
	backgrounds := map[string]string{}
	for _, scheme := range []string{"light", "dark"} {
		b.scheme(scheme)
		if got := run(b, chromedp.Evaluate[bool](`matchMedia("(prefers-color-scheme: dark)").matches`)); got != (scheme == "dark") {
			t.Fatalf("prefers-color-scheme: dark matches %v in %s", got, scheme)
		}
		backgrounds[scheme] = run(b, chromedp.Evaluate[string](`getComputedStyle(document.documentElement).backgroundColor`))
		pages := []struct {
			name, path string
			mustFit    bool
		}{
			{"list", "/incidents", true},
			{"declare", "/incidents/new", false},
			{"incident", "/incidents/INC-1", true},
			{"incident-timeline", "/incidents/INC-1/timeline", true},
			{"incident-comms", "/incidents/INC-1/comms", true},
			{"postmortem", "/incidents/INC-1/postmortem", false},
		}
		b.desktop()
		for _, p := range pages {
			if status := b.open(p.path); status != http.StatusOK {
				t.Fatalf("%s answered %d", p.path, status)
			}
			name := p.name + "-" + scheme
			if p.name == "list" || p.name == "incident" {
				name = p.name + "-desktop-" + scheme
			}
			b.shot(dir, name)
			if sw, iw, culprits := b.overflow(); sw > iw {
				t.Errorf("%s at 1280px (%s) is %dpx wide: %v", p.path, scheme, sw, culprits)
			}
		}
		b.phone()
		for _, p := range pages {
			b.open(p.path)
			b.shot(dir, p.name+"-phone-"+scheme)
			sw, iw, culprits := b.overflow()
			switch {
			case iw != 375:
				t.Fatalf("phone viewport is %dpx wide, want 375", iw)
			case sw > iw && p.mustFit:
				t.Errorf("%s on a 375px phone (%s) scrolls sideways: scrollWidth %d > %d; sticking out: %v", p.path, scheme, sw, iw, culprits)
			case sw > iw:
				t.Logf("note: %s on a 375px phone (%s) scrolls sideways: scrollWidth %d > %d; sticking out: %v", p.path, scheme, sw, iw, culprits)
			}
		}
		b.desktop()
	}
	if backgrounds["light"] == backgrounds["dark"] {
		t.Errorf("the page background is %s in both light and dark", backgrounds["light"])
	}
	// Sign-in is seen signed out (signed in, /signin goes on to the list).
	anon := c.browser(testContext(t), t, "anon")
	for _, scheme := range []string{"light", "dark"} {
		anon.scheme(scheme)
		anon.desktop()
		anon.open("/signin")
		anon.shot(dir, "signin-"+scheme)
		anon.phone()
		anon.open("/signin")
		anon.shot(dir, "signin-phone-"+scheme)
	}
	// An error notice on sign-in, for review.
	anon.scheme("light")
	anon.desktop()
	anon.do(chromedp.Navigate(c.url + "/signin"))
	anon.do(chromedp.SendKeys(chromedp.ID("username"), "alice"), chromedp.SendKeys(chromedp.ID("password"), "wrong-password"))
	anon.submit("Sign in")
	anon.wantText(".notice.error", "Wrong username or password.")
	anon.shot(dir, "signin-error-light")
}

// seedRich fills the store with incidents in many states, and one busy
// incident (INC-1) with roles, entries with world times and a draft
// post-mortem.
func seedRich(t *testing.T, c *console) {
	t.Helper()
	ctx := context.Background()
	svc := c.app.Services.Incidents
	ago := func(d time.Duration) *time.Time { at := time.Now().Add(-d); return &at }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	c.seed(t, incident.DeclareInput{Title: "Credential stuffing against the customer login", Severity: "SEV1", Type: "security.credential-compromise",
		Summary:    "Login failures jumped 40x from a handful of ASNs at 08:50 UTC; 312 accounts signed in successfully from those ranges.",
		Affected:   []string{"auth-api", "customer-web", "eu-west-2/login-lb-01.internal.example.com"},
		Labels:     map[string]string{"region": "eu-west-2", "customer-impact": "yes"},
		DetectedAt: ago(3 * time.Hour)})
	c.seed(t, incident.DeclareInput{Title: "Phishing email reported by finance", Severity: "SEV3", Type: "security.phishing", DetectedAt: ago(26 * time.Hour)})
	c.seed(t, incident.DeclareInput{Title: "Ransom note found on build agent ci-runner-17 in the eu-west-2 staging cluster after the nightly job, with encrypted workspace files", Severity: "SEV2", Type: "security.malware", Restricted: true, DetectedAt: ago(50 * time.Minute)})
	c.seed(t, incident.DeclareInput{Title: "Elevated 5xx on checkout", Type: "availability.degradation"})
	c.seed(t, incident.DeclareInput{Title: "Port scan from a known research scanner", Severity: "SEV4", Type: "security.recon"})

	one := func(ref string) incident.Command { return as("alice", ref) }
	for _, r := range []struct {
		role incident.Role
		user string
	}{{incident.IRLead, "alice"}, {incident.IncidentCommander, "bob"}, {incident.Scribe, "alice"}, {incident.CommsLead, "admin"}} {
		_, err := svc.Assign(ctx, one("INC-1"), r.role, r.user)
		must(err)
	}
	_, err := svc.Transition(ctx, one("INC-1"), incident.Active, "")
	must(err)
	for _, e := range []struct {
		kind incident.EntryKind
		body string
		at   *time.Time
	}{
		{incident.KindEvidence, "WAF logs: 1.2M POST /login from AS14061 and AS16276 between 08:50 and 09:40 UTC.", ago(2*time.Hour + 40*time.Minute)},
		{incident.KindDecision, "Block the two ASNs at the edge; force password reset for the 312 accounts.", ago(2 * time.Hour)},
		{incident.KindAction, "Edge rules deployed (change CHG-4411).", nil},
		{incident.KindCommunication, "Status page updated: \"Some customers may be asked to reset their password.\"", nil},
		{incident.KindNote, "A very long token-like string to test wrapping: eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ", nil},
	} {
		_, err := svc.AddEntry(ctx, one("INC-1"), e.kind, e.body, e.at)
		must(err)
	}
	_, err = svc.SavePostmortem(ctx, one("INC-1"), incident.PostmortemInput{Doc: incident.PostmortemDoc{
		Summary:    "A credential-stuffing wave against /login.",
		RootCauses: []incident.Cause{{Category: incident.CauseSecurityControl, Text: "No per-account rate limit on sign-in."}},
		Lessons:    "Per-account rate limits would have stopped most of it."}})
	must(err)

	_, err = svc.Assign(ctx, one("INC-3"), incident.IRLead, "alice")
	must(err)
	_, err = svc.Assign(ctx, one("INC-3"), incident.IncidentCommander, "bob")
	must(err)
	for _, st := range []incident.State{incident.Active, incident.Contained} {
		_, err = svc.Transition(ctx, one("INC-3"), st, "")
		must(err)
	}
	_, err = svc.Transition(ctx, one("INC-5"), incident.Dismissed, "Known scanner; nothing to do.")
	must(err)
}

// seedOnCall gives the console two schedules, a policy, an override of
// bob's tomorrow, and alice a confirmed contact method: "primary" in
// Europe/Berlin (alice and bob by day, with an evening layer of admin
// above on weekdays, moved to the early morning while it is evening) and "security" in America/New_York (weekly).
func seedOnCall(t *testing.T, c *console, out *outbox) {
	t.Helper()
	ctx := context.Background()
	p := c.app.Services
	now := time.Now()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	today := now.In(berlin)
	morning := time.Date(today.Year(), today.Month(), today.Day(), 9, 0, 0, 0, berlin)
	if now.Before(morning) {
		morning = morning.AddDate(0, 0, -1) // alice is on call now in any case
	}
	weekdays := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	// admin's evening layer sits above alice's day: kept an hour clear of
	// now, or alice is not on call during a weekday evening in Berlin.
	from, to := "18:00", "22:00"
	if h := today.Hour(); h >= 17 && h < 23 {
		from, to = "06:00", "08:00"
	}
	tomorrow := morning.AddDate(0, 0, 1)
	for _, v := range []any{
		oncall.Schedule{Name: "primary", TimeZone: "Europe/Berlin", Layers: []oncall.Layer{
			{Name: "days", Users: []string{"alice", "bob"}, Start: morning, Rotation: oncall.Rotation{Kind: oncall.Daily}},
			{Name: "evenings", Users: []string{"admin"}, Start: morning, Rotation: oncall.Rotation{Kind: oncall.Weekly},
				Restrictions: []oncall.Restriction{{Days: weekdays, From: from, To: to}}},
		}, Overrides: []oncall.Override{{User: "alice", From: tomorrow.Add(2 * time.Hour), To: tomorrow.Add(8 * time.Hour)}}},
		oncall.Schedule{Name: "security", TimeZone: "America/New_York", Layers: []oncall.Layer{
			{Name: "weekly", Users: []string{"bob", "alice"}, Start: morning.AddDate(0, 0, -2), Rotation: oncall.Rotation{Kind: oncall.Weekly}, HandoffTime: "10:00"},
		}},
		oncall.Policy{Name: "default", Steps: []oncall.Step{
			{Targets: []oncall.Target{{Kind: oncall.TargetSchedule, Name: "primary"}}, Delay: 10},
			{Targets: []oncall.Target{{Kind: oncall.TargetUser, Name: "bob"}}, Delay: 15},
		}, Repeat: 1},
		roster.Team{Name: "sre", Description: "Site reliability", Members: []string{"alice", "bob"}},
		roster.Service{Name: "checkout", Team: "sre", Policy: "default", Description: "What customers pay with"},
	} {
		if err := p.Roster.Put(ctx, "admin", v); err != nil {
			t.Fatalf("put %T: %v", v, err)
		}
	}
	addr := "https://hooks.example/alice/0123456789"
	ct, err := p.Contacts.AddContact(ctx, contacts.Actor{User: "alice"}, "alice", contacts.ContactInput{Name: "phone bridge",
		Target: notify.Target{Kind: notify.KindWebhook, Address: addr, Secret: "0123456789abcdef0123"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Contacts.VerifyContact(ctx, contacts.Actor{User: "alice"}, ct.ID, out.code(t, addr)); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Contacts.AddContact(ctx, contacts.Actor{User: "alice"}, "alice", contacts.ContactInput{Name: "work mail",
		Target: notify.Target{Kind: notify.KindSlack, Address: "https://hooks.slack.example/services/T000/B000/XXXXXXXX"}}); err != nil {
		t.Fatal(err)
	}
}

// timelineGeometry measures the first timeline on the page.
const timelineGeometry = `(() => {
	const tl = document.querySelector("#tl-primary .tl");
	const track = tl.querySelector(".tl-final .tl-track").getBoundingClientRect();
	const days = [...tl.querySelectorAll(".tl-day")].map(d => d.getBoundingClientRect());
	const bars = [...tl.querySelectorAll(".tl-row")].flatMap(row => [...row.querySelectorAll(".tl-bar")].map(el => {
		const r = el.getBoundingClientRect(), t = el.parentElement.getBoundingClientRect();
		return {Row: row.querySelector(".tl-label").textContent.trim(), User: el.querySelector(".tl-name").textContent.trim(),
			Title: el.title, Class: el.className, L: r.left, R: r.right, TrackL: t.left, TrackR: t.right};
	}));
	return {Days: days.length, FirstDayL: days[0].left, LastDayR: days[days.length-1].right, TrackL: track.left, TrackR: track.right,
		Bars: bars, Rows: [...tl.querySelectorAll(".tl-row .tl-label")].map(l => l.textContent.trim())};
})()`

// The on-call page draws each schedule's next 14 days as bars placed by
// their times; on a 375px phone only the timeline scrolls sideways.
func TestBrowserOnCall(t *testing.T) {
	out := &outbox{}
	c := newConsoleWith(t, func(cfg *app.Config) { cfg.Notifier = out })
	dir := shots(t)
	seedOnCall(t, c, out)
	b := c.browser(testContext(t), t, "alice")
	b.signIn("alice")

	b.open("/oncall")
	b.wantText("#now", "alice")
	b.wantText("#now .tag.you", "you")
	if n := b.count(".tl-scroll"); n != 2 {
		t.Fatalf("%d timelines, want 2", n)
	}
	type bar struct {
		Row, User, Title, Class string
		L, R, TrackL, TrackR    float64
	}
	type geometry struct {
		Days                int
		FirstDayL, LastDayR float64
		TrackL, TrackR      float64
		Bars                []bar
		Rows                []string
	}
	measure := func() geometry { return run(b, chromedp.Evaluate[geometry](timelineGeometry)) }
	g := measure()
	if g.Days != 14 {
		t.Errorf("%d day ticks, want 14", g.Days)
	}
	if d := g.FirstDayL - g.TrackL; d < -1 || d > 1 {
		t.Errorf("the first day starts %.1fpx from the track's left", d)
	}
	if d := g.LastDayR - g.TrackR; d < -1 || d > 1 {
		t.Errorf("the last day ends %.1fpx from the track's right", d)
	}
	if want := []string{"Layer days", "Layer evenings", "Overrides", "Final schedule"}; strings.Join(g.Rows, "|") != strings.Join(want, "|") {
		t.Errorf("rows %q, want %q", g.Rows, want)
	}
	var final []bar
	mine, ov := 0, 0
	for _, br := range g.Bars {
		if br.R-br.L < 1 || br.L < br.TrackL-1 || br.R > br.TrackR+1 {
			t.Errorf("bar %s in %s is at %.1f–%.1f outside its track %.1f–%.1f", br.User, br.Row, br.L, br.R, br.TrackL, br.TrackR)
		}
		if !strings.Contains(br.Title, " – ") {
			t.Errorf("bar %s has no start and end on hover: %q", br.User, br.Title)
		}
		if br.Row == "Final schedule" {
			final = append(final, br)
			if strings.Contains(br.Class, "mine") {
				mine++
				if br.User != "alice" {
					t.Errorf("%s's bar is highlighted as alice's", br.User)
				}
			}
			if strings.Contains(br.Class, " ov") {
				ov++
			}
		}
	}
	if len(final) < 14 || mine == 0 || ov != 1 {
		t.Errorf("final row: %d bars, %d alice's, %d overrides; want at least 14, some, 1", len(final), mine, ov)
	}
	for i := 1; i < len(final); i++ {
		if final[i].L < final[i-1].R-1.5 {
			t.Errorf("final bars %d (%s) and %d (%s) overlap: %.1f < %.1f", i-1, final[i-1].User, i, final[i].User, final[i].L, final[i-1].R)
		}
	}
	// A day of the daily rotation is a 14th of the track.
	day := (g.TrackR - g.TrackL) / 14
	for _, br := range g.Bars {
		if br.Row == "Layer days" && br.L > br.TrackL+1 && br.R < br.TrackR-1 {
			if w := br.R - br.L; w < day-2 || w > day+2 {
				t.Errorf("a full day of the days layer is %.1fpx wide, want %.1f", w, day)
			}
		}
	}
	for _, scheme := range []string{"light", "dark"} {
		b.scheme(scheme)
		b.desktop()
		for _, p := range []struct{ name, path string }{
			{"oncall", "/oncall"}, {"oncall-me", "/oncall/me"}, {"oncall-schedule", "/oncall/schedules/primary"},
			{"oncall-policies", "/oncall/policies"}, {"oncall-policy", "/oncall/policies/default"},
		} {
			if status := b.open(p.path); status != http.StatusOK {
				t.Fatalf("%s answered %d", p.path, status)
			}
			b.shot(dir, p.name+"-desktop-"+scheme)
			if sw, iw, culprits := b.overflow(); sw > iw {
				t.Errorf("%s at 1280px (%s) is %dpx wide: %v", p.path, scheme, sw, culprits)
			}
		}
		b.phone()
		for _, p := range []struct{ name, path string }{{"oncall", "/oncall"}, {"oncall-me", "/oncall/me"}, {"oncall-schedule", "/oncall/schedules/primary"}} {
			b.open(p.path)
			b.shot(dir, p.name+"-phone-"+scheme)
			if sw, iw, culprits := b.overflow(); sw > iw {
				t.Errorf("%s on a 375px phone (%s) scrolls sideways: scrollWidth %d > %d; sticking out: %v", p.path, scheme, sw, iw, culprits)
			}
		}
		b.open("/oncall")
		if g := measure(); g.LastDayR-g.TrackR < -1 || g.LastDayR-g.TrackR > 1 || g.FirstDayL-g.TrackL < -1 || g.FirstDayL-g.TrackL > 1 {
			t.Errorf("on a phone (%s) the days span %.1f–%.1f, the track %.1f–%.1f", scheme, g.FirstDayL, g.LastDayR, g.TrackL, g.TrackR)
		}
		type scroll struct{ Scroll, Client int }
		sc := run(b, chromedp.Evaluate[scroll](`(() => { const s = document.querySelector(".tl-scroll"); return {Scroll: s.scrollWidth, Client: s.clientWidth}; })()`))
		if sc.Scroll <= sc.Client {
			t.Errorf("on a phone the timeline fits (%d ≤ %d): want it to scroll inside its box", sc.Scroll, sc.Client)
		}
	}
	b.scheme("light")
	b.desktop()

	// Covering for someone, typed in the browser's zone (New York): the
	// script sends each field's own offset.
	if _, err := chromedp.Call(b.ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "America/New_York"}); err != nil {
		t.Fatal(err)
	}
	b.open("/oncall/schedules/primary")
	b.do(chromedp.SetValue(chromedp.ID("ov-user"), "bob"),
		chromedp.SetValue(chromedp.ID("ov-from"), "2030-03-09T20:00"), // EST (-5)
		chromedp.SetValue(chromedp.ID("ov-to"), "2030-03-10T08:00"))   // EDT (-4): clocks went forward in between
	if status := b.submit("Add override"); status != http.StatusOK {
		t.Fatalf("add override answered %d: %s", status, b.text("#notices"))
	}
	b.wantText(".notice.ok", "bob covers primary")
	sch, err := c.app.Services.Roster.Schedule(context.Background(), "primary")
	if err != nil {
		t.Fatal(err)
	}
	if o := sch.Overrides[len(sch.Overrides)-1]; o.User != "bob" || !o.From.Equal(time.Date(2030, 3, 10, 1, 0, 0, 0, time.UTC)) || !o.To.Equal(time.Date(2030, 3, 10, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("the override is %s %s–%s, want bob 01:00Z–12:00Z", o.User, o.From.UTC(), o.To.UTC())
	}
	if _, err := chromedp.Call(b.ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{}); err != nil {
		t.Fatal(err)
	}

	// An admin's YAML with a mistake: shown again with the problem.
	adm := c.browser(testContext(t), t, "admin")
	adm.signIn("admin")
	adm.open("/oncall/schedules/primary")
	text := run(adm, chromedp.Value(chromedp.ID("obj-text")))
	adm.do(chromedp.SetValue(chromedp.ID("obj-text"), strings.Replace(text, "- bob", "- zed", 1)))
	if status := adm.submit("Save schedule"); status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad schedule answered %d", status)
	}
	adm.wantText("#problems", `layers[0].users[1]: unknown user "zed"`)
	if v := run(adm, chromedp.Value(chromedp.ID("obj-text"))); !strings.Contains(v, "- zed") {
		t.Errorf("the typed text was not kept: %q", v)
	}
	adm.shot(dir, "oncall-schedule-error-light")
}

// Paging from an incident's panel, acknowledging there, and acknowledging
// by the link in a message without signing in.
func TestBrowserPagingPanel(t *testing.T) {
	out := &outbox{}
	c := newConsoleWith(t, func(cfg *app.Config) { cfg.Notifier = out })
	dir := shots(t)
	seedOnCall(t, c, out)
	ctx := testContext(t)
	c.seed(t, incident.DeclareInput{Title: "Checkout declines every card", Severity: "SEV2", Type: "availability.outage"})

	bob := c.browser(ctx, t, "bob")
	bob.signIn("bob")
	bob.open("/incidents/INC-1/paging")
	bob.wantText("#paging", "Nobody has been paged about this.")
	bob.do(chromedp.SetValue(chromedp.ID("pg-target"), "schedule:primary"),
		chromedp.SetValue(chromedp.ID("pg-msg"), "Card payments fail since 10:02; please join the bridge."))
	if status := bob.submit("Send page"); status != http.StatusOK {
		t.Fatalf("paging answered %d", status)
	}
	bob.wantText(".notice.ok", "Paged whoever is on call in primary.")
	out.wait(t, "paging alice", func(m sentMessage) bool {
		return m.msg.AckURL != "" && m.to.Address == "https://hooks.example/alice/0123456789"
	})

	alice := c.browser(ctx, t, "alice")
	alice.signIn("alice")
	alice.open("/incidents/INC-1/paging")
	// The delivery's attempt is recorded right after the send.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(alice.text("#paging"), "200") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		alice.open("/incidents/INC-1/paging")
	}
	alice.wantText("#paging .esc-head", "open")
	alice.wantText("#paging .deliveries", "alice")
	alice.wantText("#paging .deliveries", "sent")
	alice.wantText("#paging .attempts", "200")
	alice.wantText("#paging .esc-msg", "Card payments fail")
	alice.shot(dir, "incident-paging-open-light")
	if status := alice.submit("Acknowledge page"); status != http.StatusOK {
		t.Fatalf("acknowledge answered %d", status)
	}
	alice.wantText(".notice.ok", "Acknowledged: you are now IR Lead of INC-1.")
	alice.wantText("#paging .esc-head", "acknowledged")
	alice.wantText("#paging .esc-acked", "alice")
	if alice.count(`#paging button`) != 1 { // only "Send page" is left
		t.Errorf("after acknowledging, the panel still offers %d buttons", alice.count(`#paging button`))
	}
	// The role comes from a job run after the acknowledgement; the page
	// may have connected its live stream after that, so wait for the
	// role, then look.
	leads := func() []string { inc := c.get(t, "INC-1"); return inc.Holders(incident.IRLead) }
	for end := time.Now().Add(5 * time.Second); !slices.Contains(leads(), "alice"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("acknowledging did not make alice IR Lead")
		}
	}
	alice.open("/incidents/INC-1/paging")
	alice.wantText("#inc-strip .strip-roles", "alice")
	for _, scheme := range []string{"light", "dark"} {
		alice.scheme(scheme)
		alice.desktop()
		alice.open("/incidents/INC-1/paging")
		alice.shot(dir, "incident-paging-acked-"+scheme)
		alice.phone()
		alice.open("/incidents/INC-1/paging")
		alice.shot(dir, "incident-paging-phone-"+scheme)
		if sw, iw, culprits := alice.overflow(); sw > iw {
			t.Errorf("the incident page with its paging panel on a 375px phone (%s) scrolls sideways: %d > %d: %v", scheme, sw, iw, culprits)
		}
	}

	// The link in a message, opened signed out: it asks first.
	e, err := c.app.Services.Escalations.PageIncident(context.Background(), incident.Viewer{User: "bob"}, "INC-1",
		escalation.PageInput{Targets: []oncall.Target{{Kind: oncall.TargetUser, Name: "alice"}}})
	if err != nil {
		t.Fatal(err)
	}
	m := out.wait(t, "with the second page", func(m sentMessage) bool { return m.msg.Fields["escalation"] == e.ID && m.msg.AckURL != "" })
	anon := c.browser(ctx, t, "anon")
	for _, scheme := range []string{"light", "dark"} {
		anon.scheme(scheme)
		if status := anon.open(strings.TrimPrefix(m.msg.AckURL, c.url)); status != http.StatusOK {
			t.Fatalf("the ack link answered %d", status)
		}
		anon.shot(dir, "ack-confirm-"+scheme)
	}
	anon.wantText("h1", "Acknowledge this page?")
	if got, _, _ := c.app.Services.Escalations.Escalation(context.Background(), e.ID); got.State != escalation.Open {
		t.Fatalf("opening the link made the page %s", got.State)
	}
	anon.scheme("light")
	if status := anon.submit("Acknowledge"); status != http.StatusOK {
		t.Fatalf("acknowledging by link answered %d", status)
	}
	anon.wantText(".ack-result", "Acknowledged — you are now IR Lead of INC-1.")
	anon.shot(dir, "ack-done-light")
	if got, _, _ := c.app.Services.Escalations.Escalation(context.Background(), e.ID); got.State != escalation.Acknowledged || got.AckedBy != "alice" {
		t.Fatalf("after the link the page is %s by %q", got.State, got.AckedBy)
	}
	// Used once: the browser's back-and-resubmit is refused.
	anon.open(strings.TrimPrefix(m.msg.AckURL, c.url))
	anon.wantText("main", "Nothing to do")
}
