package oncall

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Schedule is an on-call schedule: layers of rotations in one time zone,
// and overrides above them. The package doc describes how they combine.
type Schedule struct {
	Name string `json:"name"`
	// TimeZone is an IANA zone name such as "Europe/Berlin"; hand-off and
	// restriction times are wall-clock times in it.
	TimeZone  string     `json:"time_zone"`
	Layers    []Layer    `json:"layers"`
	Overrides []Override `json:"overrides,omitempty"`
}

// Layer is one rotation. Later layers in Schedule.Layers sit above earlier
// ones.
type Layer struct {
	Name string `json:"name"`
	// Users in rotation order.
	Users []string `json:"users"`
	// Start's date in the schedule's zone is the day of the first hand-off.
	Start    time.Time `json:"start"`
	Rotation Rotation  `json:"rotation"`
	// HandoffTime is the local time of day of every hand-off, "HH:MM"; when
	// empty, Start's clock time in the schedule's zone.
	HandoffTime  string        `json:"handoff_time,omitempty"`
	Restrictions []Restriction `json:"restrictions,omitempty"`
}

// RotationKind is how often a layer hands off.
type RotationKind string

const (
	Daily  RotationKind = "daily"  // every Every days
	Weekly RotationKind = "weekly" // every Every weeks
	Custom RotationKind = "custom" // every Days days plus Hours hours
)

// Rotation is the hand-off period of a layer.
type Rotation struct {
	Kind RotationKind `json:"kind"`
	// Every is the number of days (Daily) or weeks (Weekly) between
	// hand-offs; 0 means 1.
	Every int `json:"every,omitempty"`
	// Days and Hours give a Custom rotation's length, in local wall-clock
	// time.
	Days  int `json:"days,omitempty"`
	Hours int `json:"hours,omitempty"`
}

// Restriction limits a layer to a local time-of-day window on some
// weekdays.
type Restriction struct {
	// Days the window applies to; every day when empty.
	Days []time.Weekday `json:"days,omitempty"`
	// From and To are local times "HH:MM", From before To; To may be
	// "24:00".
	From string `json:"from"`
	To   string `json:"to"`
}

// Override puts User on call from From until To, above every layer.
type Override struct {
	User string    `json:"user"`
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Shift is one stretch of the final schedule: User is on call from Start
// until End, through the named Layer, or through an override (Layer is
// then empty).
type Shift struct {
	User     string    `json:"user"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Layer    string    `json:"layer,omitempty"`
	Override bool      `json:"override,omitempty"`
}

// Validate returns nil or an *errs.Error with code Invalid whose Details
// list every problem, each with its position ("layers[1].handoff_time"):
//
//   - a missing name, a missing or unknown time zone, no layers;
//   - a layer without a name, or with the name of an earlier layer;
//   - a layer with no users, or an empty user name;
//   - a layer without a start;
//   - an unknown rotation kind, a negative Every, a custom rotation with no
//     positive length, or Days/Hours on a daily or weekly rotation;
//   - a hand-off time that is not "HH:MM" between 00:00 and 23:59;
//   - a restriction with an unknown weekday, a bad From or To, From not
//     before To, or overlapping another restriction of its layer on a
//     weekday;
//   - an override without a user or without From before To, or one that
//     overlaps an earlier override.
func (s Schedule) Validate() error {
	var v validator
	if strings.TrimSpace(s.Name) == "" {
		v.add("name", "is required")
	}
	if s.TimeZone == "" {
		v.add("time_zone", "is required")
	} else if _, err := location(s.TimeZone); err != nil {
		v.add("time_zone", "unknown time zone %q", s.TimeZone)
	}
	if len(s.Layers) == 0 {
		v.add("layers", "at least one layer is required")
	}
	names := map[string]int{}
	for i, l := range s.Layers {
		p := fmt.Sprintf("layers[%d]", i)
		if strings.TrimSpace(l.Name) == "" {
			v.add(p+".name", "is required")
		} else if j, ok := names[l.Name]; ok {
			v.add(p+".name", "%q is already the name of layers[%d]", l.Name, j)
		} else {
			names[l.Name] = i
		}
		if len(l.Users) == 0 {
			v.add(p+".users", "is empty: a layer needs at least one user")
		}
		for j, u := range l.Users {
			if strings.TrimSpace(u) == "" {
				v.add(fmt.Sprintf("%s.users[%d]", p, j), "is empty")
			}
		}
		if l.Start.IsZero() {
			v.add(p+".start", "is required")
		}
		l.Rotation.validate(&v, p+".rotation")
		if l.HandoffTime != "" {
			if _, ok := parseClock(l.HandoffTime, false); !ok {
				v.add(p+".handoff_time", "%q is not a time of day (HH:MM, 00:00 to 23:59)", l.HandoffTime)
			}
		}
		validateRestrictions(&v, p, l.Restrictions)
	}
	for i, o := range s.Overrides {
		p := fmt.Sprintf("overrides[%d]", i)
		if strings.TrimSpace(o.User) == "" {
			v.add(p+".user", "is required")
		}
		if !o.From.Before(o.To) {
			v.add(p, "from %s is not before to %s", stamp(o.From), stamp(o.To))
			continue
		}
		for j, q := range s.Overrides[:i] {
			if q.From.Before(q.To) && o.From.Before(q.To) && q.From.Before(o.To) {
				v.add(p, "%s to %s overlaps overrides[%d] (%s to %s)",
					stamp(o.From), stamp(o.To), j, stamp(q.From), stamp(q.To))
			}
		}
	}
	return v.err()
}

func (r Rotation) validate(v *validator, p string) {
	switch r.Kind {
	case Daily, Weekly:
		if r.Every < 0 {
			v.add(p+".every", "must be at least 1 (or 0 for 1), not %d", r.Every)
		}
		if r.Days != 0 || r.Hours != 0 {
			v.add(p, "days and hours are only for custom rotations; a %s rotation uses every", r.Kind)
		}
	case Custom:
		if r.Every != 0 {
			v.add(p+".every", "is not used by custom rotations; set days and hours")
		}
		if r.Days < 0 || r.Hours < 0 || r.Days*24+r.Hours <= 0 {
			v.add(p, "a custom rotation needs a positive length (days %d, hours %d)", r.Days, r.Hours)
		}
	default:
		v.add(p+".kind", "unknown rotation kind %q (want daily, weekly or custom)", r.Kind)
	}
}

func validateRestrictions(v *validator, p string, rs []Restriction) {
	type window struct{ from, to, idx int }
	var byDay [7][]window
	for i, r := range rs {
		rp := fmt.Sprintf("%s.restrictions[%d]", p, i)
		ok := true
		for j, d := range r.Days {
			if d < time.Sunday || d > time.Saturday {
				v.add(fmt.Sprintf("%s.days[%d]", rp, j), "unknown day %d (want 0 for Sunday to 6 for Saturday)", int(d))
				ok = false
			}
		}
		from, okF := parseClock(r.From, false)
		if !okF {
			v.add(rp+".from", "%q is not a time of day (HH:MM, 00:00 to 23:59)", r.From)
		}
		to, okT := parseClock(r.To, true)
		if !okT {
			v.add(rp+".to", "%q is not a time of day (HH:MM, 00:00 to 24:00)", r.To)
		}
		if okF && okT && from >= to {
			v.add(rp, "from %s is not before to %s (split a window that crosses midnight in two)", r.From, r.To)
			ok = false
		}
		if !ok || !okF || !okT {
			continue
		}
		for _, d := range restrictionDays(r) {
			for _, w := range byDay[d] {
				if from < w.to && w.from < to {
					v.add(rp, "overlaps restrictions[%d] on %s", w.idx, d)
				}
			}
			byDay[d] = append(byDay[d], window{from, to, i})
		}
	}
}

// restrictionDays returns r's weekdays, all seven when it names none, in
// order and without repeats.
func restrictionDays(r Restriction) []time.Weekday {
	var set [7]bool
	for _, d := range r.Days {
		if d >= time.Sunday && d <= time.Saturday {
			set[d] = true
		}
	}
	var out []time.Weekday
	for d := time.Sunday; d <= time.Saturday; d++ {
		if set[d] || len(r.Days) == 0 {
			out = append(out, d)
		}
	}
	return out
}

type validator struct{ ds []errs.Detail }

func (v *validator) add(field, format string, args ...any) {
	v.ds = append(v.ds, errs.Detail{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) err() error {
	if len(v.ds) == 0 {
		return nil
	}
	return &errs.Error{Code: errs.Invalid, Field: v.ds[0].Field, Message: v.ds[0].Message, Details: v.ds}
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// locations caches loaded zones: time.LoadLocation reads the zone database
// on every call.
var locations sync.Map // string → *time.Location

func location(name string) (*time.Location, error) {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location), nil
	}
	if name == "" || name == "Local" { // UTC and the machine's zone: neither is a zone name
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, l)
	return l, nil
}
