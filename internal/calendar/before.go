package calendar

import "time"

// SubBusinessDays returns the same clock time on the n-th business day
// before t's day: AddBusinessDays run backwards, so Monday 10:00 − 1 is
// the Friday before at 10:00 (or the Thursday when that Friday is a
// holiday).
func SubBusinessDays(cal Calendar, t time.Time, n int) time.Time {
	d := t
	// A calendar without business days would never end; a year of
	// searching per day asked for is far past any real one.
	for i := 0; n > 0 && i < 366*(n+1); i++ {
		d = d.AddDate(0, 0, -1)
		if cal.IsBusinessDay(d) {
			n--
		}
	}
	return d
}
