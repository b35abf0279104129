package comms

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/calendar"
)

// An open duty is due_soon when the time left is at most the smaller of
// DueSoonFraction of its window (from its anchor to its due instant) and
// DueSoonMax: a 72-hour clock turns at 4 hours left, a 6-hour one at 90
// minutes.
const (
	DueSoonFraction = 0.25
	DueSoonMax      = 4 * time.Hour
)

// Evaluate dates every phase of every obligation that applies to org and
// f, at now. It is pure: the same arguments give the same items.
//
// Clocks: calendar hours are exact instants (nights, weekends and holidays
// count); calendar days add to the anchor instant in UTC (time.AddDate);
// calendar months too, ending on the month's last day when it lacks the
// anchor's day; business and working days count whole days on the
// jurisdiction's holiday calendar in its time zone, the anchor's day not
// counted, and are due at the end (23:59:59) of the last one. Qualitative
// duties have no due instant unless org.Targets sets an internal target.
// A phase whose anchor has not happened (not in the facts, or the report it
// runs from not submitted) has no due instant and is pending.
//
// Status: submitted or waived by the latest record of the phase; else
// overdue after the due instant, due_soon within the due-soon window, else
// pending. Items come earliest due first, undated ones last, each group in
// catalog order.
func (c *Catalog) Evaluate(org Organization, f Facts, records []Record, now time.Time) []Item {
	ev := evaluation{org: org, facts: f, records: map[string]Record{}, submitted: map[string]time.Time{}}
	for _, r := range records {
		if r.Kind != RecordSubmitted && r.Kind != RecordWaived {
			continue
		}
		k := r.ObligationID + "/" + r.Phase
		if old, ok := ev.records[k]; !ok || !r.At.Before(old.At) {
			ev.records[k] = r
		}
		if r.Kind == RecordSubmitted {
			if old, ok := ev.submitted[k]; !ok || r.At.After(old) {
				ev.submitted[k] = r.At
			}
		}
	}
	var items []Item
	for _, o := range c.obligations {
		if !o.AppliesWhen.holds(org, f) {
			continue
		}
		for _, ph := range o.Phases {
			if ph.AppliesWhen.holds(org, f) {
				items = append(items, ev.item(o, ph, now))
			}
		}
	}
	slices.SortStableFunc(items, func(a, b Item) int {
		switch {
		case a.DueAt == nil && b.DueAt == nil:
			return 0
		case a.DueAt == nil:
			return 1
		case b.DueAt == nil:
			return -1
		}
		return a.DueAt.Compare(*b.DueAt)
	})
	return items
}

type evaluation struct {
	org       Organization
	facts     Facts
	records   map[string]Record    // "id/phase" → the latest record
	submitted map[string]time.Time // "id/phase" → the latest submission
}

// dated is a due instant with the start of its window and how it was found.
type dated struct {
	due, start time.Time
	ok         bool
	why        []string
}

func (d *dated) say(format string, args ...any) { d.why = append(d.why, fmt.Sprintf(format, args...)) }

func (ev *evaluation) item(o Obligation, ph Phase, now time.Time) Item {
	it := Item{
		ObligationID: o.ID, Phase: ph.Name, Recipient: o.Recipient, DeadlineKind: ph.DeadlineKind,
		Basis: o.Regulation, Anchor: ph.Anchor, Deadline: ph.Deadline, DeadlineText: o.DeadlineText,
		Verified: o.Verified, LegalStatus: string(o.Status), Jurisdiction: o.Jurisdiction, Notes: ph.Notes,
	}
	if len(o.Sources) > 0 {
		it.Basis += " — " + o.Sources[0]
	}
	if ph.Verified != nil {
		it.Verified = *ph.Verified
	}
	it.Conditions = slices.Clone(o.ConditionNotes)
	if ph.Condition != "" {
		it.Conditions = append(it.Conditions, ph.Condition)
	}
	if at, _, ok := ev.anchor(o, ph.Anchor, ph.AnchorPhases); ok {
		it.AnchorAt = &at
	}
	d := ev.date(o, ph)
	it.Explanation = strings.Join(d.why, "; ")
	if d.ok {
		due := d.due.UTC()
		it.DueAt = &due
	}
	it.Status = Pending
	if r, ok := ev.records[o.ID+"/"+ph.Name]; ok {
		rec := r
		it.Record = &rec
		it.Status = ItemStatus(r.Kind)
		return it
	}
	if d.ok {
		soon := DueSoonMax
		if w := d.due.Sub(d.start); w > 0 {
			soon = min(time.Duration(float64(w)*DueSoonFraction), DueSoonMax)
		}
		switch left := d.due.Sub(now); {
		case left < 0:
			it.Status = Overdue
		case left <= soon:
			it.Status = DueSoon
		}
	}
	return it
}

// date works out a phase's due instant.
func (ev *evaluation) date(o Obligation, ph Phase) dated {
	var d dated
	at, what, ok := ev.anchor(o, ph.Anchor, ph.AnchorPhases)
	switch {
	case ph.DeadlineKind == Qualitative:
		return ev.target(o, ph)
	case !ok:
		d.say("%s after %s, which has not happened yet", ph.span.describe(), what)
	case ph.DeadlineKind == BusinessDays:
		d = ev.businessDays(o, ph, at, what)
	default:
		d.due, d.start, d.ok = ph.span.add(at), at, true
		switch ph.DeadlineKind {
		case CalendarHours:
			d.say("%s after %s (%s); nights, weekends and holidays count", ph.span.describe(), what, stamp(at))
		case CalendarDays:
			d.say("%s after %s (%s), counted in UTC", ph.span.describe(), what, stamp(at))
		case CalendarMonth:
			d.say("%s after %s (%s), in UTC; a day the month lacks ends on its last day", ph.span.describe(), what, stamp(at))
		}
	}
	if l := ph.AlsoNoLaterThan; l != nil {
		ev.cap(&d, o, l)
	}
	for _, r := range ph.Rules {
		if r.Name == RuleHolidayDeadlineMovesToNoon {
			ev.noon(&d, o, r)
		}
	}
	return d
}

// target dates a qualitative phase by the organisation's internal target.
func (ev *evaluation) target(o Obligation, ph Phase) dated {
	var d dated
	rule := "no fixed period"
	switch {
	case ph.Anchor == "":
		rule += " (on request, or as things change)"
	case len(o.Phases) == 1 && o.DeadlineText != "":
		rule += fmt.Sprintf(" (%q)", o.DeadlineText)
	}
	target, ok := ev.org.Targets[o.ID]
	if !ok || target <= 0 {
		d.say("%s; set an internal target for %s in the organisation profile to date it", rule, o.ID)
		return d
	}
	name, phases := ph.Anchor, ph.AnchorPhases
	if name == "" {
		name, phases = o.ClockStarts.Anchor, nil
	}
	at, what, ok := ev.anchor(o, name, phases)
	if !ok {
		d.say("internal target of %s after %s, which has not happened yet; the law sets %s", time.Duration(target), what, rule)
		return d
	}
	d.due, d.start, d.ok = at.Add(time.Duration(target)), at, true
	d.say("internal target of %s after %s (%s); the law sets %s", time.Duration(target), what, stamp(at), rule)
	return d
}

// anchor finds when an anchor happened: the latest submission of the
// phases it names, else the facts; calendar_year_end follows from
// discovered. what names it for explanations.
func (ev *evaluation) anchor(o Obligation, name string, phases []string) (time.Time, string, bool) {
	if len(phases) > 0 {
		var latest time.Time
		var from string
		for _, ref := range phases {
			key := ref
			if !strings.Contains(ref, "/") {
				key = o.ID + "/" + ref
			}
			if t, ok := ev.submitted[key]; ok && t.After(latest) {
				latest, from = t, ref
			}
		}
		if !latest.IsZero() {
			return latest, "the submission of " + from, true
		}
		if t, ok := ev.facts.Anchors[name]; ok {
			return t, name, true
		}
		return time.Time{}, "the submission of " + strings.Join(phases, " or "), false
	}
	if name == "" {
		return time.Time{}, "a request (no anchor)", false
	}
	if t, ok := ev.facts.Anchors[name]; ok {
		return t, name, true
	}
	if name == AnchorCalendarYearEnd {
		if t, ok := ev.facts.Anchors["discovered"]; ok {
			y := t.UTC().Year()
			return time.Date(y, time.December, 31, 23, 59, 59, 0, time.UTC), fmt.Sprintf("the end of %d, the year discovered", y), true
		}
		return time.Time{}, "the end of the year discovered", false
	}
	return time.Time{}, name, false
}

// cap applies an also_no_later_than limit: the earlier instant is due.
func (ev *evaluation) cap(d *dated, o Obligation, l *Limit) {
	at, what, ok := ev.anchor(o, l.Anchor, nil)
	if !ok {
		d.say("and no later than %s after %s, which is not known yet", l.span.describe(), what)
		return
	}
	limit := l.span.add(at)
	switch {
	case !d.ok:
		d.say("and in any case no later than %s after %s: %s", l.span.describe(), what, stamp(limit))
	case limit.Before(d.due):
		d.say("capped at %s after %s (%s), which comes first: due %s", l.span.describe(), what, stamp(at), stamp(limit))
		d.due, d.start = limit, at
	default:
		d.say("before the cap of %s after %s (%s), which comes later", l.span.describe(), what, stamp(limit))
	}
}

// businessDays counts whole business days after the anchor's day on the
// obligation's calendar, due at the end of the last.
func (ev *evaluation) businessDays(o Obligation, ph Phase, at time.Time, what string) dated {
	var d dated
	rc := ev.calendarFor(o)
	local := at.In(rc.loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 12, 0, 0, 0, rc.loc) // noon: clear of DST shifts
	n := ph.span.bdays
	count := 0
	b1 := slices.ContainsFunc(ph.Rules, func(r Rule) bool { return r.Name == RuleEventOnHolidayStartsNextBusinessDay })
	var skipped []string
	d.say("%s after %s (%s, %s) on %s", ph.span.describe(), what, stamp(at), local.Format("Mon 2 Jan 2006 15:04 MST"), rc.name)
	if b1 && !rc.cal.IsBusinessDay(day) {
		first := calendar.NextBusinessDay(rc.cal, day)
		d.say("it fell on %s, not a business day, so the count began on and included %s (Form 8-K General Instruction B.1)",
			day.Format("Mon 2 Jan"), first.Format("Mon 2 Jan"))
		day, count = first, 1
	}
	for count < n {
		day = day.AddDate(0, 0, 1)
		if rc.cal.IsBusinessDay(day) {
			count++
		} else if h, ok := rc.cal.(interface {
			Holiday(time.Time) (string, bool)
		}); ok {
			if name, ok := h.Holiday(day); ok {
				skipped = append(skipped, fmt.Sprintf("%s (%s)", name, day.Format("Mon 2 Jan")))
			}
		}
	}
	if len(skipped) > 0 {
		d.say("skipping %s", strings.Join(skipped, ", "))
	}
	end := time.Date(day.Year(), day.Month(), day.Day(), 23, 59, 59, 0, rc.loc)
	d.say("due at the end of %s (%s)", day.Format("Mon 2 Jan 2006"), rc.loc)
	d.due, d.start, d.ok = end, at, true
	return d
}

// noon applies DORA's rule: a deadline on a weekend day or holiday moves
// to 12:00 of the next working day in the entity's member state.
func (ev *evaluation) noon(d *dated, o Obligation, r Rule) {
	if !d.ok {
		return
	}
	kinds := profile(ev.org)
	if anyIn(r.UnlessEntityTypes, kinds) {
		d.say("the next-working-day-noon rule (RTS 2025/301 Art. 5(4)) is not available to %s (Art. 5(5))", strings.Join(matching(r.UnlessEntityTypes, kinds), ", "))
		return
	}
	rc := ev.calendarFor(o)
	local := d.due.In(rc.loc)
	if rc.cal.IsBusinessDay(local) {
		return
	}
	next := calendar.NextBusinessDay(rc.cal, local)
	moved := time.Date(next.Year(), next.Month(), next.Day(), 12, 0, 0, 0, rc.loc)
	d.say("%s is not a working day on %s, so it moves to 12:00 on %s (%s) (RTS 2025/301 Art. 5(4))",
		local.Format("Mon 2 Jan 15:04 MST"), rc.name, next.Format("Mon 2 Jan"), stamp(moved))
	d.due = moved
}

func matching(want, have []string) []string {
	var out []string
	for _, w := range want {
		if anyIn([]string{w}, have) {
			out = append(out, w)
		}
	}
	return out
}

// resolved is the calendar business days count on, with its zone and how
// it was chosen.
type resolved struct {
	cal  calendar.Calendar
	loc  *time.Location
	name string
}

// calendarFor picks an obligation's holiday calendar: the one the
// organisation names for its region (or the region above: US for US-VT,
// EU for EEA), else the catalog's holiday_calendar, else the calendar of
// the first country of establishment in the region, else Monday to Friday
// in UTC.
func (ev *evaluation) calendarFor(o Obligation) resolved {
	named := map[string]string{}
	for k, v := range ev.org.Calendars {
		named[normRegion(k)] = v
	}
	keys := []string{normRegion(o.Region)}
	if country, _, ok := strings.Cut(keys[0], "-"); ok {
		keys = append(keys, country)
	}
	switch keys[0] {
	case "EU":
		keys = append(keys, "EEA")
	case "EEA":
		keys = append(keys, "EU")
	}
	for _, k := range keys {
		if code, ok := named[k]; ok {
			if h, ok := calendar.Lookup(code); ok {
				return resolved{h, h.Location(), fmt.Sprintf("the %s calendar (%s) named for %s", h.Code(), h.Name(), k)}
			}
		}
	}
	if h, ok := calendar.Lookup(o.HolidayCalendar); ok {
		return resolved{h, h.Location(), fmt.Sprintf("the %s calendar (%s)", h.Code(), h.Name())}
	}
	for _, c := range ev.org.Countries {
		if !within(c, o.Region) {
			continue
		}
		country, _, _ := strings.Cut(normRegion(c), "-")
		for _, code := range []string{c, country} {
			if h, ok := calendar.Lookup(code); ok {
				return resolved{h, h.Location(), fmt.Sprintf("the %s calendar (%s) of the country of establishment", h.Code(), h.Name())}
			}
		}
	}
	return resolved{calendar.Weekdays{}, time.UTC, fmt.Sprintf("Monday to Friday in UTC (no holiday calendar for %s: name one in the organisation profile)", o.Region)}
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Kinds lists the deadline kinds.
func Kinds() []DeadlineKind { return slices.Clone(kinds) }

// RuleNames lists the special rules the evaluation knows.
func RuleNames() []RuleName { return slices.Clone(ruleNames) }
