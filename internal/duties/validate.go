package duties

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/calendar"
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
	// AllowFuture accepts anchors in the future, for planning; without it
	// an anchor more than a few minutes ahead is refused (a year typed
	// wrong would move every clock).
	AllowFuture bool `json:"allow_future,omitempty" doc:"Accept anchors in the future (planning, tabletop exercises); otherwise they are refused. Not stored." required:"false"`
	// ConfirmEarlyAnchors confirms anchors that lie longer before the
	// incident was detected than the organisation's anchor_lead.
	ConfirmEarlyAnchors bool `json:"confirm_early_anchors,omitempty" doc:"Confirm anchors that lie further before the incident's detected_at than the profile's anchor_lead (30 days by default). Not stored." required:"false"`
}

// futureSkew is how far ahead of the clock an anchor may be without
// allow_future (clocks of people's machines differ a little).
const futureSkew = 5 * time.Minute

// checkAnchors refuses an anchor in the future unless allowed, and one
// further before detected (when known) than lead unless confirmed. Only
// anchors that differ from prev are checked, so what was confirmed once
// need not be again.
func (in FactsInput) checkAnchors(f, prev comms.Facts, now time.Time, detected time.Time, lead time.Duration) error {
	var p problems
	for _, k := range slices.Sorted(maps.Keys(f.Anchors)) {
		t := f.Anchors[k]
		if old, ok := prev.Anchors[k]; ok && old.Equal(t) {
			continue
		}
		field := "anchors." + k
		switch {
		case !in.AllowFuture && t.After(now.Add(futureSkew)):
			p.add(field, "%s is in the future (now is %s): an anchor is when something happened; check the date, or send allow_future: true to plan ahead",
				t.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		case !in.ConfirmEarlyAnchors && !detected.IsZero() && detected.Sub(t) > lead:
			p.add(field, "%s is %s before the incident was detected (%s), more than the organisation's %s (anchor_lead): check the year, or confirm with confirm_early_anchors: true",
				t.Format(time.RFC3339), days(detected.Sub(t)), detected.UTC().Format(time.RFC3339), days(lead))
		}
	}
	return p.err()
}

// days writes a long duration in days: "365 days", or hours under a day.
func days(d time.Duration) string {
	if d < 24*time.Hour {
		return d.Round(time.Minute).String()
	}
	n := int(d / (24 * time.Hour))
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// CheckVocabulary checks data types and jurisdictions against the
// catalog's vocabulary, suggesting what a near miss was meant to be.
func (in FactsInput) CheckVocabulary(v comms.Vocabulary) error {
	var p problems
	var names []string
	for _, d := range v.DataTypes {
		names = append(names, d.Name)
	}
	for i, dt := range in.DataTypes {
		dt = strings.TrimSpace(dt)
		if token.MatchString(dt) && !slices.Contains(names, dt) {
			p.add(fmt.Sprintf("data_types[%d]", i), "%s", unknownWord(dt, "data type", names))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(in.AffectedByJurisdiction)) {
		if jurisdiction.MatchString(k) {
			if msg := comms.JurisdictionProblem(k); msg != "" {
				p.add("affected_by_jurisdiction."+k, "%s", msg)
			}
		}
	}
	return p.err()
}

// unknownWord says a word is not in the vocabulary, with a suggestion.
func unknownWord(w, what string, words []string) string {
	if s := comms.Suggest(w, words); s != "" {
		return fmt.Sprintf("unknown %s %q; did you mean %s?", what, clip(w), s)
	}
	return fmt.Sprintf("unknown %s %q; GET /api/v1/obligations/vocabulary lists them", what, clip(w))
}

// Hints are warnings about facts and a profile that are valid but
// probably not meant: a country code that is also a US state's in an
// American context ("CA is the country code of Canada — did you mean
// US-CA?").
func Hints(p Profile, in FactsInput) []errs.Detail {
	context := slices.Clone(p.Countries)
	for k := range in.AffectedByJurisdiction {
		context = append(context, k)
	}
	var out []errs.Detail
	for _, k := range slices.Sorted(maps.Keys(in.AffectedByJurisdiction)) {
		if h := comms.JurisdictionHint(k, context); h != "" {
			out = append(out, errs.Detail{Field: "facts.affected_by_jurisdiction." + k, Message: h})
		}
	}
	for i, c := range p.Countries {
		if h := comms.JurisdictionHint(c, context); h != "" {
			out = append(out, errs.Detail{Field: fmt.Sprintf("organization.countries[%d]", i), Message: h})
		}
	}
	return out
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
		switch code := pr.Calendars[k]; {
		case !jurisdiction.MatchString(k):
			p.add("calendars."+k, "%q is not a jurisdiction such as EU, US or BR", clip(k))
		case !jurisdiction.MatchString(strings.ToUpper(strings.TrimSpace(code))):
			p.add("calendars."+k, "%q is not a calendar such as DE, US or BR", clip(code))
		default:
			if _, err := calendar.ByCode(code); err != nil {
				p.add("calendars."+k, "%s", err)
			}
		}
	}
	for _, f := range []struct{ name, v string }{{"margin", pr.Margin}, {"anchor_lead", pr.AnchorLead}} {
		if f.v != "" {
			if _, err := positive(f.v); err != nil {
				p.add(f.name, "%s", err)
			}
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

// CheckVocabulary checks the profile's roles, entity types, sectors and
// countries against the catalog's vocabulary; each problem names its
// field and, for a near miss, what was probably meant.
func (pr Profile) CheckVocabulary(v comms.Vocabulary) error {
	var p problems
	words := v.ProfileWords()
	for _, l := range []struct {
		field, what string
		vs          []string
	}{{"roles", "role", pr.Roles}, {"entity_types", "entity type", pr.EntityTypes}, {"sectors", "sector", pr.Sectors}} {
		for i, w := range l.vs {
			if token.MatchString(w) && !slices.Contains(words, w) {
				p.add(fmt.Sprintf("%s[%d]", l.field, i), "%s", unknownWord(w, l.what, words))
			}
		}
	}
	for i, c := range pr.Countries {
		if jurisdiction.MatchString(c) {
			if msg := comms.JurisdictionProblem(c); msg != "" {
				p.add(fmt.Sprintf("countries[%d]", i), "%s", msg)
			}
		}
	}
	return p.err()
}

// anchorLead is how far before detection an anchor may be unconfirmed.
func (pr Profile) anchorLead() time.Duration {
	if d, err := positive(pr.AnchorLead); err == nil {
		return d
	}
	return DefaultAnchorLead
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
	if d, err := positive(pr.Margin); err == nil {
		o.Margin = comms.Duration(d)
	}
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
