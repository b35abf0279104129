package duties

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

// FactsInput is incident facts as people write them (API, CLI, UI):
// anchors as RFC 3339 text, checked before anything is stored.
type FactsInput struct {
	// Anchors map a clock anchor of the catalog to when it happened.
	Anchors map[string]string `json:"anchors,omitempty" doc:"Clock anchors (aware, discovered, determined, classified_major, …) to RFC 3339 times."`
	// PersonalData says whether personal data is involved.
	PersonalData bool     `json:"personal_data" doc:"Whether personal data is involved." required:"false"`
	DataTypes    []string `json:"data_types,omitempty" doc:"Such as unsecured_PHI, payment_card, credentials, special_category."`
	// AffectedIndividuals is how many people are affected, when known.
	AffectedIndividuals *int `json:"affected_individuals,omitempty" doc:"How many people are affected, when known."`
	// AffectedByJurisdiction such as {"US-CA": 600, "EU": 400}.
	AffectedByJurisdiction map[string]int `json:"affected_by_jurisdiction,omitempty" doc:"People affected per jurisdiction, such as {\"US-CA\": 600, \"EU\": 400}."`
	Notes                  string         `json:"notes,omitempty" doc:"Free notes."`
}

// InputOf writes facts back as input, for forms and edits.
func InputOf(f comms.Facts) FactsInput {
	in := FactsInput{PersonalData: f.PersonalData, DataTypes: slices.Clone(f.DataTypes), Notes: f.Notes,
		AffectedByJurisdiction: maps.Clone(f.AffectedByJurisdiction)}
	if f.AffectedIndividuals != nil {
		n := *f.AffectedIndividuals
		in.AffectedIndividuals = &n
	}
	if len(f.Anchors) > 0 {
		in.Anchors = map[string]string{}
		for k, t := range f.Anchors {
			in.Anchors[k] = t.UTC().Format(time.RFC3339Nano)
		}
	}
	return in
}

var (
	// token is a name from a vocabulary: a role, an entity type, a data type.
	token = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,63}$`)
	// jurisdiction is an ISO 3166 country ("DE"), a subdivision ("US-CA"),
	// or a union such as "EU" or "EEA".
	jurisdiction = regexp.MustCompile(`^[A-Z]{2,3}(-[A-Z0-9]{1,3})?$`)
)

const (
	maxNotes = 20000
	maxItems = 100
)

// problems collects every problem of an input, so one answer names them
// all.
type problems []errs.Detail

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, errs.Detail{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	e := errs.E(errs.Invalid, p[0].Field, "%s", p[0].Message)
	if len(p) > 1 {
		e.Details = p
	}
	return e
}

// Validate checks facts against the anchor vocabulary and turns them into
// the catalog's facts; every problem is named by its field
// ("anchors.foo", "affected_individuals", "affected_by_jurisdiction.US-CA").
func (in FactsInput) Validate(anchors []string) (comms.Facts, error) {
	var p problems
	f := comms.Facts{PersonalData: in.PersonalData, Notes: in.Notes}
	for _, k := range slices.Sorted(maps.Keys(in.Anchors)) {
		v := strings.TrimSpace(in.Anchors[k])
		field := "anchors." + k
		if !slices.Contains(anchors, k) {
			p.add(field, "unknown anchor %q; one of %s", k, strings.Join(anchors, ", "))
			continue
		}
		if v == "" {
			continue // unset
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			p.add(field, "%q is not an RFC 3339 time such as 2026-11-27T09:00:00Z", clip(v))
			continue
		}
		if f.Anchors == nil {
			f.Anchors = map[string]time.Time{}
		}
		f.Anchors[k] = t.UTC().Truncate(time.Microsecond)
	}
	if len(in.DataTypes) > maxItems {
		p.add("data_types", "at most %d", maxItems)
	}
	for i, dt := range in.DataTypes {
		dt = strings.TrimSpace(dt)
		if !token.MatchString(dt) {
			p.add(fmt.Sprintf("data_types[%d]", i), "%q is not a data type such as payment_card (letters, digits, _ . -)", clip(dt))
			continue
		}
		if !slices.Contains(f.DataTypes, dt) {
			f.DataTypes = append(f.DataTypes, dt)
		}
	}
	if n := in.AffectedIndividuals; n != nil {
		if *n < 0 {
			p.add("affected_individuals", "must be 0 or more, not %d", *n)
		} else {
			v := *n
			f.AffectedIndividuals = &v
		}
	}
	if len(in.AffectedByJurisdiction) > maxItems {
		p.add("affected_by_jurisdiction", "at most %d jurisdictions", maxItems)
	}
	for _, k := range slices.Sorted(maps.Keys(in.AffectedByJurisdiction)) {
		n := in.AffectedByJurisdiction[k]
		field := "affected_by_jurisdiction." + k
		switch {
		case !jurisdiction.MatchString(k):
			p.add(field, "%q is not a jurisdiction such as DE, US-CA or EU", clip(k))
		case n < 0:
			p.add(field, "must be 0 or more, not %d", n)
		default:
			if f.AffectedByJurisdiction == nil {
				f.AffectedByJurisdiction = map[string]int{}
			}
			f.AffectedByJurisdiction[k] = n
		}
	}
	if len(in.Notes) > maxNotes {
		p.add("notes", "at most %d bytes", maxNotes)
	}
	return f, p.err()
}

// Validate checks a profile; every problem is named by its field.
func (pr Profile) Validate() error {
	var p problems
	list := func(field string, vs []string, re *regexp.Regexp, what string) {
		if len(vs) > maxItems {
			p.add(field, "at most %d", maxItems)
		}
		for i, v := range vs {
			if !re.MatchString(v) {
				p.add(fmt.Sprintf("%s[%d]", field, i), "%q is not %s", clip(v), what)
			}
		}
	}
	list("roles", pr.Roles, token, "a role such as controller or processor")
	list("entity_types", pr.EntityTypes, token, "an entity type such as essential_entity")
	list("sectors", pr.Sectors, token, "a sector such as health or finance")
	list("countries", pr.Countries, jurisdiction, "a country such as DE or US-CA")
	for _, k := range slices.Sorted(maps.Keys(pr.Calendars)) {
		if !jurisdiction.MatchString(k) {
			p.add("calendars."+k, "%q is not a jurisdiction such as EU, US or BR", clip(k))
		} else if !jurisdiction.MatchString(pr.Calendars[k]) {
			p.add("calendars."+k, "%q is not a calendar such as DE, US or BR", clip(pr.Calendars[k]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(pr.Targets)) {
		if !token.MatchString(k) {
			p.add("targets."+k, "%q is not an obligation ID", clip(k))
		} else if _, err := positive(pr.Targets[k]); err != nil {
			p.add("targets."+k, "%s", err)
		}
	}
	if r := pr.Reminders; r != nil {
		if len(r.Before) > 10 {
			p.add("reminders.before", "at most 10")
		}
		for i, b := range r.Before {
			if _, err := positive(b); err != nil {
				p.add(fmt.Sprintf("reminders.before[%d]", i), "%s", err)
			}
		}
	}
	return p.err()
}

// positive parses a Go duration that must be more than zero.
func positive(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a duration such as 48h or 90m", clip(s))
	}
	return d, nil
}

// Organization is the profile as the catalog matches it.
func (pr Profile) Organization() comms.Organization {
	o := comms.Organization{Roles: slices.Clone(pr.Roles), EntityTypes: slices.Clone(pr.EntityTypes), Sectors: slices.Clone(pr.Sectors),
		Countries: slices.Clone(pr.Countries), Calendars: maps.Clone(pr.Calendars)}
	for k, v := range pr.Targets {
		if d, err := positive(v); err == nil {
			if o.Targets == nil {
				o.Targets = map[string]comms.Duration{}
			}
			o.Targets[k] = comms.Duration(d)
		}
	}
	return o
}

// reminders returns the profile's reminder moments, or the defaults.
func (pr Profile) reminders() (halfTime bool, before []time.Duration, overdue bool) {
	r := DefaultReminders()
	if pr.Reminders != nil {
		r = *pr.Reminders
	}
	for _, b := range r.Before {
		if d, err := positive(b); err == nil {
			before = append(before, d)
		}
	}
	return r.HalfTime, before, r.Overdue
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
