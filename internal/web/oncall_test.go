package web

import (
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/oncall"
)

func TestPos(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		v    int
		want string
	}{
		{0, ""}, {-5, ""}, {1, "xd1"}, {3142, "xa3 xb1 xc4 xd2"}, {9000, "xa9"}, {9999, "xa9 xb9 xc9 xd9"}, {10000, "xa10"}, {12000, "xa10"}, {70, "xc7"},
	} {
		if got := pos("x", tt.v); got != tt.want {
			t.Errorf("pos(x, %d) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

// TestScaleDoesNotOverflow: ten thousand times 14 days in nanoseconds
// does not fit an int64, which once put the second week at the left edge.
func TestScaleDoesNotOverflow(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	sc := scale{from, from.AddDate(0, 0, 14)}
	for _, tt := range []struct {
		at   time.Time
		want int
	}{
		{from, 0}, {from.AddDate(0, 0, 7), 5000}, {from.AddDate(0, 0, 13), 9286}, {from.AddDate(0, 0, 14), 10000},
		{from.Add(-time.Hour), 0}, {from.AddDate(0, 0, 20), 10000},
	} {
		if got := sc.at(tt.at); got != tt.want {
			t.Errorf("at(%s) = %d, want %d", tt.at, got, tt.want)
		}
	}
	if p, w := sc.place(from.AddDate(0, 0, 13), from.AddDate(0, 0, 14)); p != "xa9 xb2 xc8 xd6 wb7 wc1 wd4" || w != 714 {
		t.Errorf("the last day is placed %q, %d", p, w)
	}
}

func TestBuildTimeline(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// 29 March 2026: Berlin springs forward, so that day is 23 hours.
	now := time.Date(2026, 3, 27, 12, 0, 0, 0, berlin)
	sch := oncall.Schedule{Name: "primary", TimeZone: "Europe/Berlin", Layers: []oncall.Layer{
		{Name: "days", Users: []string{"alice", "bob"}, Start: time.Date(2026, 3, 1, 9, 0, 0, 0, berlin), Rotation: oncall.Rotation{Kind: oncall.Daily}},
	}, Overrides: []oncall.Override{{User: "carol", From: now.Add(time.Hour), To: now.Add(3 * time.Hour)}}}
	tl, ok := buildTimeline(sch, now, "alice")
	if !ok {
		t.Fatal("no timeline")
	}
	if len(tl.Days) != 14 || tl.Days[0].Label != "Fri 27 Mar" || tl.Days[5].Label != "Wed 1 Apr" || !tl.Days[1].Weekend || tl.Days[0].Weekend {
		t.Errorf("days: %+v", tl.Days)
	}
	// 335 hours in all: day 0 is 24/335 of them, day 2 starts at 48/335
	// and lasts 23/335 (rounded at both ends).
	if tl.Days[0].Pos != "wb7 wc1 wd6" || tl.Days[2].Pos != "xa1 xb4 xc3 xd3 wb6 wc8 wd6" {
		t.Errorf("day 0 at %q, day 2 (23 hours) at %q", tl.Days[0].Pos, tl.Days[2].Pos)
	}
	if tl.NowPos != "xb3 xc5 xd8" { // 12 of 335 hours

		t.Errorf("now at %q", tl.NowPos)
	}
	var names []string
	for _, r := range tl.Rows {
		names = append(names, r.Kind+":"+r.Name)
	}
	if got := names; len(got) != 3 || got[0] != "layer:days" || got[1] != "overrides:Overrides" || got[2] != "final:Final schedule" {
		t.Fatalf("rows %q", got)
	}
	final := tl.Rows[2].Bars
	if final[0].User != "bob" || final[0].Mine || final[1].User != "alice" || !final[1].Mine || final[2].User != "carol" || !final[2].Override {
		t.Errorf("final bars: %+v", final[:3])
	}
	if want := "alice · Fri 27 Mar 09:00 – Fri 27 Mar 13:00 CET · layer days"; final[1].Title != want {
		t.Errorf("title %q, want %q", final[1].Title, want)
	}
	if _, ok := buildTimeline(oncall.Schedule{Name: "broken"}, now, "alice"); ok {
		t.Error("a schedule that does not validate has a timeline")
	}
}
