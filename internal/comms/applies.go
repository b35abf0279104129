package comms

import (
	"math"
	"slices"
	"strings"
)

// Condition is when an obligation (or one phase) applies. Every field set
// must hold; AnyOf holds when one of its conditions does.
//
// What is unknown is read in the duty's favour, so a duty shows until the
// facts rule it out: an organisation naming no roles is a controller; a
// territory condition holds when neither the profile's countries nor the
// facts' jurisdictions are known, and residence falls back to the countries
// of establishment; a threshold on a count not yet known holds.
type Condition struct {
	// PersonalData must equal the facts' personal_data.
	PersonalData *bool `yaml:"personal_data,omitempty" json:"personal_data,omitempty"`
	// Roles, EntityTypes and Sectors: the organisation names one of them
	// among its roles, entity types or sectors (see profile).
	Roles       []string `yaml:"roles,omitempty" json:"roles,omitempty"`
	EntityTypes []string `yaml:"entity_types,omitempty" json:"entity_types,omitempty"`
	Sectors     []string `yaml:"sectors,omitempty" json:"sectors,omitempty"`
	// NotEntityTypes: the organisation names none of them.
	NotEntityTypes []string `yaml:"not_entity_types,omitempty" json:"not_entity_types,omitempty"`
	// DataTypes: the facts name one of them (unsecured_PHI, payment_card…).
	DataTypes []string `yaml:"data_types,omitempty" json:"data_types,omitempty"`
	// EstablishedIn: a country of establishment lies in one of these
	// regions (or contains one: "US" meets "US-CA").
	EstablishedIn []string `yaml:"established_in,omitempty" json:"established_in,omitempty"`
	// ResidentsIn: people affected live in one of these regions.
	ResidentsIn []string `yaml:"residents_in,omitempty" json:"residents_in,omitempty"`
	// Territory: EstablishedIn or ResidentsIn, either one.
	Territory []string `yaml:"territory,omitempty" json:"territory,omitempty"`
	// Affected compares the number of people affected.
	Affected *Threshold  `yaml:"affected,omitempty" json:"affected,omitempty"`
	AnyOf    []Condition `yaml:"any_of,omitempty" json:"any_of,omitempty"`
}

// Threshold compares a count of affected people: of all of them, or of
// those living in In; with EachJurisdiction, the largest count of any one
// jurisdiction within In ("more than 500 residents of a State").
type Threshold struct {
	In               string `yaml:"in,omitempty" json:"in,omitempty"`
	EachJurisdiction bool   `yaml:"each_jurisdiction,omitempty" json:"each_jurisdiction,omitempty"`
	Gt               *int   `yaml:"gt,omitempty" json:"gt,omitempty"`
	Gte              *int   `yaml:"gte,omitempty" json:"gte,omitempty"`
	Lt               *int   `yaml:"lt,omitempty" json:"lt,omitempty"`
	Lte              *int   `yaml:"lte,omitempty" json:"lte,omitempty"`
}

// holds reports whether c holds for org and f; nil holds.
func (c *Condition) holds(org Organization, f Facts) bool {
	if c == nil {
		return true
	}
	kinds := profile(org)
	switch {
	case c.PersonalData != nil && *c.PersonalData != f.PersonalData,
		len(c.Roles) > 0 && !anyIn(c.Roles, kinds),
		len(c.EntityTypes) > 0 && !anyIn(c.EntityTypes, kinds),
		len(c.Sectors) > 0 && !anyIn(c.Sectors, kinds),
		anyIn(c.NotEntityTypes, kinds),
		len(c.DataTypes) > 0 && !anyIn(c.DataTypes, f.DataTypes),
		len(c.EstablishedIn) > 0 && !established(org, c.EstablishedIn),
		len(c.ResidentsIn) > 0 && !residents(org, f, c.ResidentsIn),
		len(c.Territory) > 0 && !territory(org, f, c.Territory),
		c.Affected != nil && !c.Affected.holds(f):
		return false
	}
	if len(c.AnyOf) == 0 {
		return true
	}
	for i := range c.AnyOf {
		if c.AnyOf[i].holds(org, f) {
			return true
		}
	}
	return false
}

// profile is everything the organisation says it is: its roles (a
// controller when it names none), entity types and sectors. Conditions on
// roles, entity types and sectors all match against it, since sources file
// the same classification under different words (DORA's
// financial_entity_in_DORA_scope is a "sector" there, an entity type here;
// the CRA's manufacturer a "role").
func profile(org Organization) []string {
	roles := org.Roles
	if len(roles) == 0 {
		roles = []string{"controller"}
	}
	out := slices.Concat(roles, org.EntityTypes, org.Sectors)
	return out
}

func anyIn(want, have []string) bool {
	for _, w := range want {
		for _, h := range have {
			if strings.EqualFold(w, h) {
				return true
			}
		}
	}
	return false
}

// established: a country of establishment meets a region; unknown
// (no countries) holds.
func established(org Organization, regions []string) bool {
	if len(org.Countries) == 0 {
		return true
	}
	return meetsAny(org.Countries, regions)
}

// residents: the facts name people affected in a region; without
// jurisdictions in the facts, the countries of establishment stand in.
func residents(org Organization, f Facts, regions []string) bool {
	if len(f.AffectedByJurisdiction) == 0 {
		return established(org, regions)
	}
	for code, n := range f.AffectedByJurisdiction {
		if n > 0 && meetsAny([]string{code}, regions) {
			return true
		}
	}
	return false
}

// territory: established there, or people affected live there; holds when
// neither is known.
func territory(org Organization, f Facts, regions []string) bool {
	if len(org.Countries) == 0 && len(f.AffectedByJurisdiction) == 0 {
		return true
	}
	if len(org.Countries) > 0 && meetsAny(org.Countries, regions) {
		return true
	}
	for code, n := range f.AffectedByJurisdiction {
		if n > 0 && meetsAny([]string{code}, regions) {
			return true
		}
	}
	return false
}

func meetsAny(codes, regions []string) bool {
	for _, c := range codes {
		for _, r := range regions {
			if overlaps(c, r) {
				return true
			}
		}
	}
	return false
}

// holds compares the count, which is known within bounds: below what the
// facts say for sure and above what they leave open. A comparison holds if
// the count may satisfy it.
func (t *Threshold) holds(f Facts) bool {
	lo, hi := t.bounds(f)
	switch {
	case t.Gt != nil && !(hi > float64(*t.Gt)),
		t.Gte != nil && !(hi >= float64(*t.Gte)),
		t.Lt != nil && !(lo < float64(*t.Lt)),
		t.Lte != nil && !(lo <= float64(*t.Lte)):
		return false
	}
	return true
}

func (t *Threshold) bounds(f Facts) (lo, hi float64) {
	total := math.Inf(1)
	if f.AffectedIndividuals != nil {
		total = float64(*f.AffectedIndividuals)
	}
	if t.In == "" {
		if f.AffectedIndividuals != nil {
			return total, total
		}
		if len(f.AffectedByJurisdiction) == 0 {
			return 0, total
		}
		sum := 0.0
		for _, n := range f.AffectedByJurisdiction {
			sum += float64(n)
		}
		return sum, sum
	}
	if len(f.AffectedByJurisdiction) == 0 {
		return 0, total
	}
	// Counts of jurisdictions inside In are certain; a broader one ("US"
	// for "US-CA") may hold any part of its count.
	var known, open float64
	for code, n := range f.AffectedByJurisdiction {
		v := float64(n)
		switch {
		case within(code, t.In):
			if t.EachJurisdiction {
				known = max(known, v)
			} else {
				known += v
			}
		case within(t.In, code):
			if t.EachJurisdiction {
				open = max(open, v)
			} else {
				open += v
			}
		}
	}
	if t.EachJurisdiction {
		return known, max(known, open)
	}
	return known, known + open
}

var (
	euMembers = []string{"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
		"LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
	eeaOnly = []string{"IS", "LI", "NO"}
)

// normRegion writes a region code the one way: upper case, "UK" as "GB",
// "EL" as "GR".
func normRegion(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	switch country, sub, _ := strings.Cut(s, "-"); country {
	case "UK":
		s = strings.TrimSuffix("GB-"+sub, "-")
	case "EL":
		s = strings.TrimSuffix("GR-"+sub, "-")
	}
	return s
}

// within reports whether code lies in region: the same code, a subdivision
// of it ("US-CA" in "US"), a member state in "EU" or "EEA", "EU" in "EEA",
// anything in "GLOBAL".
func within(code, region string) bool {
	code, region = normRegion(code), normRegion(region)
	if region == "GLOBAL" || code == region {
		return true
	}
	if strings.HasPrefix(code, region+"-") {
		return true
	}
	country, _, _ := strings.Cut(code, "-")
	switch region {
	case "EU":
		return slices.Contains(euMembers, country)
	case "EEA":
		return code == "EU" || slices.Contains(euMembers, country) || slices.Contains(eeaOnly, country)
	}
	return false
}

// overlaps: one of the codes lies in the other.
func overlaps(a, b string) bool { return within(a, b) || within(b, a) }
