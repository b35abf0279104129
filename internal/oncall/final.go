package oncall

import (
	"slices"
	"sort"
	"time"
)

// Shifts returns the final schedule from from until to: who is on call,
// through which layer or override, in order, clipped to [from, to). Gaps
// with nobody on call have no Shift. Consecutive stretches of the same user
// through the same layer (or both through overrides) are merged into one
// Shift. Times are in the schedule's zone. Nil when s does not validate or
// from is not before to.
//
// The work is proportional to the number of hand-offs, restriction windows
// and overrides in the range, not to its length in minutes.
func (s Schedule) Shifts(from, to time.Time) []Shift {
	if !from.Before(to) || s.Validate() != nil {
		return nil
	}
	loc, _ := location(s.TimeZone)
	layers := make([][]span, len(s.Layers))
	for i, l := range s.Layers {
		layers[i] = newLayerPlan(l, loc).spans(from, to)
	}
	var overrides []span
	for _, o := range s.Overrides {
		if sp := clip(span{start: o.From, end: o.To, user: o.User}, from, to); sp.start.Before(sp.end) {
			overrides = append(overrides, sp)
		}
	}
	sortSpans(overrides)

	// Nothing changes between two consecutive boundaries, so the owner at
	// each boundary owns the stretch up to the next.
	bounds := []time.Time{from, to}
	for _, sps := range append(layers, overrides) {
		for _, sp := range sps {
			bounds = append(bounds, sp.start, sp.end)
		}
	}
	slices.SortFunc(bounds, func(a, b time.Time) int { return a.Compare(b) })
	bounds = slices.CompactFunc(bounds, time.Time.Equal)

	var out []Shift
	for i := 0; i+1 < len(bounds); i++ {
		sh, ok := owner(bounds[i], layers, overrides, s.Layers)
		if !ok {
			continue
		}
		sh.Start, sh.End = bounds[i].In(loc), bounds[i+1].In(loc)
		if n := len(out); n > 0 && out[n-1].End.Equal(sh.Start) &&
			out[n-1].User == sh.User && out[n-1].Layer == sh.Layer && out[n-1].Override == sh.Override {
			out[n-1].End = sh.End
			continue
		}
		out = append(out, sh)
	}
	return out
}

// owner returns who is on call at t: an override, else the highest layer
// with someone on call.
func owner(t time.Time, layers [][]span, overrides []span, ls []Layer) (Shift, bool) {
	if sp, ok := covering(overrides, t); ok {
		return Shift{User: sp.user, Override: true}, true
	}
	for i := len(layers) - 1; i >= 0; i-- {
		if sp, ok := covering(layers[i], t); ok {
			return Shift{User: sp.user, Layer: ls[i].Name}, true
		}
	}
	return Shift{}, false
}

// covering returns the span of the ordered, disjoint sps that contains t.
func covering(sps []span, t time.Time) (span, bool) {
	i := sort.Search(len(sps), func(i int) bool { return sps[i].end.After(t) })
	if i < len(sps) && !sps[i].start.After(t) {
		return sps[i], true
	}
	return span{}, false
}

// OnCall returns who is on call at the instant at: one user, or none when
// nobody is (or s does not validate). It is a slice so that callers need
// not change if a schedule ever pages several people at once.
func (s Schedule) OnCall(at time.Time) []string {
	sh := s.Shifts(at, at.Add(time.Nanosecond))
	if len(sh) == 0 {
		return nil
	}
	return []string{sh[0].User}
}

func sortSpans(sps []span) {
	slices.SortFunc(sps, func(a, b span) int { return a.start.Compare(b.start) })
}
