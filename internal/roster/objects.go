package roster

import (
	"fmt"
	"regexp"
	"slices"
	"sort"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/oncall"
)

// Team owns services and groups the people who answer for them.
type Team struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Members     []string `json:"members,omitempty"`
}

// Service is something that can break: routing lands alerts on it, and a
// new queue entry for it pages its escalation policy. When every alert of
// an entry nobody has acknowledged resolves, its escalation stops, unless
// KeepPagingWhenResolved (for services whose alerts resolve on their own
// while the cause stays, such as a flapping health check).
type Service struct {
	Name                   string `json:"name"`
	Description            string `json:"description,omitempty"`
	Team                   string `json:"team,omitempty"`
	Policy                 string `json:"policy,omitempty"`
	KeepPagingWhenResolved bool   `json:"keep_paging_when_resolved,omitempty"`
}

// IncidentRule pages Policy when an incident is declared at, or raised
// to, Severity and has no Incident Commander.
type IncidentRule struct {
	Severity string `json:"severity"`
	Policy   string `json:"policy"`
}

// Kind names a kind of on-call object.
type Kind string

const (
	KindTeam         Kind = "team"
	KindService      Kind = "service"
	KindSchedule     Kind = "schedule"
	KindPolicy       Kind = "policy"
	KindIncidentRule Kind = "incident_rule"
)

// Kinds in the order a change applies them: what is referred to first.
var Kinds = []Kind{KindTeam, KindSchedule, KindPolicy, KindService, KindIncidentRule}

// Key names one object.
type Key struct {
	Kind Kind   `json:"kind"`
	Name string `json:"name"`
}

func (k Key) String() string { return string(k.Kind) + " " + k.Name }

// Objects is the whole on-call configuration.
type Objects struct {
	Teams         map[string]Team            `json:"teams"`
	Services      map[string]Service         `json:"services"`
	Schedules     map[string]oncall.Schedule `json:"schedules"`
	Policies      map[string]oncall.Policy   `json:"policies"`
	IncidentRules map[string]IncidentRule    `json:"incident_rules"`
}

// NewObjects returns an empty configuration.
func NewObjects() Objects {
	return Objects{Teams: map[string]Team{}, Services: map[string]Service{}, Schedules: map[string]oncall.Schedule{},
		Policies: map[string]oncall.Policy{}, IncidentRules: map[string]IncidentRule{}}
}

// Clone copies o deeply enough to change its maps.
func (o Objects) Clone() Objects {
	c := NewObjects()
	for k, v := range o.Teams {
		c.Teams[k] = v
	}
	for k, v := range o.Services {
		c.Services[k] = v
	}
	for k, v := range o.Schedules {
		c.Schedules[k] = v
	}
	for k, v := range o.Policies {
		c.Policies[k] = v
	}
	for k, v := range o.IncidentRules {
		c.IncidentRules[k] = v
	}
	return c
}

// Get returns the object named by k, and whether it exists.
func (o Objects) Get(k Key) (any, bool) {
	var v any
	var ok bool
	switch k.Kind {
	case KindTeam:
		v, ok = o.Teams[k.Name]
	case KindService:
		v, ok = o.Services[k.Name]
	case KindSchedule:
		v, ok = o.Schedules[k.Name]
	case KindPolicy:
		v, ok = o.Policies[k.Name]
	case KindIncidentRule:
		v, ok = o.IncidentRules[k.Name]
	}
	return v, ok
}

// Put sets the object v (a Team, Service, oncall.Schedule, oncall.Policy
// or IncidentRule) under its name.
func (o Objects) Put(v any) Key {
	switch x := v.(type) {
	case Team:
		o.Teams[x.Name] = x
		return Key{KindTeam, x.Name}
	case Service:
		o.Services[x.Name] = x
		return Key{KindService, x.Name}
	case oncall.Schedule:
		o.Schedules[x.Name] = x
		return Key{KindSchedule, x.Name}
	case oncall.Policy:
		o.Policies[x.Name] = x
		return Key{KindPolicy, x.Name}
	case IncidentRule:
		o.IncidentRules[x.Severity] = x
		return Key{KindIncidentRule, x.Severity}
	}
	panic(fmt.Sprintf("roster: Put of %T", v))
}

// Delete removes the object named by k.
func (o Objects) Delete(k Key) {
	switch k.Kind {
	case KindTeam:
		delete(o.Teams, k.Name)
	case KindService:
		delete(o.Services, k.Name)
	case KindSchedule:
		delete(o.Schedules, k.Name)
	case KindPolicy:
		delete(o.Policies, k.Name)
	case KindIncidentRule:
		delete(o.IncidentRules, k.Name)
	}
}

// Keys lists every object's key in Kinds order, then by name.
func (o Objects) Keys() []Key {
	var out []Key
	add := func(kind Kind, names []string) {
		sort.Strings(names)
		for _, n := range names {
			out = append(out, Key{kind, n})
		}
	}
	for _, k := range Kinds {
		switch k {
		case KindTeam:
			add(k, keys(o.Teams))
		case KindService:
			add(k, keys(o.Services))
		case KindSchedule:
			add(k, keys(o.Schedules))
		case KindPolicy:
			add(k, keys(o.Policies))
		case KindIncidentRule:
			add(k, keys(o.IncidentRules))
		}
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Directory is the lookup escalation policies resolve against.
func (o Objects) Directory(users map[string]bool) oncall.Directory {
	return oncall.Directory{Users: users, Schedules: o.Schedules, Policies: o.Policies}
}

var nameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$`)

// Check validates every object and every reference between them: users
// (users says who exists), teams, schedules, policies (and loops through
// them), severities. The error is an errs.Invalid whose details name each
// problem by its path, such as "policies.primary.steps[0].targets[1].name".
func (o Objects) Check(users map[string]bool, severities []string) error {
	var ds []errs.Detail
	add := func(field, format string, args ...any) {
		ds = append(ds, errs.Detail{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	sub := func(prefix string, err error) {
		if err == nil {
			return
		}
		if e, ok := errs.As(err); ok && len(e.Details) > 0 {
			for _, d := range e.Details {
				ds = append(ds, errs.Detail{Field: prefix + "." + d.Field, Message: d.Message})
			}
			return
		}
		if e, ok := errs.As(err); ok {
			ds = append(ds, errs.Detail{Field: prefix + "." + e.Field, Message: e.Message})
			return
		}
		add(prefix, "%v", err)
	}
	name := func(p, n string) {
		if !nameRE.MatchString(n) {
			add(p+".name", "%q is not a valid name (letters, digits, '.', '_' or '-', at most 64, starting with a letter or digit)", n)
		}
	}
	user := func(p, u string) {
		if !users[u] {
			add(p, "unknown user %q", u)
		}
	}
	for _, n := range sorted(o.Teams) {
		t, p := o.Teams[n], "teams."+n
		name(p, t.Name)
		for i, m := range t.Members {
			user(fmt.Sprintf("%s.members[%d]", p, i), m)
		}
	}
	for _, n := range sorted(o.Schedules) {
		s, p := o.Schedules[n], "schedules."+n
		name(p, s.Name)
		sub(p, s.Validate())
		for i, l := range s.Layers {
			for j, u := range l.Users {
				if u != "" {
					user(fmt.Sprintf("%s.layers[%d].users[%d]", p, i, j), u)
				}
			}
		}
		for i, ov := range s.Overrides {
			if ov.User != "" {
				user(fmt.Sprintf("%s.overrides[%d].user", p, i), ov.User)
			}
		}
	}
	dir := o.Directory(users)
	for _, n := range sorted(o.Policies) {
		pol, p := o.Policies[n], "policies."+n
		name(p, pol.Name)
		if err := pol.Validate(); err != nil {
			sub(p, err)
			continue
		}
		sub(p, dir.CheckReferences(pol))
	}
	for _, n := range sorted(o.Services) {
		s, p := o.Services[n], "services."+n
		name(p, s.Name)
		if s.Team != "" {
			if _, ok := o.Teams[s.Team]; !ok {
				add(p+".team", "unknown team %q", s.Team)
			}
		}
		if s.Policy != "" {
			if _, ok := o.Policies[s.Policy]; !ok {
				add(p+".policy", "unknown escalation policy %q", s.Policy)
			}
		}
	}
	for _, n := range sorted(o.IncidentRules) {
		r, p := o.IncidentRules[n], "incident_rules."+n
		if !slices.Contains(severities, r.Severity) {
			add(p+".severity", "unknown severity %q (want one of %v)", r.Severity, severities)
		}
		if _, ok := o.Policies[r.Policy]; !ok {
			add(p+".policy", "unknown escalation policy %q", r.Policy)
		}
	}
	if len(ds) == 0 {
		return nil
	}
	return &errs.Error{Code: errs.Invalid, Field: ds[0].Field, Message: ds[0].Message, Details: ds}
}

func sorted[V any](m map[string]V) []string {
	k := keys(m)
	sort.Strings(k)
	return k
}

// CheckChange checks after, the configuration a change leads to, but
// fails only on problems the change brings: a problem already there in
// before (a user since deactivated, still in some schedule) must not block
// every unrelated edit until someone fixes it.
func CheckChange(before, after Objects, users map[string]bool, severities []string) error {
	err := after.Check(users, severities)
	if err == nil {
		return nil
	}
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	old := map[errs.Detail]bool{}
	if be, ok := errs.As(before.Check(users, severities)); ok {
		for _, d := range be.Details {
			old[d] = true
		}
	}
	var ds []errs.Detail
	for _, d := range e.Details {
		if !old[d] {
			ds = append(ds, d)
		}
	}
	if len(ds) == 0 {
		return nil
	}
	return &errs.Error{Code: errs.Invalid, Field: ds[0].Field, Message: ds[0].Message, Details: ds}
}
