package oncall

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Policy is an escalation policy: ordered steps, each paging its targets
// and waiting Delay for an acknowledgement before the next step; after the
// last step the whole policy runs again, Repeat more times.
type Policy struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Repeat is how many more times the steps run after the first pass.
	Repeat int    `json:"repeat,omitempty"`
	Steps  []Step `json:"steps"`
}

// Step pages every target at once.
type Step struct {
	Targets []Target `json:"targets"`
	// Delay is how long this step waits for an acknowledgement before the
	// next one; at least a minute.
	Delay Minutes `json:"delay_minutes"`
}

// Minutes is a duration in whole minutes, as people write policies.
type Minutes int

// Duration converts m.
func (m Minutes) Duration() time.Duration { return time.Duration(m) * time.Minute }

// TargetKind is what a step pages.
type TargetKind string

const (
	TargetUser     TargetKind = "user"     // one person
	TargetSchedule TargetKind = "schedule" // whoever is on call in it then
	TargetPolicy   TargetKind = "policy"   // the first step of another policy
)

// Target is one thing a step pages, by name.
type Target struct {
	Kind TargetKind `json:"kind"`
	Name string     `json:"name"`
}

func (t Target) String() string { return string(t.Kind) + ":" + t.Name }

// MaxRepeat bounds Repeat: a policy that never stops is a pager storm.
const MaxRepeat = 9

// Validate checks the policy on its own: a name, at least one step, each
// with at least one known kind of target and a delay of 1 to 1,440 minutes,
// Repeat between 0 and MaxRepeat, no target twice in a step. References to
// users, schedules and other policies are checked by Resolve, which sees
// them all.
func (p Policy) Validate() error {
	var v validator
	if strings.TrimSpace(p.Name) == "" {
		v.add("name", "is required")
	}
	if len(p.Steps) == 0 {
		v.add("steps", "a policy needs at least one step")
	}
	if p.Repeat < 0 || p.Repeat > MaxRepeat {
		v.add("repeat", "must be between 0 and %d, not %d", MaxRepeat, p.Repeat)
	}
	for i, s := range p.Steps {
		sp := fmt.Sprintf("steps[%d]", i)
		if s.Delay < 1 || s.Delay > 1440 {
			v.add(sp+".delay_minutes", "must be between 1 and 1440 minutes, not %d", s.Delay)
		}
		if len(s.Targets) == 0 {
			v.add(sp+".targets", "a step needs at least one target")
		}
		seen := map[Target]bool{}
		for j, t := range s.Targets {
			tp := fmt.Sprintf("%s.targets[%d]", sp, j)
			switch t.Kind {
			case TargetUser, TargetSchedule, TargetPolicy:
			default:
				v.add(tp+".kind", "unknown target kind %q (want user, schedule or policy)", t.Kind)
			}
			if strings.TrimSpace(t.Name) == "" {
				v.add(tp+".name", "is required")
			}
			if seen[t] {
				v.add(tp, "%s is already a target of this step", t)
			}
			seen[t] = true
		}
	}
	return v.err()
}

// Directory is what Resolve looks names up in.
type Directory struct {
	Users     map[string]bool
	Schedules map[string]Schedule
	Policies  map[string]Policy
}

// CheckReferences reports every target of p that names nothing, and any
// loop through policy targets (a policy that, by its first steps, pages
// itself), as errs.Invalid naming the step and target.
func (d Directory) CheckReferences(p Policy) error {
	var v validator
	for i, s := range p.Steps {
		for j, t := range s.Targets {
			tp := fmt.Sprintf("steps[%d].targets[%d]", i, j)
			switch t.Kind {
			case TargetUser:
				if !d.Users[t.Name] {
					v.add(tp+".name", "unknown user %q", t.Name)
				}
			case TargetSchedule:
				if _, ok := d.Schedules[t.Name]; !ok {
					v.add(tp+".name", "unknown schedule %q", t.Name)
				}
			case TargetPolicy:
				if _, ok := d.Policies[t.Name]; !ok && t.Name != p.Name {
					v.add(tp+".name", "unknown policy %q", t.Name)
				} else if path := d.loop(p, t.Name, []string{p.Name}); path != nil {
					v.add(tp+".name", "policy %q loops back: %s", t.Name, strings.Join(path, " → "))
				}
			}
		}
	}
	return v.err()
}

// loop follows policy targets from name (reached via path) and returns the
// path that comes back to path[0], or nil.
func (d Directory) loop(root Policy, name string, path []string) []string {
	path = append(path, name)
	if name == root.Name {
		return path
	}
	if slices.Contains(path[:len(path)-1], name) {
		return nil // a loop that does not involve root: reported for its own policy
	}
	p, ok := d.Policies[name]
	if !ok || len(p.Steps) == 0 {
		return nil
	}
	for _, t := range p.Steps[0].Targets {
		if t.Kind == TargetPolicy {
			if l := d.loop(root, t.Name, path); l != nil {
				return l
			}
		}
	}
	return nil
}

// Resolve returns the users a step pages at instant at: each user target,
// whoever is on call then in each schedule target, and what the first step
// of each policy target resolves to; in target order, without repeats.
// Names that resolve to nothing are skipped (an empty schedule is not an
// error: the next step will follow).
func (d Directory) Resolve(s Step, at time.Time) []string {
	var out []string
	d.resolve(s, at, &out, map[string]bool{})
	return out
}

func (d Directory) resolve(s Step, at time.Time, out *[]string, seenPolicies map[string]bool) {
	add := func(u string) {
		if !slices.Contains(*out, u) {
			*out = append(*out, u)
		}
	}
	for _, t := range s.Targets {
		switch t.Kind {
		case TargetUser:
			add(t.Name)
		case TargetSchedule:
			if sch, ok := d.Schedules[t.Name]; ok {
				for _, u := range sch.OnCall(at) {
					add(u)
				}
			}
		case TargetPolicy:
			p, ok := d.Policies[t.Name]
			if !ok || seenPolicies[t.Name] || len(p.Steps) == 0 {
				continue
			}
			seenPolicies[t.Name] = true
			d.resolve(p.Steps[0], at, out, seenPolicies)
		}
	}
}

// Position is where an escalation stands: which pass over the steps
// (Round 0 is the first) and which step.
type Position struct {
	Round int `json:"round"`
	Step  int `json:"step"`
}

// Next is the position after pos, and false when the policy is exhausted
// (the last step of the last repeat has run).
func (p Policy) Next(pos Position) (Position, bool) {
	if pos.Step+1 < len(p.Steps) {
		return Position{Round: pos.Round, Step: pos.Step + 1}, true
	}
	if pos.Round < p.Repeat {
		return Position{Round: pos.Round + 1, Step: 0}, true
	}
	return Position{}, false
}
