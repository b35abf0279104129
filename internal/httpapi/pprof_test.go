package httpapi_test

import (
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/app"
)

// TestPprofIsOffByDefault: without serve --pprof the profiles are not
// there at all, for an admin too, and not in the document.
func TestPprofIsOffByDefault(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	for _, p := range []string{"/debug/pprof/", "/debug/pprof/heap?debug=1", "/debug/pprof/cmdline"} {
		if a := s.call(t, "admin", "GET", p, ""); a.status != 404 {
			t.Errorf("GET %s as admin with --pprof off: %d %s, want 404", p, a.status, a.raw)
		}
	}
	doc := s.call(t, "", "GET", "/api/v1/openapi.json", "")
	if strings.Contains(doc.raw, "/debug/pprof/") {
		t.Error("the document names /debug/pprof/ with --pprof off")
	}
}

// TestPprofIsForAdminsOnly: with serve --pprof an admin reads the index
// and the profiles; anyone else is refused with the API's answers.
func TestPprofIsForAdminsOnly(t *testing.T) {
	t.Parallel()
	s := newSetupWith(t, func(c *app.Config) { c.Pprof = true })
	index := s.call(t, "admin", "GET", "/debug/pprof/", "")
	if index.status != 200 || !strings.Contains(index.raw, "heap?debug=1") || !strings.Contains(index.raw, "goroutine") {
		t.Fatalf("index as admin: %d %.300s", index.status, index.raw)
	}
	heap := s.call(t, "admin", "GET", "/debug/pprof/heap?debug=1", "")
	if heap.status != 200 || !strings.Contains(heap.raw, "heap profile:") || !strings.Contains(heap.raw, "# HeapAlloc") {
		t.Fatalf("heap?debug=1 as admin: %d %.300s", heap.status, heap.raw)
	}
	// The binary form is what go tool pprof reads: gzipped protobuf.
	if bin := s.call(t, "admin", "GET", "/debug/pprof/goroutine", ""); bin.status != 200 || !strings.HasPrefix(bin.raw, "\x1f\x8b") {
		t.Errorf("goroutine as admin: %d, want a gzipped profile (%q)", bin.status, bin.raw[:min(len(bin.raw), 8)])
	}
	// A one-second CPU profile, as go tool pprof reads it.
	if cpu := s.call(t, "admin", "GET", "/debug/pprof/profile?seconds=1", ""); cpu.status != 200 || !strings.HasPrefix(cpu.raw, "\x1f\x8b") {
		t.Errorf("profile?seconds=1 as admin: %d, want a gzipped profile (%.100q)", cpu.status, cpu.raw)
	}
	if cl := s.call(t, "admin", "GET", "/debug/pprof/cmdline", ""); cl.status != 200 || cl.raw == "" {
		t.Errorf("cmdline as admin: %d %q", cl.status, cl.raw)
	}
	if a := s.call(t, "admin", "GET", "/debug/pprof/no-such-profile", ""); a.status != 404 || a.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("unknown profile: %d %s %s, want a 404 problem", a.status, a.header.Get("Content-Type"), a.raw)
	}
	for _, p := range []string{"/debug/pprof/", "/debug/pprof/heap?debug=1", "/debug/pprof/profile?seconds=1"} {
		for _, u := range []string{"rita", "vera"} {
			if a := s.call(t, u, "GET", p, ""); a.status != 403 || a.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("GET %s as %s: %d %s, want a 403 problem", p, u, a.status, a.raw)
			}
		}
		a := s.call(t, "", "GET", p, "")
		if a.status != 401 || a.header.Get("WWW-Authenticate") == "" {
			t.Errorf("GET %s without a token: %d %s, want 401 with WWW-Authenticate", p, a.status, a.raw)
		}
		if a := s.call(t, "", "GET", p, "", "Authorization", "Bearer fbk_wrong"); a.status != 401 {
			t.Errorf("GET %s with a bad token: %d, want 401", p, a.status)
		}
	}
}

// TestPprofTakesAnAdminsConsoleSession: an admin signed in to the console
// opens the profiles in the browser; a responder's session is refused, and
// so is a session that does not exist.
func TestPprofTakesAnAdminsConsoleSession(t *testing.T) {
	t.Parallel()
	s := newSetupWith(t, func(c *app.Config) { c.Pprof = true })
	ctx := t.Context()
	session := func(user string) string {
		t.Helper()
		if err := s.app.Services.Auth.SetPassword(ctx, user, "correct horse battery staple"); err != nil {
			t.Fatal(err)
		}
		_, secret, err := s.app.Services.Auth.SignIn(ctx, user, "correct horse battery staple", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	for _, tc := range []struct {
		name, cookie string
		want         int
	}{
		{"admin", session("admin"), 200},
		{"responder", session("rita"), 403},
		{"unknown session", "not-a-session", 401},
	} {
		a := s.call(t, "", "GET", "/debug/pprof/heap?debug=1", "", "Cookie", "fb_session="+tc.cookie)
		if a.status != tc.want {
			t.Errorf("%s: %d %.200s, want %d", tc.name, a.status, a.raw, tc.want)
		}
	}
	// The session opens the profiles only: the API itself takes tokens.
	if a := s.call(t, "", "GET", "/api/v1/me", "", "Cookie", "fb_session="+session("admin")); a.status != 401 {
		t.Errorf("GET /api/v1/me with a session cookie: %d, want 401", a.status)
	}
}
