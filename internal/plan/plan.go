// Package plan is response plans as data: which incidents a plan applies
// to, the roles it asks for, and its tasks grouped by phase, each with an
// owner, a due offset and whether it gates its phase. It is pure: plans are
// parsed from bytes, checked, matched and hashed here; where they are kept
// and versioned is the plans service's business.
package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/sosodev/duration"
)

// Phase groups a plan's tasks by the part of the response they belong to.
type Phase string

const (
	Assess       Phase = "assess"
	Contain      Phase = "contain"
	Eradicate    Phase = "eradicate"
	Recover      Phase = "recover"
	Communicate  Phase = "communicate"
	PostIncident Phase = "post_incident"
)

// Phases lists every phase in the order a response works through them.
var Phases = []Phase{Assess, Contain, Eradicate, Recover, Communicate, PostIncident}

// Valid reports whether p is a known phase.
func (p Phase) Valid() bool { return slices.Contains(Phases, p) }

// Title is the phase's name for people.
func (p Phase) Title() string {
	switch p {
	case Assess:
		return "Assess"
	case Contain:
		return "Contain"
	case Eradicate:
		return "Eradicate"
	case Recover:
		return "Recover"
	case Communicate:
		return "Communicate"
	case PostIncident:
		return "Post-incident"
	}
	return string(p)
}

// DueFrom is what a task's due offset counts from.
type DueFrom string

const (
	// FromActivation counts from when the plan was applied (the default).
	FromActivation DueFrom = "activation"
	// FromPhase counts from when the incident entered the task's phase:
	// triage for assess, active for contain and communicate, contained for
	// eradicate, eradicated for recover, recovered for post_incident.
	FromPhase DueFrom = "phase"
)

// Plan is one response plan.
type Plan struct {
	// Name is the plan's stable key: lower-case letters, digits and
	// hyphens ("credential-compromise").
	Name        string `json:"name" yaml:"name"`
	Title       string `json:"title" yaml:"title"`
	Description string `json:"description,omitempty" yaml:"description"`
	// AppliesTo says which incidents the plan is activated for.
	AppliesTo Match `json:"applies_to" yaml:"applies_to"`
	// Roles are the incident roles the plan asks to be filled.
	Roles []string `json:"roles,omitempty" yaml:"roles"`
	Tasks []Task   `json:"tasks" yaml:"tasks"`
}

// Match selects incidents. Each list left empty matches any incident;
// labels must all be equal. A match with nothing set applies to every
// incident.
type Match struct {
	// Types are incident types; an entry ending in ".*" matches every
	// type below it ("security.*").
	Types      []string          `json:"types,omitempty" yaml:"types"`
	Severities []string          `json:"severities,omitempty" yaml:"severities"`
	Labels     map[string]string `json:"labels,omitempty" yaml:"labels"`
}

// Task is one piece of work a plan hands the team.
type Task struct {
	// Key is unique within the plan and names the task across plans:
	// two plans activated together that both have a key keep one task.
	Key   string `json:"key" yaml:"key"`
	Phase Phase  `json:"phase" yaml:"phase"`
	Title string `json:"title" yaml:"title"`
	// Instructions are Markdown: what to do, links to runbooks.
	Instructions string `json:"instructions,omitempty" yaml:"instructions"`
	// Owner is who does it: an incident role ("incident_commander"),
	// "team:NAME", or "user:NAME". Empty: the IR Lead.
	Owner string `json:"owner,omitempty" yaml:"owner"`
	// Due is an ISO 8601 duration ("PT30M") from DueFrom; empty: no due
	// time.
	Due     string  `json:"due,omitempty" yaml:"due"`
	DueFrom DueFrom `json:"due_from,omitempty" yaml:"due_from"`
	// Required tasks gate their phase: the incident cannot move past it
	// while one is neither done nor skipped with a reason.
	Required  bool     `json:"required,omitempty" yaml:"required"`
	Checklist []string `json:"checklist,omitempty" yaml:"checklist"`
}

// Limits on a plan; plans past them are refused, never truncated.
const (
	MaxTitle        = 200
	MaxDescription  = 5_000
	MaxInstructions = 20_000
	MaxTasks        = 500
	MaxChecklist    = 50
	MaxChecklistLen = 500
	MaxDue          = 90 * 24 * time.Hour
)

var (
	nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	keyRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
)

// Problem is one thing wrong with a plan, at its path ("tasks[2].due").
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Roles tells which incident roles an owner may name (incident.Roles),
// given by the caller so this package stays below incident.
type Roles func(name string) bool

// Check returns every problem of p, in field order; nil when it is good.
// roles says which role names an owner may use.
func (p *Plan) Check(roles Roles) []Problem {
	var out []Problem
	add := func(path, format string, args ...any) {
		out = append(out, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	if !nameRE.MatchString(p.Name) {
		add("name", "%q must be 1–63 lower-case letters, digits or hyphens, starting with a letter or digit", p.Name)
	}
	switch t := strings.TrimSpace(p.Title); {
	case t == "":
		add("title", "is required")
	case len(p.Title) > MaxTitle:
		add("title", "at most %d bytes", MaxTitle)
	}
	if len(p.Description) > MaxDescription {
		add("description", "at most %d bytes", MaxDescription)
	}
	for i, r := range p.Roles {
		if !roles(r) {
			add(fmt.Sprintf("roles[%d]", i), "unknown role %q", r)
		}
	}
	if len(p.Tasks) == 0 {
		add("tasks", "a plan needs at least one task")
	}
	if len(p.Tasks) > MaxTasks {
		add("tasks", "at most %d tasks", MaxTasks)
	}
	keys := map[string]int{}
	for i, t := range p.Tasks {
		at := func(f string) string { return fmt.Sprintf("tasks[%d].%s", i, f) }
		if !keyRE.MatchString(t.Key) {
			add(at("key"), "%q must be 1–63 lower-case letters, digits, _ or -", t.Key)
		} else if j, dup := keys[t.Key]; dup {
			add(at("key"), "%q is also the key of tasks[%d]", t.Key, j)
		} else {
			keys[t.Key] = i
		}
		if !t.Phase.Valid() {
			add(at("phase"), "unknown phase %q; one of %s", t.Phase, joinPhases())
		}
		switch tt := strings.TrimSpace(t.Title); {
		case tt == "":
			add(at("title"), "is required")
		case len(t.Title) > MaxTitle:
			add(at("title"), "at most %d bytes", MaxTitle)
		}
		if len(t.Instructions) > MaxInstructions {
			add(at("instructions"), "at most %d bytes", MaxInstructions)
		}
		if msg := checkOwner(t.Owner, roles); msg != "" {
			add(at("owner"), "%s", msg)
		}
		if t.Due != "" {
			if _, err := ParseDue(t.Due); err != nil {
				add(at("due"), "%v", err)
			}
		}
		switch t.DueFrom {
		case "", FromActivation, FromPhase:
		default:
			add(at("due_from"), "%q is not activation or phase", t.DueFrom)
		}
		if len(t.Checklist) > MaxChecklist {
			add(at("checklist"), "at most %d items", MaxChecklist)
		}
		for j, c := range t.Checklist {
			if strings.TrimSpace(c) == "" || len(c) > MaxChecklistLen {
				add(fmt.Sprintf("tasks[%d].checklist[%d]", i, j), "must be 1–%d bytes", MaxChecklistLen)
			}
		}
	}
	for i, s := range p.AppliesTo.Types {
		if strings.TrimSpace(s) == "" || strings.ContainsAny(s, " \t\n") {
			add(fmt.Sprintf("applies_to.types[%d]", i), "%q is not an incident type", s)
		}
	}
	return out
}

// checkOwner says what is wrong with an owner, "" when nothing is.
func checkOwner(owner string, roles Roles) string {
	kind, name, ok := strings.Cut(owner, ":")
	switch {
	case owner == "":
		return ""
	case !ok:
		if roles(owner) {
			return ""
		}
		return fmt.Sprintf("unknown role %q; an owner is a role, team:NAME or user:NAME", owner)
	case kind != "team" && kind != "user":
		return fmt.Sprintf("%q: an owner is a role, team:NAME or user:NAME", owner)
	case strings.TrimSpace(name) == "" || len(name) > 100:
		return fmt.Sprintf("%q names no %s", owner, kind)
	}
	return ""
}

// ParseDue reads an ISO 8601 duration of at most MaxDue ("PT30M", "P1D").
func ParseDue(s string) (time.Duration, error) {
	d, err := duration.Parse(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not an ISO 8601 duration such as PT30M or P1DT4H", s)
	}
	if d.Years != 0 || d.Months != 0 {
		return 0, fmt.Errorf("%q: years and months have no fixed length; use days (P30D)", s)
	}
	if d.Negative {
		return 0, fmt.Errorf("%q is negative", s)
	}
	td := d.ToTimeDuration()
	if td <= 0 || td > MaxDue {
		return 0, fmt.Errorf("%q must be more than zero and at most 90 days", s)
	}
	return td, nil
}

// Matches reports whether the plan applies to an incident of this type,
// severity and labels.
func (m Match) Matches(typ, severity string, labels map[string]string) bool {
	if len(m.Types) > 0 && !slices.ContainsFunc(m.Types, func(t string) bool { return typeMatches(t, typ) }) {
		return false
	}
	if len(m.Severities) > 0 && !slices.Contains(m.Severities, severity) {
		return false
	}
	for k, v := range m.Labels {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func typeMatches(pattern, typ string) bool {
	if prefix, ok := strings.CutSuffix(pattern, ".*"); ok {
		return strings.HasPrefix(typ, prefix+".")
	}
	return pattern == typ
}

// Specificity orders plans for activation, most specific first: an exact
// type counts most, then a type family, each label, and severities.
func (m Match) Specificity() int {
	n := 0
	for _, t := range m.Types {
		if strings.HasSuffix(t, ".*") {
			n = max(n, 100)
		} else {
			n = max(n, 1000)
		}
	}
	n += 10 * len(m.Labels)
	if len(m.Severities) > 0 {
		n++
	}
	return n
}

// Hash is the SHA-256 of the plan's canonical JSON: the same plan always
// hashes the same, so an incident's record of it can be checked.
func (p *Plan) Hash() string {
	b, err := json.Marshal(p) // struct fields in order, map keys sorted
	if err != nil {
		panic(fmt.Sprintf("plan: encode: %v", err)) // cannot happen: plain data
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Versioned is a plan as kept: its version (1, 2, …, per name) and hash.
type Versioned struct {
	Plan
	Version   int       `json:"version"`
	Hash      string    `json:"hash"`
	Source    string    `json:"source"` // builtin, file or api
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	// Deleted marks a tombstone: the version that deleted the plan. Its
	// Plan holds only the name and its Hash is empty.
	Deleted bool `json:"deleted,omitempty"`
}

// Select returns the plans that apply to an incident, most specific
// first (by name among equals).
func Select(plans []Versioned, typ, severity string, labels map[string]string) []Versioned {
	var out []Versioned
	for _, p := range plans {
		if p.AppliesTo.Matches(typ, severity, labels) {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b Versioned) int {
		if d := b.AppliesTo.Specificity() - a.AppliesTo.Specificity(); d != 0 {
			return d
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

func joinPhases() string {
	s := make([]string, len(Phases))
	for i, p := range Phases {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}
