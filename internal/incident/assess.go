package incident

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// EvAssessed records the IR Lead's assessment of potential impact: the
// answers, the severity they suggest, the one chosen and, when the two
// differ, why.
const EvAssessed = "incident.assessed"

// Impact is the assessment form: dimensions of potential impact, each
// answer suggesting a severity, and rules for combinations. The
// suggestion is the most severe of every answer's and every matching
// rule's severity.
type Impact struct {
	Dimensions []Dimension  `json:"dimensions" yaml:"dimensions"`
	Rules      []ImpactRule `json:"rules,omitempty" yaml:"rules"`
}

// Dimension is one question of the assessment.
type Dimension struct {
	Key      string         `json:"key" yaml:"key"`
	Question string         `json:"question" yaml:"question"`
	Options  []ImpactOption `json:"options" yaml:"options"`
}

// ImpactOption is one answer and the severity it suggests at least.
type ImpactOption struct {
	Value    string `json:"value" yaml:"value"`
	Label    string `json:"label" yaml:"label"`
	Severity string `json:"severity" yaml:"severity"`
	// PersonalData: this answer means personal data is affected, which
	// the notification duties' facts learn from the assessment.
	PersonalData bool `json:"personal_data,omitempty" yaml:"personal_data"`
	// DataTypes are data types this answer means are affected (the
	// duties' vocabulary: "credentials", "health"…).
	DataTypes []string `json:"data_types,omitempty" yaml:"data_types"`
}

// ImpactRule raises the suggestion when every dimension it names has one
// of the listed answers.
type ImpactRule struct {
	When     map[string][]string `json:"when" yaml:"when"`
	Severity string              `json:"severity" yaml:"severity"`
	Reason   string              `json:"reason,omitempty" yaml:"reason"`
}

// DefaultImpact is the assessment shipped: data, service, customers,
// legal exposure and spread. Severities name levels by rank, so the form
// works with the levels configured: rank 1 is the most severe level.
func DefaultImpact(levels []Level) Impact {
	sev := func(rank int) string {
		if len(levels) == 0 {
			return ""
		}
		return levels[min(rank, len(levels))-1].Name
	}
	opt := func(v, label string, rank int) ImpactOption {
		return ImpactOption{Value: v, Label: label, Severity: sev(rank)}
	}
	personal := opt("personal", "Personal data", 2)
	personal.PersonalData = true
	// Credentials are not personal data by themselves: a leaked CI token
	// is severe without making the privacy duties apply.
	creds := opt("credentials", "Credentials, keys or secrets", 1)
	creds.DataTypes = []string{"credentials"}
	special := opt("special_category", "Special-category personal data (health, biometrics, beliefs…)", 1)
	special.PersonalData, special.DataTypes = true, []string{"special_category"}
	return Impact{
		Dimensions: []Dimension{
			{Key: "data", Question: "What data may be affected?", Options: []ImpactOption{
				opt("none", "None", 4), opt("internal", "Internal or confidential business data", 3), personal, creds, special}},
			{Key: "service", Question: "What happens to the service?", Options: []ImpactOption{
				opt("none", "No impact", 4), opt("degraded", "Degraded", 3), opt("partial_outage", "Partial outage", 2), opt("full_outage", "Full outage", 1)}},
			{Key: "customers", Question: "How many customers may be affected?", Options: []ImpactOption{
				opt("none", "None", 4), opt("some", "Some", 3), opt("many", "Many", 2), opt("all", "All", 1)}},
			{Key: "legal", Question: "Could a legal or contractual notice be due?", Options: []ImpactOption{
				opt("none", "No", 4), opt("possible", "Possibly", 2), opt("certain", "Certainly", 1)}},
			{Key: "spread", Question: "Is it contained or spreading?", Options: []ImpactOption{
				opt("contained", "Contained", 4), opt("spreading", "Spreading or unknown", 2)}},
		},
		Rules: []ImpactRule{{
			When:     map[string][]string{"data": {"personal"}, "customers": {"many", "all"}},
			Severity: sev(1), Reason: "personal data of many customers",
		}},
	}
}

// Check says what is wrong with an assessment form, given the levels.
func (m Impact) Check(levels []Level) []errs.Detail {
	var out []errs.Detail
	add := func(field, format string, args ...any) {
		out = append(out, errs.Detail{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	known := func(s string) bool { return slices.ContainsFunc(levels, func(l Level) bool { return l.Name == s }) }
	keys := map[string]map[string]bool{}
	for i, d := range m.Dimensions {
		at := fmt.Sprintf("dimensions[%d]", i)
		if d.Key == "" || strings.ContainsAny(d.Key, " \t") {
			add(at+".key", "%q is not a key", d.Key)
		} else if keys[d.Key] != nil {
			add(at+".key", "%q is listed twice", d.Key)
		}
		if strings.TrimSpace(d.Question) == "" {
			add(at+".question", "is required")
		}
		if len(d.Options) == 0 {
			add(at+".options", "a dimension needs options")
		}
		vals := map[string]bool{}
		for j, o := range d.Options {
			oat := fmt.Sprintf("%s.options[%d]", at, j)
			if o.Value == "" || vals[o.Value] {
				add(oat+".value", "%q is empty or listed twice", o.Value)
			}
			vals[o.Value] = true
			if !known(o.Severity) {
				add(oat+".severity", "unknown severity %q", o.Severity)
			}
		}
		keys[d.Key] = vals
	}
	for i, r := range m.Rules {
		at := fmt.Sprintf("rules[%d]", i)
		if !known(r.Severity) {
			add(at+".severity", "unknown severity %q", r.Severity)
		}
		if len(r.When) == 0 {
			add(at+".when", "a rule needs at least one dimension")
		}
		for _, k := range slices.Sorted(maps.Keys(r.When)) {
			if keys[k] == nil {
				add(at+".when."+k, "unknown dimension %q", k)
				continue
			}
			for _, v := range r.When[k] {
				if !keys[k][v] {
					add(at+".when."+k, "%q is not an answer of %s", v, k)
				}
			}
		}
	}
	return out
}

// AssessedData is the payload of EvAssessed.
type AssessedData struct {
	Answers   map[string]string `json:"answers"`
	Suggested string            `json:"suggested"`
	Why       []string          `json:"why"` // what made the suggestion
	Severity  string            `json:"severity"`
	Reason    string            `json:"reason,omitempty"` // choosing other than the suggestion
	// PersonalData and DataTypes are what the answers say of the data,
	// for the notification duties' facts.
	PersonalData bool     `json:"personal_data,omitempty"`
	DataTypes    []string `json:"data_types,omitempty"`
}

// Assessment is the latest assessment of an incident.
type Assessment struct {
	AssessedData
	At time.Time `json:"at"`
	By string    `json:"by"`
}

// Suggest returns the severity the answers suggest and why. answers must
// be checked (every dimension answered with one of its options).
func (p *Policy) Suggest(answers map[string]string) (string, []string) {
	m := p.impact()
	best, bestRank := "", len(p.Levels)+1
	var why []string
	consider := func(sev, because string) {
		r := slices.IndexFunc(p.Levels, func(l Level) bool { return l.Name == sev })
		if r < 0 {
			return
		}
		if r < bestRank {
			best, bestRank, why = sev, r, nil
		}
		if r == bestRank {
			why = append(why, because)
		}
	}
	for _, d := range m.Dimensions {
		for _, o := range d.Options {
			if answers[d.Key] == o.Value {
				consider(o.Severity, fmt.Sprintf("%s: %s", d.Key, o.Label))
			}
		}
	}
	for _, r := range m.Rules {
		all := true
		for k, vals := range r.When {
			all = all && slices.Contains(vals, answers[k])
		}
		if all {
			because := r.Reason
			if because == "" {
				because = "rule"
			}
			consider(r.Severity, because)
		}
	}
	return best, why
}

func (p *Policy) impact() Impact {
	if p.Impact != nil {
		return *p.Impact
	}
	return DefaultImpact(p.Levels)
}

// ImpactForm returns the assessment form in force.
func (p *Policy) ImpactForm() Impact { return p.impact() }

// AssessInput is an assessment: every dimension's answer, and the
// severity chosen (empty: the suggestion) with a reason when it differs.
type AssessInput struct {
	Answers  map[string]string
	Severity string
	Reason   string
}

// Assess decides recording an assessment, and the severity change it
// makes when the chosen level differs from the incident's.
func (p *Policy) Assess(inc *Incident, in AssessInput) ([]Change, error) {
	if !inc.State.Open() {
		return nil, errs.E(errs.Rule, "state", "%s is %s and cannot be assessed", inc.Ref, inc.State)
	}
	m := p.impact()
	var v validator
	for _, d := range m.Dimensions {
		a, ok := in.Answers[d.Key]
		switch {
		case !ok || a == "":
			v.add("answers."+d.Key, "%s is unanswered", d.Question)
		case !slices.ContainsFunc(d.Options, func(o ImpactOption) bool { return o.Value == a }):
			vals := make([]string, len(d.Options))
			for i, o := range d.Options {
				vals[i] = o.Value
			}
			v.add("answers."+d.Key, "%q is not one of %s", a, strings.Join(vals, ", "))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(in.Answers)) {
		if !slices.ContainsFunc(m.Dimensions, func(d Dimension) bool { return d.Key == k }) {
			v.add("answers."+k, "unknown dimension %q", k)
		}
	}
	reason := strings.TrimSpace(in.Reason)
	v.text("reason", reason, MaxText, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	suggested, why := p.Suggest(in.Answers)
	sev := in.Severity
	if sev == "" {
		sev = suggested
	}
	l, ok := p.level(sev)
	if !ok {
		return nil, errs.E(errs.Invalid, "severity", "unknown severity %q; levels are %s", sev, p.levelNames())
	}
	if sev != suggested && reason == "" {
		return nil, errs.E(errs.Rule, "reason", "the answers suggest %s: choosing %s needs a reason", suggested, sev)
	}
	d := AssessedData{Answers: maps.Clone(in.Answers), Suggested: suggested, Why: why, Severity: sev, Reason: reason}
	types := map[string]bool{}
	for _, dim := range m.Dimensions {
		for _, o := range dim.Options {
			if in.Answers[dim.Key] == o.Value {
				d.PersonalData = d.PersonalData || o.PersonalData
				for _, t := range o.DataTypes {
					types[t] = true
				}
			}
		}
	}
	d.DataTypes = slices.Sorted(maps.Keys(types))
	changes := []Change{{Type: EvAssessed, Data: d}}
	if sev != inc.Severity {
		changes = append(changes, Change{Type: EvSeverityChanged, Data: SeverityData{From: inc.Severity, To: sev, Significant: l.Significant}})
	}
	return changes, nil
}
