package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
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
