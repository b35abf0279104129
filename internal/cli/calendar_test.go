package cli_test

import (
	"net/http"
	"strings"
	"testing"
)

// firebreak oncall calendar --rotate replaces the caller's feed URLs: it
// prints the new one, which the plain command prints from then on, and the
// old one answers 404.
func TestOnCallCalendarRotate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	status := func(u string) int {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	old := strings.TrimSpace(h.ok(t, "oncall", "calendar"))
	rotated := strings.TrimSpace(h.ok(t, "oncall", "calendar", "--rotate"))
	if rotated == old || !strings.Contains(rotated, "/calendars/users/admin/") {
		t.Fatalf("rotated %q, was %q", rotated, old)
	}
	if now := strings.TrimSpace(h.ok(t, "oncall", "calendar")); now != rotated {
		t.Fatalf("after the rotation the URL is %q, want %q", now, rotated)
	}
	if got := status(old); got != http.StatusNotFound {
		t.Errorf("the old URL: %d", got)
	}
	if got := status(rotated); got != http.StatusOK {
		t.Errorf("the new URL: %d", got)
	}
	h.fails(t, "give no SCHEDULE", "oncall", "calendar", "primary", "--rotate")
	h.fails(t, "404", "oncall", "calendar", "--rotate", "--user", "nobody")
}
