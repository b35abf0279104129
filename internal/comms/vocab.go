package comms

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/calendar"
)

// Term is a word of the vocabulary with what it means.
type Term struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Vocabulary is every word the catalog's conditions and clocks use: what
// an organisation profile and an incident's facts are checked against,
// and what forms and scripts offer. Roles, entity types and sectors match
// one another (see profile), so a profile may file a word under any of
// them.
type Vocabulary struct {
	Roles         []string `json:"roles"`
	EntityTypes   []string `json:"entity_types"`
	Sectors       []string `json:"sectors"`
	DataTypes     []Term   `json:"data_types"`
	Anchors       []Term   `json:"anchors"`
	Jurisdictions []Term   `json:"jurisdictions" doc:"The catalog's regions, EU and EEA members, US states; any ISO 3166-1 country (and its subdivisions, CC-XXX) is accepted too."`
	Calendars     []Term   `json:"calendars" doc:"Holiday calendar codes with their time zones, for the profile's calendars."`
}

// Vocabulary collects the catalog's vocabulary.
func (c *Catalog) Vocabulary() Vocabulary {
	roles, kinds, sectors, data, regions := set{}, set{}, set{}, set{}, set{}
	var walk func(*Condition)
	walk = func(w *Condition) {
		if w == nil {
			return
		}
		roles.add(w.Roles...)
		kinds.add(w.EntityTypes...)
		kinds.add(w.NotEntityTypes...)
		sectors.add(w.Sectors...)
		data.add(w.DataTypes...)
		regions.add(w.EstablishedIn...)
		regions.add(w.ResidentsIn...)
		regions.add(w.Territory...)
		if w.Affected != nil && w.Affected.In != "" {
			regions.add(w.Affected.In)
		}
		for i := range w.AnyOf {
			walk(&w.AnyOf[i])
		}
	}
	for _, o := range c.obligations {
		walk(o.AppliesWhen)
		regions.add(o.Region)
		for _, p := range o.Phases {
			walk(p.AppliesWhen)
			for _, r := range p.Rules {
				kinds.add(r.UnlessEntityTypes...)
			}
		}
	}
	roles.add("controller", "processor")
	data.add(slices.Collect(maps.Keys(dataTypeWords))...)
	regions.add(euMembers...)
	regions.add(eeaOnly...)
	regions.add("EU", "EEA")
	for _, s := range calendar.USStates() {
		regions.add("US-" + s)
	}
	delete(regions, "GLOBAL")
	v := Vocabulary{Roles: roles.sorted(), EntityTypes: kinds.sorted(), Sectors: sectors.sorted()}
	for _, d := range data.sorted() {
		v.DataTypes = append(v.DataTypes, Term{d, dataTypeWords[d]})
	}
	for _, a := range c.Anchors() {
		v.Anchors = append(v.Anchors, Term{a, c.anchors[a]})
	}
	for _, r := range regions.sorted() {
		v.Jurisdictions = append(v.Jurisdictions, Term{r, strings.TrimPrefix(regionName(r), "the ")})
	}
	for _, code := range calendar.Codes() {
		h, _ := calendar.Lookup(code)
		v.Calendars = append(v.Calendars, Term{code, h.Name() + " — " + h.Location().String()})
	}
	return v
}

type set map[string]bool

func (s set) add(vs ...string) {
	for _, v := range vs {
		s[v] = true
	}
}

func (s set) sorted() []string { return slices.Sorted(maps.Keys(s)) }

// regionName names a region in words, or "" when there is no name for it.
func regionName(code string) string {
	if n, ok := regionNames[code]; ok {
		return n
	}
	if strings.HasPrefix(code, "US-") {
		return usStateNames[code[3:]]
	}
	return ""
}

// ProfileWords are the words a profile's roles, entity types and sectors
// may use: all three lists, since each matches the others.
func (v Vocabulary) ProfileWords() []string {
	w := slices.Concat(v.Roles, v.EntityTypes, v.Sectors)
	slices.Sort(w)
	return slices.Compact(w)
}

// Suggest finds the word of words that s was probably meant to be: the
// same but for case and separators ("HIPAA-covered-entity" →
// "HIPAA_covered_entity"), else the closest by edit distance when it is
// close. "" when none is.
func Suggest(s string, words []string) string {
	norm := func(x string) string {
		return strings.Map(func(r rune) rune {
			switch r {
			case '-', ' ', '.':
				return '_'
			}
			return r
		}, strings.ToLower(strings.TrimSpace(x)))
	}
	n := norm(s)
	best, bestD := "", 1<<30
	for _, w := range words {
		if norm(w) == n {
			return w
		}
		if d := distance(n, norm(w)); d < bestD {
			best, bestD = w, d
		}
	}
	if bestD <= max(1, len(n)/4) {
		return best
	}
	return ""
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// JurisdictionProblem says what is wrong with a jurisdiction code, or ""
// when it is one: an ISO 3166-1 country ("DE"; "UK" and "EL" as their
// other names), a subdivision of one ("US-CA", "DE-BY"; a US one must be
// a state, DC or a territory), "EU" or "EEA".
func JurisdictionProblem(code string) string {
	c := strings.ToUpper(strings.TrimSpace(code))
	country, sub, isSub := strings.Cut(c, "-")
	switch {
	case c == "EU" || c == "EEA" || c == "UK" || c == "EL":
		return ""
	case !isSub && isoCountries[c]:
		return ""
	case isSub && country == "US":
		if _, ok := usStateNames[sub]; ok {
			return ""
		}
		return fmt.Sprintf("%q is not a US state; one of US-AL … US-WY, US-DC", code)
	case isSub && (isoCountries[country] || country == "UK"):
		return ""
	case !isSub:
		if name, ok := usStateNames[c]; ok {
			return fmt.Sprintf("%q is not a country; did you mean US-%s (%s)?", code, c, name)
		}
	}
	return fmt.Sprintf("%q is not a jurisdiction: an ISO 3166 country such as DE, a subdivision such as US-CA, or EU", code)
}

// JurisdictionHint warns of a country code that is also a US state's
// ("CA" is Canada — did you mean US-CA?) when the context is American:
// the organisation or the facts name US jurisdictions. "" otherwise.
func JurisdictionHint(code string, context []string) string {
	c := strings.ToUpper(strings.TrimSpace(code))
	name, ok := usStateNames[c]
	if !ok || !isoCountries[c] {
		return ""
	}
	american := slices.ContainsFunc(context, func(x string) bool {
		x = strings.ToUpper(x)
		return x == "US" || strings.HasPrefix(x, "US-")
	})
	if !american {
		return ""
	}
	return fmt.Sprintf("%s is the country code of %s — did you mean US-%s (%s)?", c, countryNames[c], c, name)
}

var usStateNames = map[string]string{
	"AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
	"CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
	"HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
	"KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
	"MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
	"NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
	"ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island",
	"SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
	"VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
	"PR": "Puerto Rico", "GU": "Guam", "VI": "US Virgin Islands", "AS": "American Samoa", "MP": "Northern Mariana Islands",
}

// countryNames name the countries whose codes are also US states'.
var countryNames = map[string]string{
	"AL": "Albania", "AR": "Argentina", "AS": "American Samoa", "AZ": "Azerbaijan", "CA": "Canada", "CO": "Colombia",
	"DE": "Germany", "GA": "Gabon", "GU": "Guam", "ID": "Indonesia", "IL": "Israel", "IN": "India", "KY": "the Cayman Islands",
	"LA": "Laos", "MA": "Morocco", "MD": "Moldova", "ME": "Montenegro", "MN": "Mongolia", "MO": "Macao", "MP": "the Northern Mariana Islands",
	"MS": "Montserrat", "MT": "Malta", "NC": "New Caledonia", "NE": "Niger", "PA": "Panama", "PR": "Puerto Rico", "SC": "Seychelles",
	"SD": "Sudan", "TN": "Tunisia", "VA": "the Holy See", "VI": "the US Virgin Islands",
}

// isoCountries are the ISO 3166-1 alpha-2 codes, and XK (Kosovo).
var isoCountries = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(`AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
		BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES
		ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO
		IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK
		ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR
		PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK
		TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK`) {
		m[c] = true
	}
	return m
}()
