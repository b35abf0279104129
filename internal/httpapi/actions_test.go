package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestActionItems: action items over the API — created with their owner
// and due date checked (422 naming the field), listed across incidents
// (mine, overdue) without restricted incidents' items for those who may
// not see them, changed with If-Match, and moved to done after the
// incident ended (the store contract covers closed).
func TestActionItems(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	s := newSetupWith(t, func(c *app.Config) { c.Now = clock.Now })
	s.mustCall(t, 201, "rita", "POST", "/api/v1/incidents", `{"title":"Leaked key"}`)
	s.mustCall(t, 201, "rob", "POST", "/api/v1/incidents", `{"title":"Insider","restricted":true}`)
	base := "/api/v1/incidents/INC-1/actions"
	tests := []struct {
		name, body, location, message string
	}{
		{"unknown owner", `{"title":"Rotate","owner":"nobody-such-user","due":"2026-12-10"}`, "owner", `no user "nobody-such-user"`},
		{"past due", `{"title":"Rotate","owner":"rob","due":"2026-12-06"}`, "due", "2026-12-06 is in the past (today is 2026-12-07 in UTC)"},
		{"not a date", `{"title":"Rotate","owner":"rob","due":"soon"}`, "due", "must be a date as YYYY-MM-DD"},
		{"bad tracker", `{"title":"Rotate","owner":"rob","due":"2026-12-10","tracker":{"url":"javascript:alert(1)"}}`, "tracker.url", "must be an http or https URL"},
	}
	for _, tt := range tests {
		a := s.call(t, "rita", "POST", base, tt.body)
		errs, _ := a.body["errors"].([]any)
		if a.status != 422 || strings.Join(a.locations(), ",") != tt.location || len(errs) != 1 || errs[0].(map[string]any)["message"] != tt.message {
			t.Errorf("%s: %d %s", tt.name, a.status, a.raw)
		}
	}
	a := s.mustCall(t, 201, "rita", "POST", base, `{"title":"Rotate the deploy key","owner":"rob","due":"2026-12-08","priority":"p1","kind":"prevent","tracker":{"url":"https://jira.example/browse/SEC-4","key":"SEC-4"}}`)
	if a.body["id"] != "ACT-1" || a.body["state"] != "open" || a.body["incident"] != "INC-1" || a.header.Get("ETag") != `"1"` {
		t.Fatalf("created: %s %v", a.raw, a.header)
	}
	s.mustCall(t, 201, "rita", "POST", base, `{"title":"Add a detection","owner":"rita","due":"2026-12-20","kind":"detect"}`)
	s.mustCall(t, 201, "rob", "POST", "/api/v1/incidents/INC-2/actions", `{"title":"Secret follow-up","owner":"rob","due":"2026-12-09"}`)
	// rita takes no part in INC-2: its item is not there for her.
	if a := s.call(t, "rita", "GET", "/api/v1/actions/ACT-3", ""); a.status != 404 {
		t.Fatalf("restricted item for a non-participant: %d %s", a.status, a.raw)
	}
	if a := s.call(t, "rita", "PATCH", "/api/v1/actions/ACT-3", `{"state":"done"}`); a.status != 404 {
		t.Fatalf("restricted item changed by a non-participant: %d %s", a.status, a.raw)
	}
	ids := func(user, query string) string {
		t.Helper()
		a := s.mustCall(t, 200, user, "GET", "/api/v1/actions"+query, "")
		var out []string
		for _, it := range a.body["items"].([]any) {
			out = append(out, it.(map[string]any)["id"].(string))
		}
		return strings.Join(out, ",")
	}
	if got := ids("rita", ""); got != "ACT-1,ACT-2" {
		t.Fatalf("rita's list: %s", got)
	}
	if got := ids("rob", "?owner=me"); got != "ACT-1,ACT-3" {
		t.Fatalf("rob's own: %s", got)
	}
	if got := ids("vera", "?incident=INC-1&state=open"); got != "ACT-1,ACT-2" {
		t.Fatalf("INC-1's open: %s", got)
	}
	clock.Advance(3 * 24 * time.Hour)
	if got := ids("admin", "?overdue=true"); got != "ACT-1,ACT-3" {
		t.Fatalf("overdue: %s", got)
	}
	if got := ids("vera", "?overdue=true"); got != "ACT-1" {
		t.Fatalf("overdue for a viewer: %s", got)
	}
	// Changes: If-Match, won't do needs a reason, and after close.
	s.mustCall(t, 200, "rob", "PATCH", "/api/v1/actions/ACT-1", `{"state":"in_progress"}`, "If-Match", `"1"`)
	if a := s.call(t, "rob", "PATCH", "/api/v1/actions/ACT-1", `{"title":"x"}`, "If-Match", `"1"`); a.status != 412 {
		t.Fatalf("stale If-Match: %d %s", a.status, a.raw)
	}
	if a := s.call(t, "rob", "PATCH", "/api/v1/actions/ACT-2", `{"state":"wont_do"}`); a.status != 422 || strings.Join(a.locations(), ",") != "reason" {
		t.Fatalf("won't do without a reason: %d %s", a.status, a.raw)
	}
	if a := s.call(t, "vera", "PATCH", "/api/v1/actions/ACT-2", `{"state":"done"}`); a.status != 403 {
		t.Fatalf("a viewer changes an item: %d", a.status)
	}
	// Dismissed, like closed, ends the incident; its items live on.
	s.mustCall(t, 200, "rita", "POST", "/api/v1/incidents/INC-1/transition", `{"to":"dismissed","reason":"false alarm"}`)
	a = s.mustCall(t, 200, "rob", "PATCH", "/api/v1/actions/ACT-1", `{"state":"done"}`)
	if a.body["state"] != "done" || a.header.Get("ETag") != `"3"` {
		t.Fatalf("done after close: %s", a.raw)
	}
	a = s.mustCall(t, 200, "rita", "GET", "/api/v1/incidents/INC-1/actions", "")
	if items := a.body["items"].([]any); len(items) != 2 {
		t.Fatalf("incident's items: %s", a.raw)
	}
}
