package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/status"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
	"github.com/firebreak-ir/firebreak/internal/web"
)

// TestSignInNextStaysOnSite signs in with next values a browser would read
// as another site's address (tabs and newlines dropped, a backslash taken
// for a slash, a scheme): each lands on a local path. A path of ours, with
// its query and fragment, is kept.
func TestSignInNextStaysOnSite(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	base, _ := url.Parse(s.url + "/signin")
	for _, tt := range []struct{ next, want string }{
		{"/incidents/INC-1?x=1#frag", "/incidents/INC-1?x=1#frag"},
		{"/\t/evil.example/path", "/incidents"},
		{"//evil.example", "/incidents"},
		{"/\\evil.example", "/incidents"},
		{"https://evil.example", "/incidents"},
		{"/%09/evil.example", "/%09/evil.example"},
		{"\t//evil.example", "/incidents"},
		{"/\r\n/evil.example", "/incidents"},
		{"javascript:alert(1)", "/incidents"},
	} {
		c := s.browser(t)
		r := s.post(t, c, "/signin", url.Values{"username": {"alice"}, "password": {"correct horse battery"}, "next": {tt.next}})
		if r.status != http.StatusSeeOther || r.location != tt.want {
			t.Errorf("sign in with next=%q: %d %q, want %q", tt.next, r.status, r.location, tt.want)
			continue
		}
		loc, err := url.Parse(r.location)
		if err != nil || strings.ContainsAny(r.location, "\\\t\r\n") || base.ResolveReference(loc).Host != base.Host {
			t.Errorf("sign in with next=%q leaves the site: %q", tt.next, r.location)
		}
		// Signed in already, the sign-in page sends the same way.
		if g := s.get(t, c, "/signin?next="+url.QueryEscape(tt.next)); g.status != http.StatusSeeOther || g.location != tt.want {
			t.Errorf("sign-in page signed in with next=%q: %d %q, want %q", tt.next, g.status, g.location, tt.want)
		}
	}
}

// TestConsoleRestrictedIncidentAnswersAsMissing: in the console, publishing
// a restricted incident one may not see, posting to its public page (from
// the console or from the incident's page) and posting a stakeholder update
// answer exactly as for an incident that does not exist.
func TestConsoleRestrictedIncidentAnswersAsMissing(t *testing.T) {
	t.Parallel()
	// A still clock: the two pages compared are rendered at the same time.
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	s := newSiteAt(t, func() time.Time { return at })
	ctx := context.Background()
	secret, err := s.app.Services.Incidents.Declare(ctx, "admin", incident.DeclareInput{Title: "SECRET insider case", Restricted: true})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := s.app.Services.Status.Publish(ctx, status.Actor{User: "admin", Admin: true}, status.PublishInput{Incident: secret.Ref,
		ConfirmRestricted: true, Title: "Delays", Impact: status.ImpactMinor, Body: "Some changes are slow."})
	if err != nil {
		t.Fatal(err)
	}
	const missingID = "00000000-0000-7000-8000-000000000000"
	alice := s.signIn(t, "alice")
	publish := url.Values{"title": {"Delays"}, "impact": {"minor"}, "status": {"investigating"}, "body": {"Some changes are slow."}}
	update := url.Values{"status": {"identified"}, "body": {"We know why."}}
	fromPage := url.Values{"status": {"identified"}, "body": {"We know why."}, "back": {"/incidents/" + secret.Ref}}
	for _, tt := range []struct {
		path          string
		form          url.Values
		name, missing string
	}{
		{"/incidents/" + secret.Ref + "/status-page", publish, secret.Ref, "INC-9"},
		{"/status/admin/incidents/" + pub.ID + "/updates", update, pub.ID, missingID},
		{"/status/admin/incidents/" + pub.ID + "/updates", fromPage, pub.ID, missingID},
		{"/incidents/" + secret.Ref + "/updates", url.Values{"text": {"All quiet."}}, secret.Ref, "INC-9"},
	} {
		got := s.post(t, alice, tt.path, tt.form)
		swap := strings.NewReplacer(tt.name, tt.missing)
		other := url.Values{}
		for k, v := range tt.form {
			other[k] = []string{swap.Replace(v[0])}
		}
		missing := s.post(t, alice, swap.Replace(tt.path), other)
		if got.status != http.StatusNotFound || missing.status != http.StatusNotFound {
			t.Errorf("POST %s: %d (missing: %d), want 404 for both\n%s", tt.path, got.status, missing.status, got.body)
			continue
		}
		if swap.Replace(got.body) != missing.body {
			t.Errorf("POST %s tells the restricted incident from a missing one:\n%s\n----\n%s", tt.path, got.body, missing.body)
		}
		if strings.Contains(got.body, "SECRET") || strings.Contains(got.body, "is restricted") {
			t.Errorf("POST %s names what it hides", tt.path)
		}
	}
}

// TestFlashIsACodeOnly: pages open to everyone show a flash message only
// from the fixed table of codes; text of someone's choosing in ?flash= is
// not shown.
func TestFlashIsACodeOnly(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	pub, err := s.app.Services.Status.Publish(context.Background(), status.Actor{User: "alice"}, status.PublishInput{
		Title: "Delays", Impact: status.ImpactMinor, Body: "Some changes are slow."})
	if err != nil {
		t.Fatal(err)
	}
	const lure = "Your account is suspended, call +1 555 0100 to restore it"
	c := s.browser(t)
	for _, p := range []string{"/status", "/status/history", "/status/incidents/" + pub.ID, "/status/confirm/no-such-token", "/status/unsubscribe/no-such-token", "/signin"} {
		r := s.get(t, c, p+"?flash="+url.QueryEscape(lure))
		if r.status >= 500 || strings.Contains(r.body, "suspended") || strings.Contains(r.body, "555 0100") {
			t.Errorf("GET %s with a flash of text: %d, the text is shown", p, r.status)
		}
		if strings.Contains(r.body, `class="notice ok"`) {
			t.Errorf("GET %s with a flash of text shows a notice", p)
		}
	}
	for _, tt := range []struct{ path, want string }{
		{"/status?flash=subscribed", "Check your inbox: we sent a link to confirm your subscription. It works for 24 hours."},
		{"/status/history?flash=subscribed", "Check your inbox"},
		{"/signin?flash=signedout", "You are signed out."},
		{"/signin?flash=pwchanged", "Your password is changed. Sign in with the new one."},
	} {
		if r := s.get(t, c, tt.path); r.status != 200 || !strings.Contains(r.body, tt.want) {
			t.Errorf("GET %s: %d, want the notice %q", tt.path, r.status, tt.want)
		}
	}
	// Signing out names its code.
	alice := s.signIn(t, "alice")
	if r := s.post(t, alice, "/signout", nil); r.status != http.StatusSeeOther || r.location != "/signin?flash=signedout" {
		t.Errorf("sign out: %d %q", r.status, r.location)
	}
}

const testAdminToken = "fbk_test_bootstrap_admin_token_0123456789"

// newSiteWith runs the site with the configuration set changes, with
// alice (responder) and admin signing in with passwords.
func newSiteWith(t *testing.T, set func(*app.Config)) *site {
	t.Helper()
	cfg := app.Config{Addr: "127.0.0.1:0", DSN: storetest.SQLiteDSN(t), BootstrapToken: testAdminToken}
	set(&cfg)
	a, err := app.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	ctx := context.Background()
	if _, err := a.Services.Auth.CreateUser(ctx, auth.UserInput{Username: "alice", Role: auth.Responder}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "admin"} {
		if err := a.Services.Auth.SetPassword(ctx, u, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
	}
	return &site{app: a, url: a.URL()}
}

// raw sends one request with a forged Host and headers, and returns the
// answer with its headers.
func (s *site) raw(t *testing.T, c *http.Client, method, path, host string, body io.Reader, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, s.url+path, body)
	if host != "" {
		req.Host = host
		// The client would look cookies up by the forged host: send ours.
		if c.Jar != nil {
			for _, ck := range c.Jar.Cookies(req.URL) {
				req.AddCookie(ck)
			}
		}
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	r, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r, string(b)
}

var forged = []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil.example", "X-Forwarded-For", "203.0.113.66"}

// TestAbsoluteURLsFromPublicURL: security.txt and the webhook addresses
// shown when an integration is added (console and API) are built from the
// public URL, whatever Host and X-Forwarded-* the request carries; without
// a public URL, from the listening address.
func TestAbsoluteURLsFromPublicURL(t *testing.T) {
	t.Parallel()
	const public = "https://firebreak.example.org"
	s := newSiteWith(t, func(c *app.Config) { c.PublicURL = public + "/" })
	c := s.browser(t)
	_, txt := s.raw(t, c, "GET", "/.well-known/security.txt", "evil.example", nil, forged...)
	y, m, _ := time.Now().UTC().Date()
	expires := time.Date(y, m+6, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	for _, want := range []string{"Contact: " + public + "/report\n", "Canonical: " + public + "/.well-known/security.txt\n", "Expires: " + expires + "\n"} {
		if !strings.Contains(txt, want) {
			t.Errorf("security.txt lacks %q:\n%s", want, txt)
		}
	}
	if strings.Contains(txt, "evil.example") {
		t.Errorf("security.txt names the forged host:\n%s", txt)
	}

	// The console shows the new integration's webhook address once.
	admin := s.signIn(t, "admin")
	form := url.Values{"kind": {"generic"}, "name": {"edge-probe"}}
	r, page := s.raw(t, admin, "POST", "/admin/integrations", "evil.example", strings.NewReader(form.Encode()),
		append([]string{"Content-Type", "application/x-www-form-urlencoded"}, forged...)...)
	if r.StatusCode != 200 || !strings.Contains(page, public+"/hooks/generic/") || strings.Contains(page, "evil.example") {
		t.Errorf("console integration: %d, the page lacks %s/hooks/generic/ or names evil.example\n%s", r.StatusCode, public, page)
	}

	// The API answers with it.
	r, body := s.raw(t, http.DefaultClient, "POST", "/api/v1/integrations", "evil.example", strings.NewReader(`{"kind":"grafana","name":"grafana-main"}`),
		append([]string{"Content-Type", "application/json", "Authorization", "Bearer " + testAdminToken}, forged...)...)
	var it struct {
		Token      string `json:"token"`
		WebhookURL string `json:"webhook_url"`
	}
	json.Unmarshal([]byte(body), &it)
	if r.StatusCode != 201 || it.WebhookURL != public+"/hooks/grafana/"+it.Token {
		t.Errorf("API integration: %d webhook_url %q, want %s/hooks/grafana/<token>\n%s", r.StatusCode, it.WebhookURL, public, body)
	}

	// Without an https public URL there is no https URI to give (the
	// listening address is http, and the Host header is never believed):
	// with no other contact, no file.
	plain := newSiteWith(t, func(*app.Config) {})
	r, txt = plain.raw(t, plain.browser(t), "GET", "/.well-known/security.txt", "evil.example", nil, forged...)
	if r.StatusCode != http.StatusNotFound || strings.Contains(txt, "evil.example") || strings.Contains(txt, "Contact:") {
		t.Errorf("security.txt without a public URL: %d\n%s", r.StatusCode, txt)
	}
}

// TestTrustProxy: X-Forwarded-For and -Proto are believed only from a peer
// --trust-proxy names — for the address sign-in attempts are counted by,
// and for the Secure flag of the session cookie. From anyone else they
// are ignored.
func TestTrustProxy(t *testing.T) {
	t.Parallel()
	proxies, err := web.ParseTrustedProxies("127.0.0.0/8, ::1")
	if err != nil {
		t.Fatal(err)
	}
	signIn := func(s *site, user, password string, hdr ...string) *http.Response {
		t.Helper()
		form := url.Values{"username": {user}, "password": {password}}
		r, _ := s.raw(t, s.browser(t), "POST", "/signin", "", strings.NewReader(form.Encode()),
			append([]string{"Content-Type", "application/x-www-form-urlencoded"}, hdr...)...)
		return r
	}
	secure := func(r *http.Response) bool {
		for _, c := range r.Cookies() {
			if c.Name == "fb_session" {
				return c.Secure
			}
		}
		t.Fatalf("no session cookie: %d", r.StatusCode)
		return false
	}
	// Failed guesses from one client address, at different users, so only
	// the address's count locks.
	exhaust := func(s *site, from string) {
		t.Helper()
		for i := range 5 {
			if r := signIn(s, "nobody"+string(rune('a'+i)), "wrong password", "X-Forwarded-For", from); r.StatusCode != http.StatusUnauthorized {
				t.Fatalf("guess %d from %s: %d", i, from, r.StatusCode)
			}
		}
	}

	behind := newSiteWith(t, func(c *app.Config) { c.TrustProxy = proxies })
	if r := signIn(behind, "alice", "correct horse battery", "X-Forwarded-Proto", "https"); r.StatusCode != http.StatusSeeOther || !secure(r) {
		t.Errorf("behind a trusted proxy over HTTPS: %d, the session cookie is not Secure", r.StatusCode)
	}
	if r := signIn(behind, "alice", "correct horse battery"); r.StatusCode != http.StatusSeeOther || secure(r) {
		t.Errorf("behind a trusted proxy over HTTP: %d, the session cookie is Secure", r.StatusCode)
	}
	exhaust(behind, "203.0.113.7")
	if r := signIn(behind, "someone", "wrong password", "X-Forwarded-For", "203.0.113.7"); r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Errorf("sixth guess from 203.0.113.7: %d Retry-After %q, want 429 with Retry-After", r.StatusCode, r.Header.Get("Retry-After"))
	}
	if r := signIn(behind, "alice", "correct horse battery", "X-Forwarded-For", "203.0.113.8"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("another client behind the same proxy: %d, want it let in", r.StatusCode)
	}
	// The locked client cannot slip out by writing another address before
	// its own: the proxy appends the real one.
	if r := signIn(behind, "alice", "correct horse battery", "X-Forwarded-For", "198.51.100.1, 203.0.113.7"); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("locked client claiming another address first: %d, want 429", r.StatusCode)
	}
	// Host is never believed, proxy or not.
	r, txt := behind.raw(t, behind.browser(t), "GET", "/.well-known/security.txt", "evil.example", nil, forged...)
	if r.StatusCode != http.StatusNotFound || strings.Contains(txt, "evil.example") {
		t.Errorf("security.txt behind a trusted proxy, no https public URL: %d\n%s", r.StatusCode, txt)
	}

	direct := newSiteWith(t, func(*app.Config) {})
	if r := signIn(direct, "alice", "correct horse battery", "X-Forwarded-Proto", "https"); r.StatusCode != http.StatusSeeOther || secure(r) {
		t.Errorf("no trusted proxy, a forged X-Forwarded-Proto: %d, the session cookie is Secure", r.StatusCode)
	}
	exhaust(direct, "203.0.113.7")
	if r := signIn(direct, "alice", "correct horse battery", "X-Forwarded-For", "203.0.113.8"); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("no trusted proxy, a forged X-Forwarded-For: %d, want 429 (every guess came from 127.0.0.1)", r.StatusCode)
	}
}
