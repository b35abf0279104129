package oncall

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func loc(t testing.TB, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// ts parses an RFC 3339 instant; the explicit offset makes ambiguous local
// times in the tests unambiguous.
func ts(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// day returns midnight of a local date, for layer starts.
func day(t testing.TB, zone, date string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02", date, loc(t, zone))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustValid(t testing.TB, s Schedule) Schedule {
	t.Helper()
	if err := s.Validate(); err != nil {
		t.Fatalf("schedule %q: %v", s.Name, err)
	}
	return s
}

// show renders shifts one a line as "user layer start end", with times in
// RFC 3339 in the shift's zone, "*" marking overrides.
func show(shs []Shift) string {
	var b strings.Builder
	for _, s := range shs {
		via := s.Layer
		if s.Override {
			via = "*"
		}
		fmt.Fprintf(&b, "%s %s %s %s\n", s.User, via, s.Start.Format(time.RFC3339), s.End.Format(time.RFC3339))
	}
	return b.String()
}

func daily(name, zone string, start time.Time, handoff string, users ...string) Schedule {
	return Schedule{Name: name, TimeZone: zone, Layers: []Layer{{
		Name: "primary", Users: users, Start: start, HandoffTime: handoff,
		Rotation: Rotation{Kind: Daily},
	}}}
}

type onCallCase struct {
	at   string
	want string // "" for nobody
}

func checkOnCall(t *testing.T, s Schedule, cases []onCallCase) {
	t.Helper()
	for _, c := range cases {
		got := strings.Join(s.OnCall(ts(t, c.at)), ",")
		if got != c.want {
			t.Errorf("%s: OnCall(%s) = %q, want %q", s.Name, c.at, got, c.want)
		}
	}
}
