package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/roster"
)

// The on-call page: who is on call in each schedule now, and each
// schedule's next 14 days drawn as bars. The page's stylesheet forbids
// inline styles, so a bar's place is a set of classes, one per decimal
// digit of its position in ten-thousandths of the span (see pos).

const timelineDays = 14

type oncallData struct {
	base
	Sub       string // the on-call section's current tab
	Now       []onCallRow
	Timelines []timeline
}

type onCallRow struct {
	roster.OnCallNow
	Mine    bool
	ICS     string
	Missing bool // the schedule does not validate
}

// timeline is one schedule's next 14 days.
type timeline struct {
	Schedule string
	Zone     string
	From, To time.Time
	Days     []tlDay
	Rows     []tlRow
	NowPos   string // the classes placing the "now" line; "" when outside
}

type tlDay struct {
	Label   string // "Mon 2"
	Long    string // "Monday 2 March"
	Pos     string
	Weekend bool
}

type tlRow struct {
	Name  string
	Kind  string // layer, overrides, final
	Bars  []tlBar
	Empty string // said when there are no bars
}

type tlBar struct {
	User     string
	Pos      string
	Title    string // start and end, for hover
	Mine     bool
	Override bool
	Narrow   bool // too short to hold its label (under about 5 hours)
}

// pos returns the classes that place an instant, or size a span, as a
// fraction of the whole: prefix "x" for a left edge, "w" for a width. The
// value is in ten-thousandths (about two minutes of 14 days), written as
// one class per non-zero digit: 3142 → "xa3 xb1 xc4 xd2"; 10000 → "xa10".
func pos(prefix string, v int) string {
	v = max(0, min(v, 10000))
	if v == 10000 {
		return prefix + "a10"
	}
	var parts []string
	for i, d := range []int{v / 1000, v / 100 % 10, v / 10 % 10, v % 10} {
		if d != 0 {
			parts = append(parts, prefix+string(rune('a'+i))+strconv.Itoa(d))
		}
	}
	return strings.Join(parts, " ")
}

// scale converts instants to ten-thousandths of [from, to).
type scale struct{ from, to time.Time }

func (s scale) at(t time.Time) int {
	total := s.to.Sub(s.from)
	if total <= 0 {
		return 0
	}
	// In float: ten thousand times 14 days of nanoseconds overflows int64.
	v := int(math.Round(float64(t.Sub(s.from)) / float64(total) * 10000))
	return max(0, min(v, 10000))
}

// place returns the classes of a bar from start to end: its left edge and
// width, at least one unit wide so that a short shift is still seen.
func (s scale) place(start, end time.Time) (string, int) {
	l, r := s.at(start), s.at(end)
	w := max(r-l, 1)
	return strings.TrimSpace(pos("x", l) + " " + pos("w", w)), w
}

const shiftStamp = "Mon 2 Jan 15:04"

// buildTimeline lays out sch from the start of today in its zone for 14
// days: a row per layer, a row of overrides when there are any, and the
// final schedule. me's shifts are marked.
func buildTimeline(sch oncall.Schedule, now time.Time, me string) (timeline, bool) {
	loc, err := time.LoadLocation(sch.TimeZone)
	if err != nil || sch.Validate() != nil {
		return timeline{Schedule: sch.Name, Zone: sch.TimeZone}, false
	}
	n := now.In(loc)
	from := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc)
	to := from.AddDate(0, 0, timelineDays)
	sc := scale{from, to}
	tl := timeline{Schedule: sch.Name, Zone: sch.TimeZone, From: from, To: to}
	for i := range timelineDays {
		d0, d1 := from.AddDate(0, 0, i), from.AddDate(0, 0, i+1)
		p, _ := sc.place(d0, d1)
		label := d0.Format("Mon 2")
		if i == 0 || d0.Day() == 1 {
			label = d0.Format("Mon 2 Jan")
		}
		tl.Days = append(tl.Days, tlDay{Label: label, Long: d0.Format("Monday 2 January"), Pos: p,
			Weekend: d0.Weekday() == time.Saturday || d0.Weekday() == time.Sunday})
	}
	if !now.Before(from) && now.Before(to) {
		tl.NowPos = pos("x", sc.at(now))
	}
	bar := func(sh oncall.Shift) tlBar {
		p, w := sc.place(sh.Start, sh.End)
		via := "layer " + sh.Layer
		if sh.Override {
			via = "override"
		}
		title := sh.User + " · " + sh.Start.In(loc).Format(shiftStamp) + " – " + sh.End.In(loc).Format(shiftStamp) + " " + zoneAbbr(sh.End.In(loc)) + " · " + via
		return tlBar{User: sh.User, Pos: p, Title: title, Mine: sh.User == me, Override: sh.Override, Narrow: w < 150}
	}
	for _, l := range sch.Layers {
		one := oncall.Schedule{Name: sch.Name, TimeZone: sch.TimeZone, Layers: []oncall.Layer{l}}
		row := tlRow{Name: l.Name, Kind: "layer", Empty: "nobody in these 14 days"}
		for _, sh := range one.Shifts(from, to) {
			row.Bars = append(row.Bars, bar(sh))
		}
		tl.Rows = append(tl.Rows, row)
	}
	ov := tlRow{Name: "Overrides", Kind: "overrides"}
	for _, o := range sch.Overrides {
		if o.To.After(from) && o.From.Before(to) {
			ov.Bars = append(ov.Bars, bar(oncall.Shift{User: o.User, Start: later(o.From, from), End: earlier(o.To, to), Override: true}))
		}
	}
	if len(ov.Bars) > 0 {
		tl.Rows = append(tl.Rows, ov)
	}
	final := tlRow{Name: "Final schedule", Kind: "final", Empty: "nobody is on call in these 14 days"}
	for _, sh := range sch.Shifts(from, to) {
		final.Bars = append(final.Bars, bar(sh))
	}
	tl.Rows = append(tl.Rows, final)
	return tl, true
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// zoneAbbr is the zone's abbreviation at t ("CET"), or its offset when the
// zone has no name for it ("+0530").
func zoneAbbr(t time.Time) string {
	name, _ := t.Zone()
	if name == "" || strings.HasPrefix(name, "+") || strings.HasPrefix(name, "-") {
		return t.Format("-0700")
	}
	return name
}

func (s *Server) oncallPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(r)
	now := s.now()
	d := oncallData{base: s.base(r, "On-call", "oncall"), Sub: "now"}
	rows, err := s.roster.OnCall(ctx, now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := s.roster.Objects(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, row := range rows {
		sch := o.Schedules[row.Schedule]
		v := onCallRow{OnCallNow: row, Missing: sch.Validate() != nil}
		for _, u2 := range row.Users {
			v.Mine = v.Mine || u2 == u.Username
		}
		if v.ICS, err = s.roster.CalendarURL(ctx, "schedule", row.Schedule, u.Username); err != nil {
			s.fail(w, r, err)
			return
		}
		d.Now = append(d.Now, v)
		if tl, ok := buildTimeline(sch, now, u.Username); ok {
			d.Timelines = append(d.Timelines, tl)
		}
	}
	s.render(w, r, http.StatusOK, "oncall", d)
}
