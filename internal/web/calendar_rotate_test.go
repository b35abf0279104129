package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/auth"
)

// The My on-call page's button replaces the person's feed addresses: the
// page shows the new one, the old ones (their own and the schedule's) 404,
// and another person's keep working.
func TestReplaceMyFeedAddresses(t *testing.T) {
	t.Parallel()
	s := newPagingSite(t)
	ctx := context.Background()
	alice := s.signIn(t, "alice")
	feedURL := regexp.MustCompile(`id="ics-url"[^>]*value="([^"]+)"`)
	mine := func() string {
		t.Helper()
		r := s.get(t, alice, "/oncall/me")
		m := feedURL.FindStringSubmatch(r.body)
		if r.status != http.StatusOK || m == nil || !strings.Contains(r.body, `action="/oncall/me/calendar/rotate"`) {
			t.Fatalf("My on-call: %d, no feed address or no button:\n%s", r.status, r.body)
		}
		return strings.TrimPrefix(html.UnescapeString(m[1]), s.url)
	}
	sched := func(user string) string {
		t.Helper()
		u, err := s.svc.Roster.CalendarURL(ctx, "schedule", "primary", user)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimPrefix(u, s.url)
	}
	feed := func(path string, want int) {
		t.Helper()
		if r := s.get(t, s.browser(t), path); r.status != want {
			t.Errorf("GET %s: %d, want %d", path, r.status, want)
		}
	}
	own, hers, his := mine(), sched("alice"), sched("bob")
	feed(own, 200)
	feed(hers, 200)
	feed(his, 200)

	r := s.post(t, alice, "/oncall/me/calendar/rotate", url.Values{})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/oncall/me?flash=") || !strings.HasSuffix(r.location, "#feed") {
		t.Fatalf("rotate: %d %q", r.status, r.location)
	}
	if flash := s.get(t, alice, r.location); !strings.Contains(flash.body, "New calendar feed addresses") {
		t.Errorf("no note after the rotation:\n%s", flash.body)
	}
	own2 := mine()
	if own2 == own {
		t.Fatalf("the page still shows %s", own)
	}
	feed(own, 404)
	feed(hers, 404)
	feed(own2, 200)
	feed(sched("alice"), 200)
	feed(his, 200)

	// Deactivated, her addresses answer 404.
	if _, err := s.app.Services.Auth.UpdateUser(ctx, "alice", auth.UserPatch{Active: new(false)}); err != nil {
		t.Fatal(err)
	}
	feed(own2, 404)
	feed(his, 200)
}
