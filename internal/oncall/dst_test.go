package oncall

import (
	"testing"
	"time"
)

// DST changes in 2025:
//
//	America/New_York  spring forward 9 Mar 07:00Z (02:00 EST → 03:00 EDT)
//	                  fall back      2 Nov 06:00Z (02:00 EDT → 01:00 EST)
//	Europe/Berlin     spring forward 30 Mar 01:00Z (02:00 CET → 03:00 CEST)
//	                  fall back      26 Oct 01:00Z (03:00 CEST → 02:00 CET)
//	Australia/Sydney  fall back      5 Apr 16:00Z (03:00 AEDT → 02:00 AEST, 6 Apr)
//	                  spring forward 4 Oct 16:00Z (02:00 AEST → 03:00 AEDT, 5 Oct)

func TestResolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		zone, wall, want string
	}{
		{"America/New_York", "2025-03-09T01:59:00", "2025-03-09T06:59:00Z"},
		{"America/New_York", "2025-03-09T02:00:00", "2025-03-09T07:00:00Z"}, // gap: first instant after it
		{"America/New_York", "2025-03-09T02:30:00", "2025-03-09T07:00:00Z"},
		{"America/New_York", "2025-03-09T03:00:00", "2025-03-09T07:00:00Z"},
		{"America/New_York", "2025-11-02T01:30:00", "2025-11-02T05:30:00Z"}, // ambiguous: first (EDT)
		{"America/New_York", "2025-11-02T02:00:00", "2025-11-02T07:00:00Z"},
		{"Europe/Berlin", "2025-03-30T02:30:00", "2025-03-30T01:00:00Z"},
		{"Europe/Berlin", "2025-10-26T02:30:00", "2025-10-26T00:30:00Z"}, // first (CEST); time.Date picks CET
		{"Europe/Berlin", "2025-10-26T03:00:00", "2025-10-26T02:00:00Z"},
		{"Australia/Sydney", "2025-10-05T02:30:00", "2025-10-04T16:00:00Z"},
		{"Australia/Sydney", "2025-04-06T02:30:00", "2025-04-05T15:30:00Z"},    // first (AEDT)
		{"Australia/Lord_Howe", "2025-10-05T02:15:00", "2025-10-04T15:30:00Z"}, // a 30-minute gap
		{"UTC", "2025-06-01T12:00:00", "2025-06-01T12:00:00Z"},
	}
	for _, tt := range tests {
		w, err := time.Parse("2006-01-02T15:04:05", tt.wall)
		if err != nil {
			t.Fatal(err)
		}
		if got := resolve(w, loc(t, tt.zone)); !got.Equal(ts(t, tt.want)) {
			t.Errorf("resolve(%s in %s) = %s, want %s", tt.wall, tt.zone, got.UTC().Format(time.RFC3339), tt.want)
		}
	}
}

func TestOnCallAcrossDST(t *testing.T) {
	t.Parallel()
	const ny, ber, syd = "America/New_York", "Europe/Berlin", "Australia/Sydney"
	tests := []struct {
		name  string
		s     Schedule
		cases []onCallCase
	}{
		{
			// Hand-offs 8 Mar a… : 3 Mar a, 4 b, 5 c, 6 a, 7 b, 8 c, 9 a.
			name: "New York spring forward, daily 09:00: a 23-hour shift",
			s:    daily("ny-spring", ny, day(t, ny, "2025-03-03"), "09:00", "a", "b", "c"),
			cases: []onCallCase{
				{"2025-03-09T01:59:59-05:00", "c"},
				{"2025-03-09T03:00:00-04:00", "c"}, // the transition instant, 07:00Z
				{"2025-03-09T08:59:59-04:00", "c"},
				{"2025-03-09T09:00:00-04:00", "a"}, // 09:00 local, 23 h after the last
				{"2025-03-09T09:30:00-04:00", "a"}, // 24 elapsed hours would still say c
				{"2025-03-10T09:00:00-04:00", "b"},
			},
		},
		{
			// 27 Oct a, 28 b, 29 c, 30 a, 31 b, 1 Nov c, 2 Nov a.
			name: "New York fall back, daily 09:00: a 25-hour shift",
			s:    daily("ny-fall", ny, day(t, ny, "2025-10-27"), "09:00", "a", "b", "c"),
			cases: []onCallCase{
				{"2025-11-02T01:59:59-04:00", "c"},
				{"2025-11-02T01:00:00-05:00", "c"}, // the transition instant, 06:00Z
				{"2025-11-02T08:30:00-05:00", "c"}, // 24 elapsed hours would say a
				{"2025-11-02T08:59:59-05:00", "c"},
				{"2025-11-02T09:00:00-05:00", "a"},
			},
		},
		{
			// 7 Mar a, 8 b, 9 c; 02:30 does not exist on 9 March.
			name: "New York hand-off at 02:30 on spring-forward day happens at 03:00 EDT",
			s:    daily("ny-0230", ny, day(t, ny, "2025-03-07"), "02:30", "a", "b", "c"),
			cases: []onCallCase{
				{"2025-03-08T02:29:59-05:00", "a"},
				{"2025-03-08T02:30:00-05:00", "b"},
				{"2025-03-09T01:59:59-05:00", "b"},
				{"2025-03-09T03:00:00-04:00", "c"},
				{"2025-03-10T02:29:59-04:00", "c"},
				{"2025-03-10T02:30:00-04:00", "a"},
			},
		},
		{
			// 31 Oct a, 1 Nov b, 2 Nov c; 01:30 happens twice on 2 November.
			name: "New York hand-off at 01:30 on fall-back day happens at the first 01:30",
			s:    daily("ny-0130", ny, day(t, ny, "2025-10-31"), "01:30", "a", "b", "c"),
			cases: []onCallCase{
				{"2025-11-02T01:29:59-04:00", "b"},
				{"2025-11-02T01:30:00-04:00", "c"},
				{"2025-11-02T01:29:59-05:00", "c"}, // the second 01:29: no second hand-off
				{"2025-11-02T01:30:00-05:00", "c"},
				{"2025-11-03T01:29:59-05:00", "c"},
				{"2025-11-03T01:30:00-05:00", "a"},
			},
		},
		{
			// Weekly on Mondays: 24 Mar a, 31 Mar b (a 167-hour week).
			name: "Berlin spring forward, weekly Monday 09:00",
			s: Schedule{Name: "ber-weekly", TimeZone: ber, Layers: []Layer{{
				Name: "primary", Users: []string{"a", "b"}, Start: day(t, ber, "2025-03-24"), HandoffTime: "09:00",
				Rotation: Rotation{Kind: Weekly},
			}}},
			cases: []onCallCase{
				{"2025-03-30T01:59:59+01:00", "a"},
				{"2025-03-30T03:00:00+02:00", "a"}, // the transition instant, 01:00Z
				{"2025-03-31T08:30:00+02:00", "a"}, // 168 elapsed hours would say b
				{"2025-03-31T09:00:00+02:00", "b"},
			},
		},
		{
			// 29 Mar a, 30 Mar b: 02:30 does not exist, the hand-off is at 03:00 CEST.
			name: "Berlin hand-off at 02:30 on spring-forward day",
			s:    daily("ber-spring", ber, day(t, ber, "2025-03-29"), "02:30", "a", "b"),
			cases: []onCallCase{
				{"2025-03-30T01:59:59+01:00", "a"},
				{"2025-03-30T03:00:00+02:00", "b"},
			},
		},
		{
			// 25 Oct a, 26 Oct b: 02:30 happens twice, the hand-off is at 02:30 CEST.
			name: "Berlin hand-off at 02:30 on fall-back day",
			s:    daily("ber-fall", ber, day(t, ber, "2025-10-25"), "02:30", "a", "b"),
			cases: []onCallCase{
				{"2025-10-26T02:29:59+02:00", "a"},
				{"2025-10-26T02:30:00+02:00", "b"},
				{"2025-10-26T02:59:59+02:00", "b"},
				{"2025-10-26T02:00:00+01:00", "b"}, // the transition instant, 01:00Z
				{"2025-10-26T02:30:00+01:00", "b"}, // the second 02:30: no second hand-off
				{"2025-10-27T02:29:59+01:00", "b"},
				{"2025-10-27T02:30:00+01:00", "a"},
			},
		},
		{
			// 5 Apr a, 6 Apr b: a 25-hour shift in the southern autumn.
			name: "Sydney fall back (April), daily 09:00",
			s:    daily("syd-apr", syd, day(t, syd, "2025-04-05"), "09:00", "a", "b"),
			cases: []onCallCase{
				{"2025-04-06T02:59:59+11:00", "a"},
				{"2025-04-06T02:00:00+10:00", "a"}, // the transition instant, 16:00Z
				{"2025-04-06T08:30:00+10:00", "a"},
				{"2025-04-06T09:00:00+10:00", "b"},
			},
		},
		{
			// 4 Oct a, 5 Oct b: 02:30 does not exist, the hand-off is at 03:00 AEDT.
			name: "Sydney hand-off at 02:30 on spring-forward day (October)",
			s:    daily("syd-oct", syd, day(t, syd, "2025-10-04"), "02:30", "a", "b"),
			cases: []onCallCase{
				{"2025-10-05T01:59:59+10:00", "a"},
				{"2025-10-05T03:00:00+11:00", "b"},
				{"2025-10-06T02:29:59+11:00", "b"},
				{"2025-10-06T02:30:00+11:00", "a"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkOnCall(t, mustValid(t, tt.s), tt.cases)
		})
	}
}

func TestShiftsAcrossDST(t *testing.T) {
	t.Parallel()
	const ber = "Europe/Berlin"
	tests := []struct {
		name     string
		s        Schedule
		from, to string
		want     string
	}{
		{
			name: "Berlin fall back: 25-hour shift at 09:00, restriction windows at local times",
			s: Schedule{Name: "ber", TimeZone: ber, Layers: []Layer{
				{Name: "base", Users: []string{"a", "b"}, Start: day(t, ber, "2025-10-25"), HandoffTime: "09:00", Rotation: Rotation{Kind: Daily}},
				{Name: "night", Users: []string{"n"}, Start: day(t, ber, "2025-10-01"), Rotation: Rotation{Kind: Weekly},
					Restrictions: []Restriction{{From: "01:00", To: "04:00"}}},
			}},
			from: "2025-10-25T09:00:00+02:00", to: "2025-10-26T10:00:00+01:00",
			want: "" +
				"a base 2025-10-25T09:00:00+02:00 2025-10-26T01:00:00+02:00\n" +
				"n night 2025-10-26T01:00:00+02:00 2025-10-26T04:00:00+01:00\n" + // 4 hours
				"a base 2025-10-26T04:00:00+01:00 2025-10-26T09:00:00+01:00\n" +
				"b base 2025-10-26T09:00:00+01:00 2025-10-26T10:00:00+01:00\n",
		},
		{
			name: "restriction that falls in the spring-forward gap covers nothing",
			s: Schedule{Name: "gap", TimeZone: ber, Layers: []Layer{
				{Name: "base", Users: []string{"a"}, Start: day(t, ber, "2025-03-01"), Rotation: Rotation{Kind: Daily}},
				{Name: "gap", Users: []string{"g"}, Start: day(t, ber, "2025-03-01"), Rotation: Rotation{Kind: Daily},
					Restrictions: []Restriction{{From: "02:00", To: "03:00"}}},
			}},
			from: "2025-03-30T00:00:00+01:00", to: "2025-03-30T05:00:00+02:00",
			want: "a base 2025-03-30T00:00:00+01:00 2025-03-30T05:00:00+02:00\n",
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
