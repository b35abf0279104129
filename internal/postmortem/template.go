package postmortem

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/plan"
)

// Template is what a post-mortem of some incident types asks: prompts per
// section, shown in the draft for the author to answer. A section left
// nil takes the prompts of the less specific template that matches (and
// in the end the built-in default); an empty list asks nothing there.
type Template struct {
	// Questions are asked of the whole post-mortem ("How was the
	// attacker's access removed?"): the draft's summary lists them, each
	// as a heading to answer under.
	Questions    []string `json:"questions,omitempty" yaml:"questions"`
	RootCauses   []string `json:"root_causes,omitempty" yaml:"root_causes"`
	Contributing []string `json:"contributing_factors,omitempty" yaml:"contributing_factors"`
	WentWell     []string `json:"went_well,omitempty" yaml:"went_well"`
	Hard         []string `json:"hard,omitempty" yaml:"hard"`
	Lessons      []string `json:"lessons,omitempty" yaml:"lessons"`
}

// Prompts are a template resolved for one incident: every section's
// prompts, and the patterns that gave them, most specific last.
type Prompts struct {
	From         []string `json:"from"`
	Questions    []string `json:"questions"`
	RootCauses   []string `json:"root_causes"`
	Contributing []string `json:"contributing_factors"`
	WentWell     []string `json:"went_well"`
	Hard         []string `json:"hard"`
	Lessons      []string `json:"lessons"`
}

// Every is the pattern of the default template, matching every type.
const Every = "*"

// Templates are the post-mortem templates keyed by incident type pattern,
// matched as response plans match types: "*" every type, a family such as
// "security.*" every type under it, else one exact type.
type Templates map[string]Template

// Builtin returns the templates Firebreak ships: a default and one for
// security incidents.
func Builtin() Templates {
	return Templates{
		Every: {
			Questions:    []string{},
			RootCauses:   []string{"What made this happen? Name the conditions, not the people.", "Why did the safeguards in place not stop it?"},
			Contributing: []string{"What made it worse, slower to detect or harder to fix?"},
			WentWell:     []string{"What helped: detection, tools, people, procedures?"},
			Hard:         []string{"What was hard or went badly: where did we lose time?", "What did we not know that we needed to?"},
			Lessons:      []string{"What do we change so that this cannot happen again, or is caught sooner?"},
		},
		"security.*": {
			Questions: []string{"How did the attacker get in?", "How was the attacker's access removed?", "What did the attacker see, take or change?"},
			RootCauses: []string{"Which weakness was used (a vulnerability, a credential, a misconfiguration, a person deceived)?",
				"Why did the controls in place not prevent or detect it?"},
		},
	}
}

// With returns the built-in templates overridden by t: a pattern in t
// replaces the built-in one's sections it sets.
func (t Templates) With(over Templates) Templates {
	out := maps.Clone(t)
	if out == nil {
		out = Templates{}
	}
	for k, v := range over {
		out[k] = merge(out[k], v)
	}
	return out
}

// merge lays over's sections that are set on base.
func merge(base, over Template) Template {
	set := func(b *[]string, o []string) {
		if o != nil {
			*b = slices.Clone(o)
		}
	}
	set(&base.Questions, over.Questions)
	set(&base.RootCauses, over.RootCauses)
	set(&base.Contributing, over.Contributing)
	set(&base.WentWell, over.WentWell)
	set(&base.Hard, over.Hard)
	set(&base.Lessons, over.Lessons)
	return base
}

// specificity orders patterns as plans' matches are ordered: every type,
// then a family, then an exact type (plan.Match.Specificity); the names
// break ties, which puts a family before a longer family under it.
func specificity(pattern string) int {
	if pattern == Every {
		return -1
	}
	return plan.Match{Types: []string{pattern}}.Specificity()
}

// matches reports whether pattern matches the incident type typ, as a
// plan's applies_to types do.
func matches(pattern, typ string) bool {
	return pattern == Every || plan.Match{Types: []string{pattern}}.Matches(typ, "", nil)
}

// For resolves the prompts for an incident of type typ: every matching
// template from the least specific to the most, each setting the sections
// it names.
func (t Templates) For(typ string) Prompts {
	var pats []string
	for p := range t {
		if matches(p, typ) {
			pats = append(pats, p)
		}
	}
	slices.SortFunc(pats, func(a, b string) int {
		if d := specificity(a) - specificity(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	var all Template
	for _, p := range pats {
		all = merge(all, t[p])
	}
	nonNil := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	return Prompts{From: nonNil(pats), Questions: nonNil(all.Questions), RootCauses: nonNil(all.RootCauses),
		Contributing: nonNil(all.Contributing), WentWell: nonNil(all.WentWell), Hard: nonNil(all.Hard), Lessons: nonNil(all.Lessons)}
}

// Limits of a configured template.
const (
	MaxPrompts     = 20
	MaxPromptBytes = 500
)

// Problem is one thing wrong with configured templates: Path names it
// below the templates' key (`"security.*".hard[2]`), for the policy file
// to place at its line.
type Problem struct {
	Pattern string
	Path    string // the field within the pattern's template: "hard[2]"; empty for the pattern itself
	Message string
}

func (p Problem) Error() string {
	if p.Path == "" {
		return fmt.Sprintf("%s: %s", p.Pattern, p.Message)
	}
	return fmt.Sprintf("%s.%s: %s", p.Pattern, p.Path, p.Message)
}

// validPattern reports whether p is a type pattern: is "*", a family "a.b.*" or a type
// of letters, digits, _ - and dots.
func validPattern(p string) bool {
	if p == Every {
		return true
	}
	p = strings.TrimSuffix(p, ".*")
	if p == "" || len(p) > 100 || strings.HasPrefix(p, ".") || strings.HasSuffix(p, ".") || strings.Contains(p, "..") {
		return false
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// Check validates configured templates: patterns, and each section's
// prompts (at most MaxPrompts, each non-empty and at most MaxPromptBytes).
// Problems come in a stable order.
func (t Templates) Check() []Problem {
	var out []Problem
	for _, pat := range slices.Sorted(maps.Keys(t)) {
		if !validPattern(pat) {
			out = append(out, Problem{Pattern: pat, Message: fmt.Sprintf("%q is not an incident type pattern (expected *, a family such as security.*, or a type such as security.phishing)", pat)})
			continue
		}
		tpl := t[pat]
		for _, s := range []struct {
			name    string
			prompts []string
		}{{"questions", tpl.Questions}, {"root_causes", tpl.RootCauses}, {"contributing_factors", tpl.Contributing},
			{"went_well", tpl.WentWell}, {"hard", tpl.Hard}, {"lessons", tpl.Lessons}} {
			if len(s.prompts) > MaxPrompts {
				out = append(out, Problem{Pattern: pat, Path: s.name, Message: fmt.Sprintf("%d prompts; at most %d", len(s.prompts), MaxPrompts)})
			}
			for i, p := range s.prompts {
				switch {
				case strings.TrimSpace(p) == "":
					out = append(out, Problem{Pattern: pat, Path: fmt.Sprintf("%s[%d]", s.name, i), Message: "a prompt is empty"})
				case len(p) > MaxPromptBytes:
					out = append(out, Problem{Pattern: pat, Path: fmt.Sprintf("%s[%d]", s.name, i), Message: fmt.Sprintf("%d bytes; at most %d", len(p), MaxPromptBytes)})
				case strings.ContainsAny(p, "\r\n"):
					out = append(out, Problem{Pattern: pat, Path: fmt.Sprintf("%s[%d]", s.name, i), Message: "a prompt is one line"})
				}
			}
		}
	}
	return out
}
