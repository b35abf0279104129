package comms

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// span is a parsed deadline: exactly one of its counts is set, by kind.
type span struct {
	kind   DeadlineKind
	hours  time.Duration // calendar_hours: elapsed time
	days   int           // calendar_days
	months int           // calendar_month
	bdays  int           // business_days
	word   string        // "business" or "working", as the source says
}

var (
	isoDuration = regexp.MustCompile(`^P(?:(\d{1,4})Y)?(?:(\d{1,4})M)?(?:(\d{1,4})W)?(?:(\d{1,5})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,7})M)?)?$`)
	dayCount    = regexp.MustCompile(`^(\d{1,3}) (business|working) days?$`)
)

// iso is an ISO 8601 duration in its parts.
type iso struct{ years, months, weeks, days, hours, minutes int }

func parseISO(s string) (iso, bool) {
	m := isoDuration.FindStringSubmatch(s)
	if m == nil || s == "P" || strings.HasSuffix(s, "T") {
		return iso{}, false
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	d := iso{n(1), n(2), n(3), n(4), n(5), n(6)}
	return d, d != iso{}
}

// parseDeadline parses a phase's deadline for its kind.
func parseDeadline(s string, kind DeadlineKind) (span, error) {
	s = strings.TrimSpace(s)
	if kind == Qualitative {
		if s != "" {
			return span{}, fmt.Errorf("%q: a qualitative deadline has no period; leave deadline empty (null) or pick a kind that counts", s)
		}
		return span{kind: Qualitative}, nil
	}
	if s == "" {
		return span{}, fmt.Errorf("is required for a %s deadline", kind)
	}
	if kind == BusinessDays {
		m := dayCount.FindStringSubmatch(s)
		if m == nil {
			return span{}, fmt.Errorf("%q is not a count of business days such as \"4 business days\" or \"3 working days\"", s)
		}
		n, _ := strconv.Atoi(m[1])
		if n < 1 {
			return span{}, fmt.Errorf("%q: at least one day", s)
		}
		return span{kind: kind, bdays: n, word: m[2]}, nil
	}
	d, ok := parseISO(s)
	if !ok {
		return span{}, fmt.Errorf("%q is not an ISO 8601 duration such as PT72H, P30D or P1M", s)
	}
	switch kind {
	case CalendarHours:
		if d.years != 0 || d.months != 0 || d.weeks != 0 || d.days != 0 {
			return span{}, fmt.Errorf("%q counts days or months; a calendar_hours deadline is hours such as PT72H", s)
		}
		return span{kind: kind, hours: time.Duration(d.hours)*time.Hour + time.Duration(d.minutes)*time.Minute}, nil
	case CalendarDays:
		if d.years != 0 || d.months != 0 || d.hours != 0 || d.minutes != 0 {
			return span{}, fmt.Errorf("%q is not a number of days; a calendar_days deadline is days such as P30D", s)
		}
		return span{kind: kind, days: d.weeks*7 + d.days}, nil
	case CalendarMonth:
		if d.weeks != 0 || d.days != 0 || d.hours != 0 || d.minutes != 0 {
			return span{}, fmt.Errorf("%q is not a number of months; a calendar_month deadline is months such as P1M", s)
		}
		return span{kind: kind, months: d.years*12 + d.months}, nil
	}
	return span{}, fmt.Errorf("unknown deadline kind %q", kind)
}

// parseLimit parses the deadline of an also_no_later_than cap, whose kind
// follows from the duration: hours, days or months.
func parseLimit(s string) (span, error) {
	d, ok := parseISO(strings.TrimSpace(s))
	if !ok {
		return span{}, fmt.Errorf("%q is not an ISO 8601 duration such as PT24H", s)
	}
	switch {
	case d.years == 0 && d.months == 0 && d.weeks == 0 && d.days == 0:
		return parseDeadline(s, CalendarHours)
	case d.years == 0 && d.months == 0 && d.hours == 0 && d.minutes == 0:
		return parseDeadline(s, CalendarDays)
	case d.weeks == 0 && d.days == 0 && d.hours == 0 && d.minutes == 0:
		return parseDeadline(s, CalendarMonth)
	}
	return span{}, fmt.Errorf("%q mixes hours, days and months; use one", s)
}

// lastDay is the last day of a period of days or months that runs from
// t, counted on the calendar of loc. The day of t is not counted; a period
// of months ends on the day of the last month with the same date, or on
// that month's last day when it has no such date (31 January + 1 month =
// 28 or 29 February): Regulation (EEC, Euratom) No 1182/71 Art. 3(1) and
// 3(2)(b)-(c), and the same reading of "within N days" in US state law,
// Japan's Civil Code Arts. 140-143 and Australia's Acts Interpretation
// Act 1901 s 36.
func (s span) lastDay(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	switch s.kind {
	case CalendarDays:
		return time.Date(y, m, d+s.days, 12, 0, 0, 0, loc)
	case CalendarMonth:
		first := time.Date(y, m+time.Month(s.months), 1, 12, 0, 0, 0, loc)
		last := first.AddDate(0, 1, -1).Day()
		return first.AddDate(0, 0, min(d, last)-1)
	}
	return t
}

// endOf is when a period whose last day is day ends: at cutoff after
// midnight when a filing cut-off is set, else with the last second of the
// day (the end "with the expiry of the last hour of the last day").
func endOf(day time.Time, cutoff time.Duration) time.Time {
	y, m, d := day.Date()
	if cutoff > 0 {
		return time.Date(y, m, d, int(cutoff/time.Hour), int(cutoff%time.Hour/time.Minute), 0, 0, day.Location())
	}
	return time.Date(y, m, d, 23, 59, 59, 0, day.Location())
}

// describe writes a span as people read it: "72 hours", "1 month".
func (s span) describe() string {
	plural := func(n int, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch s.kind {
	case CalendarHours:
		if s.hours%time.Hour == 0 {
			return plural(int(s.hours/time.Hour), "hour")
		}
		return s.hours.String()
	case CalendarDays:
		return plural(s.days, "calendar day")
	case CalendarMonth:
		return plural(s.months, "calendar month")
	case BusinessDays:
		return plural(s.bdays, s.word+" day")
	}
	return "no fixed period"
}

// add is when a span of hours, days or months from t ends: hours are an
// exact instant; days and months end with their last day in loc (business
// days need a calendar: see businessDays).
func (s span) add(t time.Time, loc *time.Location, cutoff time.Duration) time.Time {
	switch s.kind {
	case CalendarHours:
		return t.Add(s.hours)
	case CalendarDays, CalendarMonth:
		return endOf(s.lastDay(t, loc), cutoff)
	}
	return t
}
