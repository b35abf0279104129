package comms

import (
	"cmp"
	"fmt"
	"regexp"
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

// Evaluate dates every phase of every obligation that applies, or may
// apply, to org and f, at now. It is pure: the same arguments give the
// same items.
//
// Clocks run in the jurisdiction's time zone (see calendarFor): calendar
// hours are exact instants (nights, weekends and holidays count); a period
// of calendar days or months does not count the day of its anchor and ends
// with the last second (23:59:59) of its last day there, or at the phase's
// filing cut-off ("17:30"); business and working days count whole days on
// the jurisdiction's holiday calendar, the anchor's day not counted, and
// end the same way. A calendar anchor (calendar_year_end) is taken in the
// same zone. Qualitative duties have no due instant unless org.Targets
// sets an internal target. A phase whose anchor has not happened (not in
// the facts, or the report it runs from not submitted) has no due instant
// and is pending, unless an also_no_later_than limit is known: that outer
// bound is then due. org.Margin adds an internal due instant beside the
// legal one.
//
// Applicability: a duty whose conditions need a fact that is unknown is
// possible, with the questions that decide it. Status: submitted or waived
// by the latest record of the phase; else not_in_force for an obligation
// proposed or not yet applicable; else overdue after the due instant,
// due_soon within the due-soon window, else pending. Items come earliest
// due first, undated ones last, each group in catalog order.
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
		oj := o.AppliesWhen.judge(org, f)
		if oj.v == fails {
			continue
		}
		for _, ph := range o.Phases {
			j := ph.AppliesWhen.judge(org, f)
			j.and(oj.v, oj.qs...)
			if j.v == fails {
				continue
			}
			it := ev.item(o, ph, now)
			if j.v == mayHold {
				it.Applicability, it.Questions = Possible, j.qs
			}
			items = append(items, it)
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
		Basis: o.Regulation, Anchor: ph.Anchor, Deadline: ph.Deadline, DeadlineText: deadlineText(o, ph),
		Verified: o.Verified, LegalStatus: string(o.Status), Jurisdiction: o.Jurisdiction, Notes: ph.Notes,
		Applicability: Applies,
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
	rc := ev.calendarFor(o)
	if at, _, ok := ev.anchor(o, ph.Anchor, ph.AnchorPhases, rc.loc); ok {
		it.AnchorAt = &at
	}
	d := ev.date(o, ph, rc)
	if d.ok {
		due := d.due.UTC()
		it.DueAt = &due
		if m := time.Duration(ev.org.Margin); m > 0 && ph.DeadlineKind != Qualitative {
			internal := due.Add(-m)
			it.InternalDueAt = &internal
			it.InternalDueNote = fmt.Sprintf("internal: %s before the legal deadline (the organisation's margin); the legal due instant is due_at", m)
		}
	}
	inForce, from := inForce(o, now, rc.loc)
	if !inForce {
		d.say("not yet in force (%s): dated for planning, not reminded", from)
	}
	it.Explanation = strings.Join(d.why, "; ")
	it.Status = Pending
	if r, ok := ev.records[o.ID+"/"+ph.Name]; ok {
		rec := r
		it.Record = &rec
		it.Status = ItemStatus(r.Kind)
		if r.Kind == RecordSubmitted {
			it.Flags = ev.flags(o, ph, r, d)
		}
		return it
	}
	if !inForce {
		it.Status, it.InForceFrom = NotInForce, from
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

// flags remarks on a submission: after its due instant, or before the
// report it follows (a phase anchored on another's submission).
func (ev *evaluation) flags(o Obligation, ph Phase, r Record, d dated) []Flag {
	var out []Flag
	if d.ok && r.At.After(d.due) {
		out = append(out, Flag{Code: FlagLate, Message: fmt.Sprintf("submitted %s, %s after its due instant %s",
			stamp(r.At), r.At.Sub(d.due).Round(time.Minute), stamp(d.due))})
	}
	if len(ph.AnchorPhases) > 0 {
		before := false
		for _, ref := range ph.AnchorPhases {
			if t, ok := ev.submitted[phaseKey(o, ref)]; ok && !t.After(r.At) {
				before = true
			}
		}
		if !before {
			out = append(out, Flag{Code: FlagOutOfOrder, Message: fmt.Sprintf("submitted %s, before %s, which it follows",
				stamp(r.At), strings.Join(ph.AnchorPhases, " or "))})
		}
	}
	return out
}

// phaseKey is "id/phase" for a phase reference, which may name a phase of
// o ("initial_notification") or of another obligation.
func phaseKey(o Obligation, ref string) string {
	if strings.Contains(ref, "/") {
		return ref
	}
	return o.ID + "/" + ref
}

// appliesFromDate is the date an applies_from note starts with.
var appliesFromDate = regexp.MustCompile(`^\s*(\d{4}-\d{2}-\d{2})\b`)

// inForce says whether an obligation applies at now: a proposed one does
// not; one enacted but not yet applicable, or in force from a later date
// (applies_from starting with YYYY-MM-DD, in the jurisdiction's zone),
// not before that date. from says when, as the catalog states it.
func inForce(o Obligation, now time.Time, loc *time.Location) (bool, string) {
	var from time.Time
	if m := appliesFromDate.FindStringSubmatch(o.AppliesFrom); m != nil {
		from, _ = time.ParseInLocation(time.DateOnly, m[1], loc)
	}
	switch o.Status {
	case Proposed:
		return false, cmp.Or(o.AppliesFrom, "proposed")
	case EnactedNotYetLive:
		if from.IsZero() || now.Before(from) {
			return false, cmp.Or(o.AppliesFrom, "enacted, not yet applicable")
		}
		return true, ""
	}
	if !from.IsZero() && now.Before(from) {
		return false, o.AppliesFrom
	}
	return true, ""
}

// deadlineText is a phase's deadline as the source words it: the phase's
// own text, the obligation's when it has one phase, else the phase's
// period written out.
func deadlineText(o Obligation, ph Phase) string {
	switch {
	case ph.DeadlineText != "":
		return ph.DeadlineText
	case len(o.Phases) == 1 && o.DeadlineText != "":
		return o.DeadlineText
	case ph.DeadlineKind == Qualitative && ph.Anchor == "":
		return "no fixed period: on request, or as things change"
	}
	from := strings.ReplaceAll(ph.Anchor, "_", " ")
	if len(ph.AnchorPhases) > 0 {
		from = "the submission of " + strings.Join(ph.AnchorPhases, " or ")
	}
	if ph.DeadlineKind == Qualitative {
		return "no fixed period after " + from
	}
	text := fmt.Sprintf("within %s of %s", ph.span.describe(), from)
	if l := ph.AlsoNoLaterThan; l != nil {
		text += fmt.Sprintf(", and no later than %s after %s", l.span.describe(), strings.ReplaceAll(l.Anchor, "_", " "))
	}
	if ph.Cutoff != "" {
		text += ", by " + ph.Cutoff + " local time on the last day"
	}
	return text
}

// date works out a phase's due instant on rc.
func (ev *evaluation) date(o Obligation, ph Phase, rc resolved) dated {
	var d dated
	at, what, ok := ev.anchor(o, ph.Anchor, ph.AnchorPhases, rc.loc)
	switch {
	case ph.DeadlineKind == Qualitative:
		return ev.target(o, ph, rc)
	case !ok:
		d.say("%s after %s, which has not happened yet", ph.span.describe(), what)
	case ph.DeadlineKind == BusinessDays:
		d = ev.businessDays(ph, at, what, rc)
	case ph.DeadlineKind == CalendarHours:
		d.due, d.start, d.ok = ph.span.add(at, rc.loc, 0), at, true
		d.say("%s after %s (%s); nights, weekends and holidays count", ph.span.describe(), what, stamp(at))
	default:
		d.due, d.start, d.ok = ph.span.add(at, rc.loc, ph.cutoff), at, true
		local := at.In(rc.loc)
		d.say("%s after %s (%s, %s in %s): the day it happened is not counted and the period ends with its last day, %s (Regulation (EEC, Euratom) No 1182/71 Art. 3; the same rule in national law)",
			ph.span.describe(), what, stamp(at), local.Format("Mon 2 Jan 2006 15:04 MST"), rc.loc, d.due.In(rc.loc).Format("Mon 2 Jan 2006"))
		if ph.DeadlineKind == CalendarMonth {
			d.say("a day the last month lacks ends on its last day")
		}
		d.say("%s", ending(d.due, rc, ph))
	}
	if l := ph.AlsoNoLaterThan; l != nil {
		ev.cap(&d, o, l, rc)
	}
	for _, r := range ph.Rules {
		if r.Name == RuleHolidayDeadlineMovesToNoon {
			ev.noon(&d, r, rc)
		}
	}
	return d
}

// ending says when the last day ends: at the cut-off, or its last second.
func ending(due time.Time, rc resolved, ph Phase) string {
	local := due.In(rc.loc)
	if ph.cutoff > 0 {
		return fmt.Sprintf("due at the filing cut-off, %s on %s (%s): later the same day counts as the next business day", ph.Cutoff, local.Format("Mon 2 Jan 2006 MST"), stamp(due))
	}
	return fmt.Sprintf("due at the end of %s (23:59:59 %s, %s)", local.Format("Mon 2 Jan 2006"), local.Format("MST"), stamp(due))
}

// target dates a qualitative phase by the organisation's internal target.
func (ev *evaluation) target(o Obligation, ph Phase, rc resolved) dated {
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
	at, what, ok := ev.anchor(o, name, phases, rc.loc)
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
// discovered, whose year is read in loc (a discovery at 19:30 EST on 31
// December is in that year, though it is 1 January in UTC). what names it
// for explanations.
func (ev *evaluation) anchor(o Obligation, name string, phases []string, loc *time.Location) (time.Time, string, bool) {
	if len(phases) > 0 {
		var latest time.Time
		var from string
		for _, ref := range phases {
			if t, ok := ev.submitted[phaseKey(o, ref)]; ok && t.After(latest) {
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
			y := t.In(loc).Year()
			return time.Date(y, time.December, 31, 23, 59, 59, 0, loc),
				fmt.Sprintf("the end of %d, the year discovered (31 December in %s)", y, loc), true
		}
		return time.Time{}, "the end of the year discovered", false
	}
	return time.Time{}, name, false
}

// cap applies an also_no_later_than limit: the earlier instant is due.
// When the phase's own anchor has not happened, the limit is the outer
// bound and is due (DORA before classification: 24 hours from aware).
func (ev *evaluation) cap(d *dated, o Obligation, l *Limit, rc resolved) {
	at, what, ok := ev.anchor(o, l.Anchor, nil, rc.loc)
	if !ok {
		d.say("and no later than %s after %s, which is not known yet", l.span.describe(), what)
		return
	}
	limit := l.span.add(at, rc.loc, 0)
	switch {
	case !d.ok:
		d.say("so the outer bound is due: no later than %s after %s (%s): %s", l.span.describe(), what, stamp(at), stamp(limit))
		d.due, d.start, d.ok = limit, at, true
	case limit.Before(d.due):
		d.say("capped at %s after %s (%s), which comes first: due %s", l.span.describe(), what, stamp(at), stamp(limit))
		d.due, d.start = limit, at
	default:
		d.say("before the cap of %s after %s (%s), which comes later", l.span.describe(), what, stamp(limit))
	}
}

// businessDays counts whole business days after the anchor's day on the
// obligation's calendar, due at the end of the last.
func (ev *evaluation) businessDays(ph Phase, at time.Time, what string, rc resolved) dated {
	var d dated
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
	d.due, d.start, d.ok = endOf(day, ph.cutoff), at, true
	d.say("%s", ending(d.due, rc, ph))
	return d
}

// noon applies DORA's rule: a deadline on a weekend day or holiday moves
// to 12:00 of the next working day in the entity's member state.
func (ev *evaluation) noon(d *dated, r Rule, rc resolved) {
	if !d.ok {
		return
	}
	kinds := profile(ev.org)
	if anyIn(r.UnlessEntityTypes, kinds) {
		d.say("the next-working-day-noon rule (RTS 2025/301 Art. 5(4)) is not available to %s (Art. 5(5))", strings.Join(matching(r.UnlessEntityTypes, kinds), ", "))
		return
	}
	local := d.due.In(rc.loc)
	if rc.cal.IsBusinessDay(local) {
		d.say("%s is a working day on %s", local.Format("Mon 2 Jan 15:04 MST"), rc.name)
		return
	}
	next := calendar.NextBusinessDay(rc.cal, local)
	moved := time.Date(next.Year(), next.Month(), next.Day(), 12, 0, 0, 0, rc.loc)
	why := "not a working day"
	if h, ok := rc.cal.(interface {
		Holiday(time.Time) (string, bool)
	}); ok {
		if name, ok := h.Holiday(local); ok {
			why = "a holiday (" + name + ")"
		}
	}
	d.say("%s is %s on %s, so it moves to 12:00 on %s (%s) (RTS 2025/301 Art. 5(4))",
		local.Format("Mon 2 Jan 15:04 MST"), why, rc.name, next.Format("Mon 2 Jan"), stamp(moved))
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

// resolved is the calendar business days count on and the time zone the
// jurisdiction's days begin and end in, with how they were chosen.
type resolved struct {
	cal  calendar.Calendar
	loc  *time.Location
	name string
}

// calendarFor picks an obligation's holiday calendar: the one the
// organisation names for its region (or the region above: US for US-VT,
// EU for EEA), else the catalog's holiday_calendar, else the calendar of
// the first country of establishment in the region, else the region's
// own (US for US-TX). The time zone is the region's own when it has one
// (US-TX: America/Chicago, whichever calendar counts), else the
// calendar's. An EU or EEA obligation with no member state to go by counts
// Monday to Friday in Brussels time; a GLOBAL one in UTC.
func (ev *evaluation) calendarFor(o Obligation) resolved {
	rc := ev.holidaysFor(o)
	if z, ok := calendar.Zone(o.Region); ok {
		rc.loc = z
	}
	return rc
}

func (ev *evaluation) holidaysFor(o Obligation) resolved {
	named := map[string]string{}
	for k, v := range ev.org.Calendars {
		named[normRegion(k)] = v
	}
	region := normRegion(o.Region)
	keys := []string{region}
	if country, _, ok := strings.Cut(region, "-"); ok {
		keys = append(keys, country)
	}
	switch region {
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
	country, _, _ := strings.Cut(region, "-")
	for _, code := range []string{region, country} {
		if h, ok := calendar.Lookup(code); ok {
			return resolved{h, h.Location(), fmt.Sprintf("the %s calendar (%s)", h.Code(), h.Name())}
		}
	}
	if region == "EU" || region == "EEA" {
		return resolved{calendar.Weekdays{}, brussels,
			fmt.Sprintf("Monday to Friday in Brussels time (no member state named for %s: name one in the organisation profile, calendars: {%s: FI})", region, region)}
	}
	return resolved{calendar.Weekdays{}, time.UTC, fmt.Sprintf("Monday to Friday in UTC (no holiday calendar for %s: name one in the organisation profile)", o.Region)}
}

// brussels is where the EU institutions keep their days.
var brussels = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		panic(err) // time/tzdata is linked in by package calendar
	}
	return loc
}()

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Kinds lists the deadline kinds.
func Kinds() []DeadlineKind { return slices.Clone(kinds) }

// RuleNames lists the special rules the evaluation knows.
func RuleNames() []RuleName { return slices.Clone(ruleNames) }
