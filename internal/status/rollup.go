package status

import (
	"time"
)

// Indicator is the page's overall status: Statuspage's indicator (none,
// minor, major, critical, maintenance) and its description.
type Indicator struct {
	Indicator   string `json:"indicator"`
	Description string `json:"description"`
}

// The descriptions Statuspage shows at the top of a page.
const (
	AllOperational     = "All Systems Operational"
	MajorSystemOutage  = "Major System Outage"
	PartialSysOutage   = "Partial System Outage"
	MinorServiceOutage = "Minor Service Outage"
	DegradedSystem     = "Degraded System Service"
	PartiallyDegraded  = "Partially Degraded Service"
	UnderMaintenance   = "Service Under Maintenance"
)

var indicatorRank = map[string]int{"none": 0, "maintenance": 1, "minor": 2, "major": 3, "critical": 4}

// Rollup computes the page's indicator the way Statuspage does:
//
//   - from the components: any major outage is critical ("Major System
//     Outage") when every component has one, else major ("Partial System
//     Outage"); any partial outage is major ("Partial System Outage") when
//     every component has one, else minor ("Minor Service Outage"); any
//     degraded performance is minor ("Degraded System Service" when all,
//     "Partially Degraded Service" when some); any maintenance is
//     maintenance ("Service Under Maintenance"); else none ("All Systems
//     Operational");
//   - an unresolved incident whose impact is worse raises it: minor to
//     "Minor Service Outage", major to "Partial System Outage", critical to
//     "Major System Outage"; a maintenance in progress to maintenance.
func Rollup(comps []Component, incidents []Incident, now time.Time) Indicator {
	count := map[State]int{}
	for _, c := range comps {
		count[c.State]++
	}
	all := func(s State) bool { return count[s] == len(comps) }
	out := Indicator{"none", AllOperational}
	switch {
	case count[MajorOutage] > 0 && all(MajorOutage):
		out = Indicator{"critical", MajorSystemOutage}
	case count[MajorOutage] > 0:
		out = Indicator{"major", PartialSysOutage}
	case count[PartialOutage] > 0 && all(PartialOutage):
		out = Indicator{"major", PartialSysOutage}
	case count[PartialOutage] > 0:
		out = Indicator{"minor", MinorServiceOutage}
	case count[Degraded] > 0 && all(Degraded):
		out = Indicator{"minor", DegradedSystem}
	case count[Degraded] > 0:
		out = Indicator{"minor", PartiallyDegraded}
	case count[Maintenance] > 0:
		out = Indicator{"maintenance", UnderMaintenance}
	}
	for _, inc := range incidents {
		if !inc.Active() || inc.Hidden {
			continue
		}
		var from Indicator
		switch {
		case inc.Kind == KindMaintenance:
			if inc.Status != InProgress && inc.Status != Verifying {
				continue // not started yet
			}
			from = Indicator{"maintenance", UnderMaintenance}
		case inc.Impact == ImpactMinor:
			from = Indicator{"minor", MinorServiceOutage}
		case inc.Impact == ImpactMajor:
			from = Indicator{"major", PartialSysOutage}
		case inc.Impact == ImpactCritical:
			from = Indicator{"critical", MajorSystemOutage}
		default:
			continue
		}
		if indicatorRank[from.Indicator] > indicatorRank[out.Indicator] {
			out = from
		}
	}
	return out
}

// Day is one day of a component's history: the worst state it was in.
type Day struct {
	Date   time.Time // local midnight
	Worst  State
	NoData bool // the component did not exist yet
}

// History returns the last days days of c, today last, in loc: each day
// the worst state c was in at any moment of it. changes are c's state
// changes since at least the first day's start, oldest first; the state
// at that start is the first one's Old (or c's state when none changed).
func History(c Component, changes []Change, now time.Time, days int, loc *time.Location) []Day {
	n := now.In(loc)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc)
	first := today.AddDate(0, 0, -(days - 1))
	state := c.State
	i := 0
	for i < len(changes) && changes[i].At.Before(first) {
		state = changes[i].New
		i++
	}
	if i < len(changes) {
		state = changes[i].Old
	}
	out := make([]Day, 0, days)
	for d := range days {
		start := first.AddDate(0, 0, d)
		end := start.AddDate(0, 0, 1)
		day := Day{Date: start, Worst: state}
		if !c.CreatedAt.Before(end) || start.After(now) {
			day.NoData = true
		}
		for i < len(changes) && changes[i].At.Before(end) {
			day.Worst = Worst(day.Worst, changes[i].New)
			state = changes[i].New
			i++
		}
		out = append(out, day)
	}
	return out
}
