package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// TestWorkspaceSections opens every section of an incident over HTTP: each
// answers on its own URL with the header, the tab bar marking it, and its
// own content only.
func TestWorkspaceSections(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	alice := s.signIn(t, "alice")
	if r := s.post(t, alice, "/incidents", url.Values{"title": {"Leaked deploy key"}, "severity": {"SEV2"}}); r.status != http.StatusSeeOther {
		t.Fatalf("declare: %d %s", r.status, r.body)
	}
	if r := s.post(t, alice, "/incidents/INC-1/entries", url.Values{"kind": {"evidence"}, "body": {"key seen in a public gist"}}); r.status != http.StatusSeeOther {
		t.Fatalf("entry: %d %s", r.status, r.body)
	}
	for _, c := range []struct {
		path, tab string
		want      []string
		not       []string
	}{
		{"", "Overview", []string{`id="phasebar"`, `id="details"`, `id="roles"`, `id="actions"`}, []string{`id="events"`, `id="paging"`, `id="duties"`}},
		{"/tasks", "Tasks", []string{"No response plan is active for this incident."}, []string{`id="phasebar"`, `id="events"`}},
		{"/timeline", "Timeline", []string{`id="events"`, "key seen in a public gist", `id="entry-form"`}, []string{`id="phasebar"`, `id="duties"`}},
		{"/comms", "Communications", []string{`id="duties"`, `id="comms"`}, []string{`id="events"`, `id="paging"`}},
		{"/paging", "Paging", []string{`id="paging"`, `id="page-form"`}, []string{`id="events"`, `id="duties"`}},
		{"/postmortem", "Post-mortem", []string{`id="pm-summary"`}, []string{`id="events"`, `id="phasebar"`}},
	} {
		r := s.get(t, alice, "/incidents/INC-1"+c.path)
		if r.status != http.StatusOK {
			t.Errorf("GET %s: %d", c.path, r.status)
			continue
		}
		for _, want := range append([]string{"Leaked deploy key", `class="tabs"`, `id="inc-strip"`, "Next step", `aria-current="page">` + c.tab + `</a>`}, c.want...) {
			if !strings.Contains(r.body, want) {
				t.Errorf("GET /incidents/INC-1%s lacks %q", c.path, want)
			}
		}
		for _, not := range c.not {
			if strings.Contains(r.body, not) {
				t.Errorf("GET /incidents/INC-1%s shows %q, another section's", c.path, not)
			}
		}
		if n := strings.Count(r.body, `aria-current="page">`); n != 2 { // the main nav's Incidents and this tab
			t.Errorf("GET %s marks %d links current", c.path, n)
		}
	}
}

// TestWorkspaceRestricted: every section of a restricted incident is a 404
// to someone not on it, and says nothing of it.
func TestWorkspaceRestricted(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	if _, err := s.app.Services.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Insider exfiltration", Restricted: true}); err != nil {
		t.Fatal(err)
	}
	alice, vera := s.signIn(t, "alice"), s.signIn(t, "vera")
	for _, p := range []string{"", "/tasks", "/timeline", "/comms", "/paging", "/postmortem"} {
		if r := s.get(t, alice, "/incidents/INC-1"+p); r.status != http.StatusOK {
			t.Errorf("alice (on it) GET %s: %d", p, r.status)
		}
		r := s.get(t, vera, "/incidents/INC-1"+p)
		if r.status != http.StatusNotFound || strings.Contains(r.body, "Insider") {
			t.Errorf("vera GET %s: %d, leaks the title: %v", p, r.status, strings.Contains(r.body, "Insider"))
		}
	}
}

// TestWorkspaceRedirectsBack: a form comes back to the section it was sent
// from (its return field), keeps the flash, and an unknown or foreign
// return is never followed.
func TestWorkspaceRedirectsBack(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	alice := s.signIn(t, "alice")
	s.post(t, alice, "/incidents", url.Values{"title": {"Phishing wave"}, "severity": {"SEV3"}})
	for _, c := range []struct {
		path string
		form url.Values
		want string
	}{
		// Without a return field, the section holding the form's panel.
		{"/entries", url.Values{"kind": {"note"}, "body": {"one"}}, "/incidents/INC-1/timeline?flash=Added+to+the+timeline.#timeline"},
		{"/roles", url.Values{"role": {"ir_lead"}, "user": {"alice"}}, "/incidents/INC-1?flash=alice+is+now+IR+Lead.#roles"},
		// The header's move posted from the timeline goes back there.
		{"/transition", url.Values{"to": {"active"}, "return": {"timeline"}}, "/incidents/INC-1/timeline?flash=Moved+to+active.#top"},
		{"/severity", url.Values{"severity": {"SEV2"}, "return": {"comms"}}, "/incidents/INC-1/comms?flash=Severity+set+to+SEV2.#top"},
		{"/entries", url.Values{"kind": {"note"}, "body": {"two"}, "return": {"paging"}}, "/incidents/INC-1/paging?flash=Added+to+the+timeline.#timeline"},
		// Not a section: the form's own section, never elsewhere.
		{"/entries", url.Values{"kind": {"note"}, "body": {"three"}, "return": {"https://evil.example/"}}, "/incidents/INC-1/timeline?flash=Added+to+the+timeline.#timeline"},
		{"/entries", url.Values{"kind": {"note"}, "body": {"four"}, "return": {"//evil.example"}}, "/incidents/INC-1/timeline?flash=Added+to+the+timeline.#timeline"},
		{"/roles/remove", url.Values{"role": {"ir_lead"}, "user": {"alice"}, "return": {"../admin"}}, "/incidents/INC-1?flash=alice+is+no+longer+IR+Lead.#roles"},
	} {
		r := s.post(t, alice, "/incidents/INC-1"+c.path, c.form)
		if r.status != http.StatusSeeOther || r.location != c.want {
			t.Errorf("POST %s %v: %d %q, want 303 %q", c.path, c.form, r.status, r.location, c.want)
		}
	}
	// A failed change shows the section it came from, with the error.
	r := s.post(t, alice, "/incidents/INC-1/entries", url.Values{"kind": {"note"}, "body": {"five"}, "occurred_at": {"yesterday"}, "return": {"timeline"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `aria-current="page">Timeline</a>`) || !strings.Contains(r.body, "five") {
		t.Errorf("failed entry: %d, on the timeline: %v", r.status, strings.Contains(r.body, `aria-current="page">Timeline</a>`))
	}
	r = s.post(t, alice, "/incidents/INC-1/transition", url.Values{"to": {"closed"}, "version": {"1"}, "return": {"paging"}})
	if r.status != http.StatusConflict || !strings.Contains(r.body, `aria-current="page">Paging</a>`) || !strings.Contains(r.body, `href="/incidents/INC-1/paging" class="button secondary reload"`) {
		t.Errorf("stale move from paging: %d, on paging: %v", r.status, strings.Contains(r.body, `aria-current="page">Paging</a>`))
	}
	r = s.post(t, alice, "/incidents/INC-1/transition", url.Values{"to": {"closed"}, "return": {"postmortem"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `aria-current="page">Overview</a>`) || !strings.Contains(r.body, `id="actions"`) {
		t.Errorf("a refused move from the post-mortem's header: %d, on the overview: %v", r.status, strings.Contains(r.body, `aria-current="page">Overview</a>`))
	}
	if r := s.get(t, alice, "/incidents/INC-1/timeline"); !strings.Contains(r.body, "four") {
		t.Error("the entries were not added")
	}
}
