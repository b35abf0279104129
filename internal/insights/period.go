// Package insights computes the response program's figures — counts, time
// to acknowledge, declare, contain, eradicate and recover, post-mortems,
// action items and notification duties on time, pages per person — per
// period and per severity, type or team, from the incidents' events and
// the records kept beside them. It is pure: the store hands it the
// material, the clock and the organisation's hours are passed in.
//
// Restricted incidents are counted but never revealed: a cell that
// includes one the viewer may not see and holds fewer than MinCell
// incidents is suppressed, and drill-downs list only incidents the viewer
// may see.
package insights

import (
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Period is the width of a bucket of time.
type Period string

const (
	Week    Period = "week"
	Month   Period = "month"
	Quarter Period = "quarter"
)

// Valid reports whether p is a known period.
func (p Period) Valid() bool { return p == Week || p == Month || p == Quarter }

// Dimension is what a period's figures are split by.
type Dimension string

const (
	BySeverity Dimension = "severity"
	ByType     Dimension = "type"
	ByTeam     Dimension = "team"
	ByNone     Dimension = "none" // one row per period
)

// Valid reports whether d is a known dimension.
func (d Dimension) Valid() bool {
	return d == BySeverity || d == ByType || d == ByTeam || d == ByNone
}

// Bucket is one period: [Start, End) in the organisation's time zone.
type Bucket struct {
	Label string    `json:"label" doc:"2026-W48, 2026-11 or 2026-Q4."`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// startOf returns the start of the period holding t, in t's location:
// ISO weeks start on Monday.
func startOf(p Period, t time.Time) time.Time {
	y, m, d := t.Date()
	switch p {
	case Week:
		wd := (int(t.Weekday()) + 6) % 7 // Monday 0
		return time.Date(y, m, d-wd, 0, 0, 0, 0, t.Location())
	case Quarter:
		return time.Date(y, m-(m-1)%3, 1, 0, 0, 0, 0, t.Location())
	}
	return time.Date(y, m, 1, 0, 0, 0, 0, t.Location())
}

func next(p Period, t time.Time) time.Time {
	switch p {
	case Week:
		return t.AddDate(0, 0, 7)
	case Quarter:
		return t.AddDate(0, 3, 0)
	}
	return t.AddDate(0, 1, 0)
}

func label(p Period, t time.Time) string {
	switch p {
	case Week:
		y, w := t.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	case Quarter:
		return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
	}
	return t.Format("2006-01")
}

// MaxBuckets bounds a report, so a range of decades by week is refused
// rather than computed.
const MaxBuckets = 120

// Buckets returns the periods that cover [from, to) in loc: the first
// starts at or before from, the last ends at or after to.
func Buckets(p Period, from, to time.Time, loc *time.Location) ([]Bucket, error) {
	if !to.After(from) {
		return nil, errs.E(errs.Invalid, "to", "must be after from")
	}
	var out []Bucket
	for s := startOf(p, from.In(loc)); s.Before(to); s = next(p, s) {
		if len(out) == MaxBuckets {
			return nil, errs.E(errs.Invalid, "from", "the range holds more than %d %ss; choose a longer period or a shorter range", MaxBuckets, p)
		}
		out = append(out, Bucket{Label: label(p, s), Start: s, End: next(p, s)})
	}
	return out, nil
}

// find returns the index of the bucket holding t, or -1.
func find(bs []Bucket, t time.Time) int {
	for i, b := range bs {
		if !t.Before(b.Start) && t.Before(b.End) {
			return i
		}
	}
	return -1
}
