package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/status"
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
