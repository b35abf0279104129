package web

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
)

// checkLocal fails when next is not a path of this site for every reader:
// Go's parser and a browser's, which drops tabs and newlines, strips
// leading spaces and reads a backslash as a slash.
func checkLocal(t *testing.T, in, got string) {
	t.Helper()
	if strings.ContainsFunc(got, func(r rune) bool { return r == '\\' || unicode.IsControl(r) }) {
		t.Fatalf("safeNext(%q) = %q: has a control character or a backslash", in, got)
	}
	if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") {
		t.Fatalf("safeNext(%q) = %q: does not start with a single slash", in, got)
	}
	u, err := url.Parse(got)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		t.Fatalf("safeNext(%q) = %q: parses as %#v (%v), not a local path", in, got, u, err)
	}
	base, _ := url.Parse("https://firebreak.example/signin?next=x")
	if r := base.ResolveReference(u); r.Host != base.Host || r.Scheme != base.Scheme {
		t.Fatalf("safeNext(%q) = %q resolves to %s, off this site", in, got, r)
	}
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"/incidents/INC-1?x=1#frag", "/incidents/INC-1?x=1#frag"},
		{"/oncall/me", "/oncall/me"},
		{"/status/admin#public", "/status/admin#public"},
		{"/%09/evil.example", "/%09/evil.example"}, // an escaped tab stays a path segment
		{"", homePath},
		{"/\t/evil.example/path", homePath},
		{"//evil.example", homePath},
		{"/\\evil.example", homePath},
		{"\\\\evil.example", homePath},
		{"https://evil.example", homePath},
		{"\t//evil.example", homePath},
		{" //evil.example", homePath},
		{"/\r\n/evil.example", homePath},
		{"/\n/evil.example", homePath},
		{"javascript:alert(1)", homePath},
		{"evil.example", homePath},
		{"/%2F/evil.example", homePath}, // decodes to //evil.example: refused to be safe
		{"/\x00/evil.example", homePath},
		{"/\x7f/evil.example", homePath},
		{"/\u0085/evil.example", homePath},
		{"/\xff/evil.example", homePath},
		{"/%zz", homePath},
	} {
		got := safeNext(tt.in)
		if got != tt.want {
			t.Errorf("safeNext(%q) = %q, want %q", tt.in, got, tt.want)
		}
		checkLocal(t, tt.in, got)
	}
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/incidents/INC-1?x=1#frag", "/\t/evil.example/path", "//evil.example", "/\\evil.example",
		"https://evil.example", "/%09/evil.example", "\t//evil.example", "/\r\n/evil.example", "javascript:alert(1)", "/a/../..//b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := safeNext(in)
		checkLocal(t, in, got)
		if got != in && got != homePath {
			t.Fatalf("safeNext(%q) = %q: changed rather than kept or refused", in, got)
		}
	})
}
