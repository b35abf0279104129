package oncall

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestOnCallDaily(t *testing.T) {
	t.Parallel()
	s := mustValid(t, daily("daily", "America/New_York", day(t, "America/New_York", "2025-03-03"), "09:00", "a", "b", "c"))
	checkOnCall(t, s, []onCallCase{
		{"2025-03-03T08:59:59-05:00", ""}, // before the first hand-off
		{"2025-03-03T09:00:00-05:00", "a"},
		{"2025-03-04T08:59:59-05:00", "a"},
		{"2025-03-04T09:00:00-05:00", "b"},
		{"2025-03-05T12:00:00-05:00", "c"},
		{"2025-03-06T09:00:00-05:00", "a"},
		{"2026-03-03T09:00:00-05:00", "c"}, // hand-off 365: 365 % 3 == 2
	})
}

func TestShifts(t *testing.T) {
	t.Parallel()
	const ber = "Europe/Berlin"
	tests := []struct {
		name     string
		s        Schedule
		from, to string
		want     string
	}{
		{
			name: "weekly, Monday 09:00",
			s: Schedule{Name: "w", TimeZone: ber, Layers: []Layer{{
				Name: "primary", Users: []string{"a", "b"}, Start: day(t, ber, "2025-06-02"), HandoffTime: "09:00",
				Rotation: Rotation{Kind: Weekly},
			}}},
			from: "2025-06-01T00:00:00+02:00", to: "2025-06-20T00:00:00+02:00",
			want: "" +
				"a primary 2025-06-02T09:00:00+02:00 2025-06-09T09:00:00+02:00\n" +
				"b primary 2025-06-09T09:00:00+02:00 2025-06-16T09:00:00+02:00\n" +
				"a primary 2025-06-16T09:00:00+02:00 2025-06-20T00:00:00+02:00\n",
		},
		{
			name: "every 2 weeks, across the spring-forward change",
			s: Schedule{Name: "2w", TimeZone: ber, Layers: []Layer{{
				Name: "primary", Users: []string{"a", "b"}, Start: day(t, ber, "2025-03-03"), HandoffTime: "09:00",
				Rotation: Rotation{Kind: Weekly, Every: 2},
			}}},
			from: "2025-03-10T00:00:00+01:00", to: "2025-04-20T00:00:00+02:00",
			want: "" +
				"a primary 2025-03-10T00:00:00+01:00 2025-03-17T09:00:00+01:00\n" +
				"b primary 2025-03-17T09:00:00+01:00 2025-03-31T09:00:00+02:00\n" +
				"a primary 2025-03-31T09:00:00+02:00 2025-04-14T09:00:00+02:00\n" +
				"b primary 2025-04-14T09:00:00+02:00 2025-04-20T00:00:00+02:00\n",
		},
		{
			name: "custom 12 hours keeps 09:00 and 21:00 local across spring-forward",
			s: Schedule{Name: "12h", TimeZone: "America/New_York", Layers: []Layer{{
				Name: "primary", Users: []string{"a", "b"}, Start: day(t, "America/New_York", "2025-03-08"), HandoffTime: "09:00",
				Rotation: Rotation{Kind: Custom, Hours: 12},
			}}},
			from: "2025-03-08T00:00:00-05:00", to: "2025-03-10T00:00:00-04:00",
			want: "" +
				"a primary 2025-03-08T09:00:00-05:00 2025-03-08T21:00:00-05:00\n" +
				"b primary 2025-03-08T21:00:00-05:00 2025-03-09T09:00:00-04:00\n" + // 11 hours
				"a primary 2025-03-09T09:00:00-04:00 2025-03-09T21:00:00-04:00\n" +
				"b primary 2025-03-09T21:00:00-04:00 2025-03-10T00:00:00-04:00\n",
		},
		{
			name: "custom 1 day 12 hours",
			s: Schedule{Name: "36h", TimeZone: "UTC", Layers: []Layer{{
				Name: "primary", Users: []string{"a", "b"}, Start: ts(t, "2025-01-01T06:00:00Z"),
				Rotation: Rotation{Kind: Custom, Days: 1, Hours: 12},
			}}},
			from: "2025-01-01T00:00:00Z", to: "2025-01-05T00:00:00Z",
			want: "" +
				"a primary 2025-01-01T06:00:00Z 2025-01-02T18:00:00Z\n" +
				"b primary 2025-01-02T18:00:00Z 2025-01-04T06:00:00Z\n" +
				"a primary 2025-01-04T06:00:00Z 2025-01-05T00:00:00Z\n",
		},
		{
			name: "one user: hand-offs to the same person merge",
			s:    daily("solo", ber, day(t, ber, "2025-06-02"), "09:00", "solo"),
			from: "2025-06-01T00:00:00+02:00", to: "2025-06-15T00:00:00+02:00",
			want: "solo primary 2025-06-02T09:00:00+02:00 2025-06-15T00:00:00+02:00\n",
		},
		{
			name: "business hours Mon–Fri above a 24/7 layer that fills the gaps",
			s: Schedule{Name: "biz", TimeZone: ber, Layers: []Layer{
				{Name: "night", Users: []string{"x"}, Start: day(t, ber, "2025-01-06"), Rotation: Rotation{Kind: Weekly}},
				{
					Name: "business", Users: []string{"a", "b"}, Start: day(t, ber, "2025-06-02"), HandoffTime: "09:00",
					Rotation: Rotation{Kind: Daily},
					Restrictions: []Restriction{{
						Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
						From: "09:00", To: "17:00",
					}},
				},
			}},
			from: "2025-06-06T00:00:00+02:00", to: "2025-06-10T00:00:00+02:00",
			want: "" +
				"x night 2025-06-06T00:00:00+02:00 2025-06-06T09:00:00+02:00\n" +
				"a business 2025-06-06T09:00:00+02:00 2025-06-06T17:00:00+02:00\n" + // Friday: day 4, a
				"x night 2025-06-06T17:00:00+02:00 2025-06-09T09:00:00+02:00\n" + // the weekend
				"b business 2025-06-09T09:00:00+02:00 2025-06-09T17:00:00+02:00\n" + // Monday: day 7, b
				"x night 2025-06-09T17:00:00+02:00 2025-06-10T00:00:00+02:00\n",
		},
		{
			name: "restriction hides part of a shift without delaying the hand-off",
			s: Schedule{Name: "r", TimeZone: "UTC", Layers: []Layer{{
				Name: "primary", Users: []string{"a", "b"}, Start: ts(t, "2025-06-02T12:00:00Z"),
				Rotation:     Rotation{Kind: Daily},
				Restrictions: []Restriction{{From: "08:00", To: "14:00"}, {From: "20:00", To: "24:00"}},
			}}},
			from: "2025-06-02T00:00:00Z", to: "2025-06-03T16:00:00Z",
			want: "" +
				"a primary 2025-06-02T12:00:00Z 2025-06-02T14:00:00Z\n" +
				"a primary 2025-06-02T20:00:00Z 2025-06-03T00:00:00Z\n" +
				"a primary 2025-06-03T08:00:00Z 2025-06-03T12:00:00Z\n" +
				"b primary 2025-06-03T12:00:00Z 2025-06-03T14:00:00Z\n",
		},
		{
			name: "override in the middle of a shift splits it",
			s: func() Schedule {
				s := daily("ov", ber, day(t, ber, "2025-06-02"), "09:00", "a", "b")
				s.Overrides = []Override{{User: "z", From: ts(t, "2025-06-02T13:00:00+02:00"), To: ts(t, "2025-06-02T15:30:00+02:00")}}
				return s
			}(),
			from: "2025-06-02T09:00:00+02:00", to: "2025-06-03T12:00:00+02:00",
			want: "" +
				"a primary 2025-06-02T09:00:00+02:00 2025-06-02T13:00:00+02:00\n" +
				"z * 2025-06-02T13:00:00+02:00 2025-06-02T15:30:00+02:00\n" +
				"a primary 2025-06-02T15:30:00+02:00 2025-06-03T09:00:00+02:00\n" +
				"b primary 2025-06-03T09:00:00+02:00 2025-06-03T12:00:00+02:00\n",
		},
		{
			name: "override across a hand-off, and one where no layer covers",
			s: func() Schedule {
				s := daily("ov2", "UTC", ts(t, "2025-06-02T09:00:00Z"), "", "a", "b")
				s.Overrides = []Override{
					{User: "z", From: ts(t, "2025-06-03T08:00:00Z"), To: ts(t, "2025-06-03T10:00:00Z")},
					{User: "y", From: ts(t, "2025-06-02T07:00:00Z"), To: ts(t, "2025-06-02T08:00:00Z")},
					{User: "y", From: ts(t, "2025-06-02T08:00:00Z"), To: ts(t, "2025-06-02T08:30:00Z")},
				}
				return s
			}(),
			from: "2025-06-02T00:00:00Z", to: "2025-06-03T12:00:00Z",
			want: "" +
				"y * 2025-06-02T07:00:00Z 2025-06-02T08:30:00Z\n" + // back-to-back overrides merge
				"a primary 2025-06-02T09:00:00Z 2025-06-03T08:00:00Z\n" +
				"z * 2025-06-03T08:00:00Z 2025-06-03T10:00:00Z\n" +
				"b primary 2025-06-03T10:00:00Z 2025-06-03T12:00:00Z\n",
		},
		{
			name: "the higher layer wins where both cover",
			s: Schedule{Name: "layers", TimeZone: "UTC", Layers: []Layer{
				{Name: "low", Users: []string{"l"}, Start: ts(t, "2025-06-01T00:00:00Z"), Rotation: Rotation{Kind: Daily}},
				{Name: "high", Users: []string{"h"}, Start: ts(t, "2025-06-02T06:00:00Z"), Rotation: Rotation{Kind: Daily}},
			}},
			from: "2025-06-02T00:00:00Z", to: "2025-06-02T12:00:00Z",
			want: "" +
				"l low 2025-06-02T00:00:00Z 2025-06-02T06:00:00Z\n" +
				"h high 2025-06-02T06:00:00Z 2025-06-02T12:00:00Z\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := mustValid(t, tt.s)
			if got := show(s.Shifts(ts(t, tt.from), ts(t, tt.to))); got != tt.want {
				t.Errorf("Shifts:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestOverrideOnCall(t *testing.T) {
	t.Parallel()
	s := daily("ov", "Europe/Berlin", day(t, "Europe/Berlin", "2025-06-02"), "09:00", "a", "b")
	s.Overrides = []Override{{User: "z", From: ts(t, "2025-06-02T13:00:00+02:00"), To: ts(t, "2025-06-02T15:30:00+02:00")}}
	checkOnCall(t, mustValid(t, s), []onCallCase{
		{"2025-06-02T12:59:59+02:00", "a"},
		{"2025-06-02T13:00:00+02:00", "z"},
		{"2025-06-02T15:29:59+02:00", "z"},
		{"2025-06-02T15:30:00+02:00", "a"}, // To is exclusive
	})
}

// TestShiftsFourteenDaysAcrossDST is the "next 14 days" view over the
// spring-forward change in New York: every hand-off at 09:00 local, the
// shift spanning the change 23 hours long.
func TestShiftsFourteenDaysAcrossDST(t *testing.T) {
	t.Parallel()
	const ny = "America/New_York"
	s := mustValid(t, daily("14d", ny, day(t, ny, "2025-03-03"), "09:00", "a", "b", "c"))
	from := ts(t, "2025-03-03T09:00:00-05:00")
	to := ts(t, "2025-03-17T09:00:00-04:00") // 14 local days, 335 hours
	got := s.Shifts(from, to)
	if len(got) != 14 {
		t.Fatalf("got %d shifts, want 14:\n%s", len(got), show(got))
	}
	users := []string{"a", "b", "c"}
	for i, sh := range got {
		d := 3 + i
		off := "-05:00"
		if d >= 9 {
			off = "-04:00"
		}
		wantStart := ts(t, time.Date(2025, 3, d, 9, 0, 0, 0, time.UTC).Format("2006-01-02T15:04:05")+off)
		wantLen := 24 * time.Hour
		if d == 8 {
			wantLen = 23 * time.Hour
		}
		if sh.User != users[i%3] || !sh.Start.Equal(wantStart) || sh.End.Sub(sh.Start) != wantLen {
			t.Errorf("shift %d = %s, %s, %v; want %s, %s, %v", i, sh.User, sh.Start, sh.End.Sub(sh.Start), users[i%3], wantStart, wantLen)
		}
		if sh.Start.Location().String() != ny {
			t.Errorf("shift %d in %s, want %s", i, sh.Start.Location(), ny)
		}
	}
}

// TestOnCallMatchesShifts checks, for random instants in a 14-day window
// with layers, restrictions, overrides and a DST change, that OnCall
// agrees with the Shift containing the instant.
func TestOnCallMatchesShifts(t *testing.T) {
	t.Parallel()
	const ber = "Europe/Berlin"
	s := mustValid(t, Schedule{Name: "prop", TimeZone: ber, Layers: []Layer{
		{Name: "base", Users: []string{"a", "b", "c"}, Start: day(t, ber, "2025-03-01"), HandoffTime: "02:30", Rotation: Rotation{Kind: Weekly}},
		{Name: "day", Users: []string{"d", "e"}, Start: day(t, ber, "2025-03-20"), HandoffTime: "08:00", Rotation: Rotation{Kind: Custom, Hours: 10},
			Restrictions: []Restriction{
				{Days: []time.Weekday{time.Monday, time.Wednesday, time.Friday}, From: "07:00", To: "19:00"},
				{Days: []time.Weekday{time.Sunday}, From: "01:30", To: "03:30"},
			}},
		{Name: "top", Users: []string{"f"}, Start: day(t, ber, "2025-03-29"), Rotation: Rotation{Kind: Daily},
			Restrictions: []Restriction{{Days: []time.Weekday{time.Saturday}, From: "12:00", To: "13:00"}}},
	}, Overrides: []Override{
		{User: "z", From: ts(t, "2025-03-30T00:45:00Z"), To: ts(t, "2025-03-30T01:15:00Z")},
		{User: "a", From: ts(t, "2025-04-01T10:00:00Z"), To: ts(t, "2025-04-02T10:00:00Z")},
	}})
	from := ts(t, "2025-03-22T00:00:00+01:00")
	to := from.AddDate(0, 0, 14)
	shifts := s.Shifts(from, to)
	for i := 1; i < len(shifts); i++ {
		if shifts[i].Start.Before(shifts[i-1].End) {
			t.Fatalf("shifts %d and %d overlap:\n%s", i-1, i, show(shifts))
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	span := to.Sub(from)
	probes := []time.Time{ts(t, "2025-03-30T01:00:00Z"), ts(t, "2025-03-30T00:59:59Z")}
	for range 2000 {
		probes = append(probes, from.Add(time.Duration(r.Int64N(int64(span/time.Second)))*time.Second))
	}
	for _, sh := range shifts {
		probes = append(probes, sh.Start, sh.End.Add(-time.Second))
	}
	for _, at := range probes {
		want := ""
		for _, sh := range shifts {
			if !at.Before(sh.Start) && at.Before(sh.End) {
				want = sh.User
			}
		}
		got := ""
		if u := s.OnCall(at); len(u) > 0 {
			got = u[0]
		}
		if got != want {
			t.Errorf("OnCall(%s) = %q, Shifts say %q", at, got, want)
		}
	}
}

func TestInvalidScheduleAnswersNothing(t *testing.T) {
	t.Parallel()
	s := daily("bad", "Mars/Olympus_Mons", ts(t, "2025-01-01T00:00:00Z"), "09:00", "a")
	at := ts(t, "2025-06-01T00:00:00Z")
	if got := s.OnCall(at); got != nil {
		t.Errorf("OnCall = %q, want nil", got)
	}
	if got := s.Shifts(at, at.Add(time.Hour)); got != nil {
		t.Errorf("Shifts = %v, want nil", got)
	}
}

func BenchmarkShifts14Days(b *testing.B) {
	const ber = "Europe/Berlin"
	s := Schedule{Name: "bench", TimeZone: ber, Layers: []Layer{
		{Name: "base", Users: []string{"a", "b", "c"}, Start: day(b, ber, "2020-01-01"), Rotation: Rotation{Kind: Custom, Hours: 8}},
		{Name: "biz", Users: []string{"d", "e"}, Start: day(b, ber, "2020-01-01"), HandoffTime: "09:00", Rotation: Rotation{Kind: Daily},
			Restrictions: []Restriction{{Days: []time.Weekday{1, 2, 3, 4, 5}, From: "09:00", To: "17:00"}}},
	}}
	from := ts(b, "2025-03-22T00:00:00+01:00")
	for b.Loop() {
		s.Shifts(from, from.AddDate(0, 0, 14))
	}
}
