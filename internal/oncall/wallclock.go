package oncall

import "time"

// Local wall-clock times are represented as "floating" times: a time.Time
// in UTC whose fields are the local fields. UTC has no DST, so adding days
// or hours to a floating time is exact wall-clock arithmetic; resolve turns
// a floating time into the instant it names in a zone.

// parseClock parses "HH:MM" into minutes after midnight; "24:00" only when
// endOfDay.
func parseClock(s string, endOfDay bool) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if endOfDay && h == 24 && m == 0 {
		return 24 * 60, true
	}
	if h > 23 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}

// floating returns t's wall clock in loc as a floating time.
func floating(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
}

// resolve returns the instant at which loc's clocks show the floating time
// w: the first of two when w is ambiguous (fall-back), and the first
// instant after the gap when w does not exist (spring-forward).
func resolve(w time.Time, loc *time.Location) time.Time {
	t := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc)
	// A wall-clock time can only be read with an offset in force near it;
	// a day either side covers every DST change (and the odd zone that
	// changes its standard offset).
	var best, latest time.Time
	for _, probe := range [...]time.Time{t.Add(-26 * time.Hour), t, t.Add(26 * time.Hour)} {
		_, off := probe.Zone()
		u := w.Add(-time.Duration(off) * time.Second)
		u = time.Unix(u.Unix(), int64(u.Nanosecond())).In(loc)
		if latest.IsZero() || u.After(latest) {
			latest = u
		}
		if floating(u, loc).Equal(w) && (best.IsZero() || u.Before(best)) {
			best = u
		}
	}
	if !best.IsZero() {
		return best
	}
	// In a gap: read with the earlier (smaller) offset, w lands after the
	// change, inside the zone period the change began.
	start, _ := latest.ZoneBounds()
	return start
}

// dayStart returns the floating midnight of w's date.
func dayStart(w time.Time) time.Time {
	return time.Date(w.Year(), w.Month(), w.Day(), 0, 0, 0, 0, time.UTC)
}
