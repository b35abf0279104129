package oncall

import (
	"time"

	"github.com/teambition/rrule-go"
)

// span is a stretch of one layer (or of the overrides) with one user on
// call, [start, end).
type span struct {
	start, end time.Time
	user       string
}

// layerPlan is a validated layer, ready to answer questions.
type layerPlan struct {
	name    string
	users   []string
	loc     *time.Location
	first   time.Time // floating time of the first hand-off
	freq    rrule.Frequency
	every   int           // in freq units
	period  time.Duration // floating length of one rotation step
	windows []Restriction // none: all the time
}

func newLayerPlan(l Layer, loc *time.Location) layerPlan {
	p := layerPlan{name: l.Name, users: l.Users, loc: loc, windows: l.Restrictions}
	start := floating(l.Start, loc)
	clock := start.Sub(dayStart(start)).Truncate(time.Minute)
	if m, ok := parseClock(l.HandoffTime, false); ok {
		clock = time.Duration(m) * time.Minute
	}
	p.first = dayStart(start).Add(clock)
	every := max(l.Rotation.Every, 1)
	switch l.Rotation.Kind {
	case Daily:
		p.freq, p.every, p.period = rrule.DAILY, every, time.Duration(every)*24*time.Hour
	case Weekly:
		p.freq, p.every, p.period = rrule.WEEKLY, every, time.Duration(every)*7*24*time.Hour
	case Custom:
		h := l.Rotation.Days*24 + l.Rotation.Hours
		p.freq, p.every, p.period = rrule.HOURLY, h, time.Duration(h)*time.Hour
	}
	return p
}

// handoffs returns the floating times of the hand-offs from at or before
// fromW (when the layer had started by then) until the first one after
// toW, with the rotation index of the first.
//
// rrule-go generates the occurrences. It iterates from its DTSTART, so the
// rule is re-anchored on the last hand-off at least one period before
// fromW: the steps are of fixed floating length, so that hand-off's index
// is a division away.
func (p layerPlan) handoffs(fromW, toW time.Time) ([]time.Time, int) {
	k := 0
	if d := fromW.Sub(p.first) - p.period; d > 0 {
		k = int(d / p.period)
	}
	anchor := p.first.Add(time.Duration(k) * p.period)
	r, err := rrule.NewRRule(rrule.ROption{Freq: p.freq, Interval: p.every, Dtstart: anchor})
	if err != nil { // cannot happen for a validated layer
		return nil, 0
	}
	return r.Between(anchor, toW.Add(2*p.period), true), k
}

// spans returns the stretches of [from, to) in which the layer has someone
// on call, in order.
func (p layerPlan) spans(from, to time.Time) []span {
	fromW, toW := floating(from, p.loc), floating(to, p.loc)
	// Local clocks can run an hour or so behind an instant's floating
	// time around a fall-back; a day's margin covers any zone.
	hs, k := p.handoffs(fromW.Add(-26*time.Hour), toW.Add(26*time.Hour))
	var shifts []span
	for i := 0; i+1 < len(hs); i++ {
		s := span{start: resolve(hs[i], p.loc), end: resolve(hs[i+1], p.loc), user: p.users[(k+i)%len(p.users)]}
		if s = clip(s, from, to); s.start.Before(s.end) {
			shifts = append(shifts, s)
		}
	}
	if len(p.windows) == 0 {
		return shifts
	}
	return intersect(shifts, p.restrictionWindows(fromW, toW, from, to))
}

// restrictionWindows returns the layer's restriction windows within
// [from, to), in order and merged where they touch.
func (p layerPlan) restrictionWindows(fromW, toW, from, to time.Time) []span {
	var out []span
	for day := dayStart(fromW).AddDate(0, 0, -1); !day.After(toW.AddDate(0, 0, 1)); day = day.AddDate(0, 0, 1) {
		var today []span
		for _, r := range p.windows {
			if !hasDay(r, day.Weekday()) {
				continue
			}
			f, _ := parseClock(r.From, false)
			t, _ := parseClock(r.To, true)
			w := span{
				start: resolve(day.Add(time.Duration(f)*time.Minute), p.loc),
				end:   resolve(day.Add(time.Duration(t)*time.Minute), p.loc),
			}
			if w = clip(w, from, to); w.start.Before(w.end) {
				today = append(today, w)
			}
		}
		sortSpans(today)
		for _, w := range today {
			if n := len(out); n > 0 && !w.start.After(out[n-1].end) {
				out[n-1].end = later(out[n-1].end, w.end)
				continue
			}
			out = append(out, w)
		}
	}
	return out
}

func hasDay(r Restriction, d time.Weekday) bool {
	if len(r.Days) == 0 {
		return true
	}
	for _, x := range r.Days {
		if x == d {
			return true
		}
	}
	return false
}

// intersect returns the parts of the shifts inside the windows; both lists
// are ordered and disjoint.
func intersect(shifts, windows []span) []span {
	var out []span
	i, j := 0, 0
	for i < len(shifts) && j < len(windows) {
		s, w := shifts[i], windows[j]
		st, en := later(s.start, w.start), earlier(s.end, w.end)
		if st.Before(en) {
			out = append(out, span{start: st, end: en, user: s.user})
		}
		if s.end.Before(w.end) {
			i++
		} else {
			j++
		}
	}
	return out
}

func clip(s span, from, to time.Time) span {
	s.start, s.end = later(s.start, from), earlier(s.end, to)
	return s
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
