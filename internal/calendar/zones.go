package calendar

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// usZones is the time zone of each US state, the District of Columbia and
// the territories: the zone of the capital and most of the people (Texas
// is America/Chicago though El Paso keeps Mountain time; Florida
// America/New_York though the western panhandle keeps Central time).
var usZones = map[string]string{
	"AL": "America/Chicago", "AK": "America/Anchorage", "AZ": "America/Phoenix", "AR": "America/Chicago",
	"CA": "America/Los_Angeles", "CO": "America/Denver", "CT": "America/New_York", "DE": "America/New_York",
	"DC": "America/New_York", "FL": "America/New_York", "GA": "America/New_York", "HI": "Pacific/Honolulu",
	"ID": "America/Boise", "IL": "America/Chicago", "IN": "America/Indiana/Indianapolis", "IA": "America/Chicago",
	"KS": "America/Chicago", "KY": "America/New_York", "LA": "America/Chicago", "ME": "America/New_York",
	"MD": "America/New_York", "MA": "America/New_York", "MI": "America/Detroit", "MN": "America/Chicago",
	"MS": "America/Chicago", "MO": "America/Chicago", "MT": "America/Denver", "NE": "America/Chicago",
	"NV": "America/Los_Angeles", "NH": "America/New_York", "NJ": "America/New_York", "NM": "America/Denver",
	"NY": "America/New_York", "NC": "America/New_York", "ND": "America/Chicago", "OH": "America/New_York",
	"OK": "America/Chicago", "OR": "America/Los_Angeles", "PA": "America/New_York", "RI": "America/New_York",
	"SC": "America/New_York", "SD": "America/Chicago", "TN": "America/Chicago", "TX": "America/Chicago",
	"UT": "America/Denver", "VT": "America/New_York", "VA": "America/New_York", "WA": "America/Los_Angeles",
	"WV": "America/New_York", "WI": "America/Chicago", "WY": "America/Denver",
	"PR": "America/Puerto_Rico", "GU": "Pacific/Guam", "VI": "America/St_Thomas", "AS": "Pacific/Pago_Pago",
	"MP": "Pacific/Saipan",
}

// USStates lists the two-letter codes of the US states, DC and the
// territories ("CA", "TX", …), sorted.
func USStates() []string {
	return slices.Sorted(maps.Keys(usZones))
}

// Zone is the time zone a jurisdiction's days begin and end in: a US
// state's own (US-TX: America/Chicago), else the zone of its holiday
// calendar (DE: Europe/Berlin; AU-WA: Australia/Perth), else the
// calendar of its country. Unions (EU, EEA, GLOBAL) have none.
func Zone(region string) (*time.Location, bool) {
	region = strings.ToUpper(strings.TrimSpace(region))
	country, sub, _ := strings.Cut(region, "-")
	if country == "US" && sub != "" {
		if z, ok := usZones[sub]; ok {
			loc, err := time.LoadLocation(z)
			return loc, err == nil
		}
		return nil, false
	}
	if h, ok := Lookup(region); ok {
		return h.Location(), true
	}
	if h, ok := Lookup(country); ok && sub != "" {
		return h.Location(), true
	}
	return nil, false
}
