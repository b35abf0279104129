// Package calendar does business-day arithmetic. Holiday calendars plug in
// behind Calendar; the default counts Monday to Friday.
package calendar

import "time"

// Calendar says whether a day is a working day.
type Calendar interface {
	IsBusinessDay(t time.Time) bool
}

// Weekdays is the Monday–Friday calendar with no holidays.
type Weekdays struct{}

// IsBusinessDay reports whether t falls on Monday to Friday in t's location.
func (Weekdays) IsBusinessDay(t time.Time) bool {
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddBusinessDays returns the same clock time on the n-th business day after
// t's day. Non-business days are skipped, so Friday 10:00 + 5 is the next
// Friday 10:00 and Saturday 10:00 + 1 is Monday 10:00.
func AddBusinessDays(cal Calendar, t time.Time, n int) time.Time {
	d := t
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if cal.IsBusinessDay(d) {
			n--
		}
	}
	return d
}
