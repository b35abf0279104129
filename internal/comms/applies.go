package comms

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Condition is when an obligation (or one phase) applies. Every field set
// must hold; AnyOf holds when one of its conditions does.
//
// What is unknown is read in the duty's favour, so a duty shows until the
// facts rule it out: an organisation naming no roles is a controller; a
// condition on data types, establishment, residence or a count that the
// facts and the profile do not settle may hold, and the duty shows as
// possible with the question that decides it (see judge).
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

// verdict is what is known of a condition: it fails, it may hold (a fact
// it needs is unknown), or it holds.
type verdict int8

const (
	fails verdict = iota
	mayHold
	holdsFor
)

// judgement is a verdict with the questions that decide a mayHold.
type judgement struct {
	v  verdict
	qs []string
}

// and folds one more condition in: the weakest verdict wins; the
// questions of every unknown are kept.
func (j *judgement) and(v verdict, q ...string) {
	j.v = min(j.v, v)
	if v == mayHold {
		for _, x := range q {
			if !slices.Contains(j.qs, x) {
				j.qs = append(j.qs, x)
			}
		}
	}
}

// judge says whether c holds for org and f; nil holds. What is unknown —
// no data types, no countries of establishment, a breakdown of residence
// that does not cover everyone, a count not known within the threshold —
// makes the condition one that may hold, with the question that decides
// it.
func (c *Condition) judge(org Organization, f Facts) judgement {
	j := judgement{v: holdsFor}
	if c == nil {
		return j
	}
	kinds := profile(org)
	known := func(ok bool) verdict {
		if ok {
			return holdsFor
		}
		return fails
	}
	if c.PersonalData != nil {
		j.and(known(*c.PersonalData == f.PersonalData))
	}
	if len(c.Roles) > 0 {
		j.and(known(anyIn(c.Roles, kinds)))
	}
	if len(c.EntityTypes) > 0 {
		j.and(known(anyIn(c.EntityTypes, kinds)))
	}
	if len(c.Sectors) > 0 {
		j.and(known(anyIn(c.Sectors, kinds)))
	}
	if len(c.NotEntityTypes) > 0 {
		j.and(known(!anyIn(c.NotEntityTypes, kinds)))
	}
	if len(c.DataTypes) > 0 {
		if len(f.DataTypes) == 0 {
			j.and(mayHold, fmt.Sprintf("Does the incident involve %s?", orWords(c.DataTypes, DataTypeWords)))
		} else {
			j.and(known(anyIn(c.DataTypes, f.DataTypes)))
		}
	}
	if len(c.EstablishedIn) > 0 {
		j.and(established(org, c.EstablishedIn))
	}
	if len(c.ResidentsIn) > 0 {
		j.and(residents(f, c.ResidentsIn))
	}
	if len(c.Territory) > 0 {
		j.and(territory(org, f, c.Territory))
	}
	if c.Affected != nil {
		j.and(c.Affected.judge(f))
	}
	if j.v == fails || len(c.AnyOf) == 0 {
		return j
	}
	any := judgement{v: fails}
	for i := range c.AnyOf {
		sub := c.AnyOf[i].judge(org, f)
		if sub.v > any.v {
			any.v = sub.v
		}
		if sub.v == mayHold {
			any.qs = append(any.qs, sub.qs...)
		}
	}
	if any.v == holdsFor {
		any.qs = nil
	}
	j.and(any.v, any.qs...)
	return j
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

// established: a country of establishment meets a region; unknown (no
// countries in the profile) may.
func established(org Organization, regions []string) (verdict, string) {
	if len(org.Countries) == 0 {
		return mayHold, fmt.Sprintf("Is the organisation established in %s? (countries in the organisation profile)", orWords(regions, regionWords))
	}
	if meetsAny(org.Countries, regions) {
		return holdsFor, ""
	}
	return fails, ""
}

// residents: the facts name people affected in a region; unknown unless
// the breakdown by jurisdiction covers everyone affected (it adds up to
// affected_individuals).
func residents(f Facts, regions []string) (verdict, string) {
	sum := 0
	for code, n := range f.AffectedByJurisdiction {
		if n > 0 && meetsAny([]string{code}, regions) {
			return holdsFor, ""
		}
		sum += n
	}
	if f.AffectedIndividuals != nil && sum >= *f.AffectedIndividuals {
		return fails, ""
	}
	return mayHold, fmt.Sprintf("Are any affected people resident in %s?", orWords(regions, regionWords))
}

// territory: established there, or people affected live there.
func territory(org Organization, f Facts, regions []string) (verdict, string) {
	ev, eq := established(org, regions)
	if ev == holdsFor {
		return holdsFor, ""
	}
	rv, rq := residents(f, regions)
	switch {
	case rv == holdsFor:
		return holdsFor, ""
	case rv == mayHold:
		return mayHold, rq
	case ev == mayHold:
		return mayHold, eq
	}
	return fails, ""
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

// judge compares the count, which is known within bounds: at least what
// the facts say for sure, at most what they leave open. A comparison
// holds when every count within the bounds meets it, and may hold when
// some do.
func (t *Threshold) judge(f Facts) (verdict, string) {
	lo, hi := t.bounds(f)
	v := holdsFor
	cmpr := func(n *int, ok func(x float64) bool) {
		if n == nil {
			return
		}
		switch {
		case ok(lo) && ok(hi):
		case ok(lo) || ok(hi):
			v = min(v, mayHold)
		default:
			v = fails
		}
	}
	cmpr(t.Gt, func(x float64) bool { return x > float64(*t.Gt) })
	cmpr(t.Gte, func(x float64) bool { return x >= float64(*t.Gte) })
	cmpr(t.Lt, func(x float64) bool { return x < float64(*t.Lt) })
	cmpr(t.Lte, func(x float64) bool { return x <= float64(*t.Lte) })
	if v != mayHold {
		return v, ""
	}
	return v, t.question()
}

// question asks for the count a threshold needs.
func (t *Threshold) question() string {
	var parts []string
	if t.Gt != nil {
		parts = append(parts, fmt.Sprintf("more than %d", *t.Gt))
	}
	if t.Gte != nil {
		parts = append(parts, fmt.Sprintf("%d or more", *t.Gte))
	}
	if t.Lt != nil {
		parts = append(parts, fmt.Sprintf("fewer than %d", *t.Lt))
	}
	if t.Lte != nil {
		parts = append(parts, fmt.Sprintf("%d or fewer", *t.Lte))
	}
	who := "people affected"
	switch {
	case t.In != "" && t.EachJurisdiction:
		who = "people affected resident in any one state or jurisdiction of " + regionWords(t.In)
	case t.In != "":
		who = "people affected resident in " + regionWords(t.In)
	}
	return fmt.Sprintf("Are there %s %s? (affected_individuals and affected_by_jurisdiction)", strings.Join(parts, " and "), who)
}

// bounds are the least and the most the count may be. Without
// affected_individuals, a breakdown by jurisdiction is taken as partial:
// people not listed may live anywhere, in any number.
func (t *Threshold) bounds(f Facts) (lo, hi float64) {
	total, listed := math.Inf(1), 0.0
	for _, n := range f.AffectedByJurisdiction {
		listed += float64(n)
	}
	rest := math.Inf(1) // people affected that the breakdown does not place
	if f.AffectedIndividuals != nil {
		total = float64(*f.AffectedIndividuals)
		rest = max(0, total-listed)
	}
	if t.In == "" {
		if f.AffectedIndividuals != nil {
			return total, total
		}
		return listed, total
	}
	// Counts of jurisdictions inside In are certain; a broader one ("US"
	// for "US-CA", or In itself when each jurisdiction is counted) may hold
	// any part of its count, and so may the rest.
	var known, open float64
	for code, n := range f.AffectedByJurisdiction {
		v := float64(n)
		switch {
		case within(code, t.In) && !(t.EachJurisdiction && normRegion(code) == normRegion(t.In)):
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
		return known, min(total, max(known, open, rest))
	}
	return known, min(total, known+open+rest)
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
