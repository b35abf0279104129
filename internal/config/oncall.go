package config

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/roster"
	"github.com/firebreak-ir/firebreak/internal/yamlpos"
)

// The on-call file (firebreak config validate|apply) declares users with
// their contact methods, teams, services, schedules, escalation policies
// and incident rules. It is decoded strictly; secrets are never written in
// it, only the names of the environment variables that hold them.
type oncallFile struct {
	Users         []userFile         `yaml:"users"`
	Teams         []teamFile         `yaml:"teams"`
	Services      []serviceFile      `yaml:"services"`
	Schedules     []scheduleFile     `yaml:"schedules"`
	Policies      []policyFile       `yaml:"policies"`
	IncidentRules []incidentRuleFile `yaml:"incident_rules"`
}

type userFile struct {
	Username string        `yaml:"username"`
	Name     string        `yaml:"name"`
	Email    string        `yaml:"email"`
	Role     string        `yaml:"role"`
	Contacts []contactFile `yaml:"contacts"`
	Rules    []ruleFile    `yaml:"rules"`
}

type contactFile struct {
	Name       string `yaml:"name"`
	Kind       string `yaml:"kind"`
	Address    string `yaml:"address"`
	AddressEnv string `yaml:"address_env"`
	SecretEnv  string `yaml:"secret_env"`
	Channel    string `yaml:"channel"`
}

type ruleFile struct {
	Contact      string `yaml:"contact"`
	DelayMinutes int    `yaml:"delay_minutes"`
}

type teamFile struct {
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	Members     []string `yaml:"members"`
}

type serviceFile struct {
	Name                   string `yaml:"name"`
	Description            string `yaml:"description"`
	Team                   string `yaml:"team"`
	Policy                 string `yaml:"policy"`
	KeepPagingWhenResolved bool   `yaml:"keep_paging_when_resolved"`
}

type scheduleFile struct {
	Name      string         `yaml:"name"`
	TimeZone  string         `yaml:"time_zone"`
	Layers    []layerFile    `yaml:"layers"`
	Overrides []overrideFile `yaml:"overrides"`
}

type layerFile struct {
	Name         string            `yaml:"name"`
	Users        []string          `yaml:"users"`
	Start        string            `yaml:"start"`
	Rotation     rotationFile      `yaml:"rotation"`
	HandoffTime  string            `yaml:"handoff_time"`
	Restrictions []restrictionFile `yaml:"restrictions"`
}

type rotationFile struct {
	Kind  string `yaml:"kind"`
	Every int    `yaml:"every"`
	Days  int    `yaml:"days"`
	Hours int    `yaml:"hours"`
}

type restrictionFile struct {
	Days []string `yaml:"days"`
	From string   `yaml:"from"`
	To   string   `yaml:"to"`
}

type overrideFile struct {
	User string `yaml:"user"`
	From string `yaml:"from"`
	To   string `yaml:"to"`
}

type policyFile struct {
	Name        string     `yaml:"name"`
	Description string     `yaml:"description"`
	Repeat      int        `yaml:"repeat"`
	Steps       []stepFile `yaml:"steps"`
}

type stepFile struct {
	DelayMinutes int `yaml:"delay_minutes"`
	// Targets are one-key maps: {user: alice}, {schedule: web}, {policy: p}.
	Targets []map[string]string `yaml:"targets"`
}

type incidentRuleFile struct {
	Severity string `yaml:"severity"`
	Policy   string `yaml:"policy"`
}

// UserSpec is a user the file declares, with their contact methods and
// notification rules.
type UserSpec struct {
	Username string              `json:"username"`
	Name     string              `json:"name,omitempty"`
	Email    string              `json:"email,omitempty"`
	Role     auth.Role           `json:"role"`
	Contacts roster.UserContacts `json:"-"`
}

// Oncall is a parsed on-call file: its users and its objects, ready to
// apply, and where each thing is written, to place later problems.
type Oncall struct {
	Users   []UserSpec
	Objects roster.Objects
	// Secrets are the values of the environment variables the file names
	// (secret_env, address_env), by variable.
	Secrets map[string]string

	pos  *positions
	refs []userRef
}

// userRef is a place the file names a user.
type userRef struct{ path, user string }

// usernameRE is auth's rule for usernames.
var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ParseOncall decodes an on-call file and checks everything that needs no
// server: the shape (unknown keys are errors), names, times, contact
// methods (secret looks up the environment variables the file names; nil
// finds none), duplicates, and the objects with their references between
// them. Users the file names without declaring them are taken to exist:
// Undeclared lists them, and Check verifies them against a server. The
// error is Problems, each placed in the file.
func ParseOncall(data []byte, secret func(name string) (string, bool)) (o *Oncall, err error) {
	defer func() {
		if r := recover(); r != nil { // the YAML library on hostile input
			o, err = nil, Problems{{Message: fmt.Sprintf("cannot parse the file: %v", r)}}
		}
	}()
	o = &Oncall{Objects: roster.NewObjects(), Secrets: map[string]string{}, pos: newPositions()}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, Problems{yamlProblem(err)}
	}
	var body ast.Node
	if len(file.Docs) > 0 {
		body = file.Docs[0].Body
	}
	if len(file.Docs) > 1 {
		p := Problem{Message: "the file holds more than one YAML document; put everything in one"}
		if at := yamlpos.Of(file.Docs[1].Body); at.Line > 0 {
			p.Line, p.Column = at.Line, at.Col
		}
		return nil, Problems{p}
	}
	if body == nil {
		return o, nil
	}
	var f oncallFile
	if err := yaml.NodeToValue(body, &f, yaml.Strict()); err != nil {
		return nil, Problems{yamlProblem(err)}
	}
	o.pos.at = yamlpos.Build(body)
	c := &converter{o: o, secret: secret}
	c.users(f.Users)
	c.teams(f.Teams)
	c.services(f.Services)
	c.schedules(f.Schedules)
	c.policies(f.Policies)
	c.incidentRules(f.IncidentRules)
	// Without a server: users named but not declared are assumed to exist,
	// and every severity the rules name is assumed configured.
	assumed := map[string]bool{}
	for _, r := range o.refs {
		assumed[r.user] = true
	}
	var sevs []string
	for _, r := range o.Objects.IncidentRules {
		sevs = append(sevs, r.Severity)
	}
	probs := c.merge(o.check(assumed, sevs))
	if len(probs) > 0 {
		return nil, probs
	}
	return o, nil
}

// Undeclared lists, as problems to show as information, each place the
// file names a user it does not declare: such users must exist on the
// server.
func (o *Oncall) Undeclared() Problems {
	declared := map[string]bool{}
	for _, u := range o.Users {
		declared[u.Username] = true
	}
	var out Problems
	for _, r := range o.refs {
		if !declared[r.user] {
			out = append(out, o.pos.problem(r.path, "user %q is not declared in the file: it must exist on the server", r.user))
		}
	}
	out.sort()
	return out
}

// Check checks the file's objects against a server's: existing are the
// users there (the file's own count too) and severities its levels. The
// error is Problems.
func (o *Oncall) Check(existing map[string]bool, severities []string) error {
	if ps := o.check(existing, severities); len(ps) > 0 {
		return ps
	}
	return nil
}

func (o *Oncall) check(existing map[string]bool, severities []string) Problems {
	users := map[string]bool{}
	for u, ok := range existing {
		users[u] = ok
	}
	for _, u := range o.Users {
		users[u.Username] = true
	}
	ps := o.Locate(o.Objects.Check(users, severities))
	ps.sort()
	return ps
}

// Locate places the problems of an error about the file's objects or
// users (as paging's checks report them, by name) in the file.
func (o *Oncall) Locate(err error) Problems {
	if ps, ok := err.(Problems); ok {
		return ps
	}
	return o.pos.locate(err)
}

// UserContacts lists each declared user's contact methods and rules.
func (o *Oncall) UserContacts() []roster.UserContacts {
	out := make([]roster.UserContacts, 0, len(o.Users))
	for _, u := range o.Users {
		out = append(out, u.Contacts)
	}
	return out
}

// converter turns the decoded file into users and objects, collecting
// problems.
type converter struct {
	o      *Oncall
	secret func(string) (string, bool)
	probs  Problems
}

func (c *converter) add(path, format string, args ...any) {
	c.probs = append(c.probs, c.o.pos.problem(path, format, args...))
}

// merge adds the domain's problems to the converter's, leaving out those
// at a path the converter already reported (a time it could not read is
// also a missing one to the domain).
func (c *converter) merge(domain Problems) Problems {
	seen := map[string]bool{}
	for _, p := range c.probs {
		seen[p.Path] = true
	}
	out := slices.Clone(c.probs)
	for _, p := range domain {
		if !seen[p.Path] {
			out = append(out, p)
		}
	}
	out.sort()
	return out
}

// name checks an object's name is present and new in its kind, and
// records its index; false means skip the object.
func (c *converter) name(kind string, i int, name string) bool {
	p := fmt.Sprintf("%s[%d]", kind, i)
	field := ".name"
	switch kind {
	case "incident_rules":
		field = ".severity"
	case "users":
		field = ".username"
	}
	if strings.TrimSpace(name) == "" {
		c.add(p+field, "is required")
		return false
	}
	names := c.o.pos.names[kind]
	if names == nil {
		names = map[string]int{}
		c.o.pos.names[kind] = names
	}
	if j, ok := names[name]; ok {
		at := c.o.pos.at.Find(fmt.Sprintf("%s[%d]", kind, j))
		c.add(p+field, "%q is already declared at %s[%d] (line %d)", name, kind, j, at.Line)
		return false
	}
	names[name] = i
	return true
}

func (c *converter) ref(path, user string) {
	if user != "" {
		c.o.refs = append(c.o.refs, userRef{path, user})
	}
}

func (c *converter) users(us []userFile) {
	for i, u := range us {
		p := fmt.Sprintf("users[%d]", i)
		switch {
		case u.Username == "":
			c.add(p+".username", "is required")
			continue
		case !usernameRE.MatchString(u.Username):
			c.add(p+".username", "%q must be 1–63 lowercase letters, digits, or . _ -, starting with a letter or digit", u.Username)
			continue
		}
		if !c.name("users", i, u.Username) {
			continue
		}
		spec := UserSpec{Username: u.Username, Name: strings.TrimSpace(u.Name), Email: u.Email, Role: auth.Role(u.Role)}
		if spec.Role == "" {
			spec.Role = auth.Responder
		}
		if !spec.Role.Valid() {
			c.add(p+".role", "unknown role %q (want viewer, responder or admin)", u.Role)
		}
		if len(spec.Name) > 200 {
			c.add(p+".name", "is longer than 200 bytes")
		}
		if u.Email != "" {
			if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email || len(u.Email) > 254 {
				c.add(p+".email", "%q is not a plain email address such as alice@example.com", u.Email)
			}
		}
		spec.Contacts = c.contacts(p, u)
		c.o.Users = append(c.o.Users, spec)
	}
}

func (c *converter) contacts(p string, u userFile) roster.UserContacts {
	uc := roster.UserContacts{User: u.Username}
	names := map[string]int{}
	for j, cf := range u.Contacts {
		cp := fmt.Sprintf("%s.contacts[%d]", p, j)
		name := strings.TrimSpace(cf.Name)
		switch k, dup := names[name]; {
		case name == "":
			c.add(cp+".name", "is required: rules name the contact method by it")
			continue
		case len(name) > 64:
			c.add(cp+".name", "is longer than 64 characters")
			continue
		case dup:
			c.add(cp+".name", "%q is already the name of contacts[%d]", name, k)
			continue
		}
		names[name] = j
		t := notify.Target{Kind: notify.Kind(cf.Kind), Address: cf.Address, Channel: cf.Channel}
		ok := true
		if cf.AddressEnv != "" {
			if cf.Address != "" {
				c.add(cp+".address_env", "set address or address_env, not both")
				ok = false
			} else if v, found := c.env(cp+".address_env", cf.AddressEnv); found {
				t.Address = v
			} else {
				ok = false
			}
		}
		if cf.SecretEnv != "" {
			if v, found := c.env(cp+".secret_env", cf.SecretEnv); found {
				t.Secret = v
			} else {
				ok = false
			}
		}
		if ok {
			if err := t.Validate(); err != nil {
				c.add(cp+"."+contactField(cf, err), "%s", errMessage(err))
				ok = false
			}
		}
		if ok {
			uc.Contacts = append(uc.Contacts, roster.ContactSpec{Name: name, Target: t})
		}
	}
	seen := map[roster.RuleSpec]int{}
	for j, r := range u.Rules {
		rp := fmt.Sprintf("%s.rules[%d]", p, j)
		rs := roster.RuleSpec{Contact: strings.TrimSpace(r.Contact), DelayMinutes: r.DelayMinutes}
		if _, ok := names[rs.Contact]; !ok {
			c.add(rp+".contact", "unknown contact method %q: name one of this user's contacts", r.Contact)
			continue
		}
		if r.DelayMinutes < 0 || r.DelayMinutes > 1440 {
			c.add(rp+".delay_minutes", "must be between 0 and 1440, not %d", r.DelayMinutes)
			continue
		}
		if k, dup := seen[rs]; dup {
			c.add(rp, "is the same as rules[%d]", k)
			continue
		}
		seen[rs] = j
		uc.Rules = append(uc.Rules, rs)
	}
	return uc
}

// env reads the environment variable a contact names.
func (c *converter) env(path, name string) (string, bool) {
	if !envNameRE.MatchString(name) {
		c.add(path, "%q is not an environment variable name", name)
		return "", false
	}
	var v string
	var ok bool
	if c.secret != nil {
		v, ok = c.secret(name)
	}
	if !ok || v == "" {
		c.add(path, "environment variable %s is not set", name)
		return "", false
	}
	c.o.Secrets[name] = v
	return v, true
}

// contactField is the key of a contact's YAML a target's problem is about.
func contactField(cf contactFile, err error) string {
	field := "kind"
	if e, ok := errField(err); ok {
		field = e
	}
	switch field {
	case "address":
		if cf.AddressEnv != "" {
			return "address_env"
		}
	case "secret":
		return "secret_env"
	}
	return field
}

func (c *converter) teams(ts []teamFile) {
	for i, t := range ts {
		if !c.name("teams", i, t.Name) {
			continue
		}
		for j, m := range t.Members {
			c.ref(fmt.Sprintf("teams[%d].members[%d]", i, j), m)
		}
		c.o.Objects.Put(roster.Team{Name: t.Name, Description: t.Description, Members: t.Members})
	}
}

func (c *converter) services(ss []serviceFile) {
	for i, s := range ss {
		if c.name("services", i, s.Name) {
			c.o.Objects.Put(roster.Service{Name: s.Name, Description: s.Description, Team: s.Team, Policy: s.Policy,
				KeepPagingWhenResolved: s.KeepPagingWhenResolved})
		}
	}
}

func (c *converter) schedules(ss []scheduleFile) {
	for i, sf := range ss {
		if !c.name("schedules", i, sf.Name) {
			continue
		}
		p := fmt.Sprintf("schedules[%d]", i)
		s := oncall.Schedule{Name: sf.Name, TimeZone: sf.TimeZone}
		for j, lf := range sf.Layers {
			lp := fmt.Sprintf("%s.layers[%d]", p, j)
			l := oncall.Layer{Name: lf.Name, Users: lf.Users, HandoffTime: lf.HandoffTime, Start: c.time(lp+".start", lf.Start),
				Rotation: oncall.Rotation{Kind: oncall.RotationKind(lf.Rotation.Kind), Every: lf.Rotation.Every, Days: lf.Rotation.Days, Hours: lf.Rotation.Hours}}
			for k, u := range lf.Users {
				c.ref(fmt.Sprintf("%s.users[%d]", lp, k), u)
			}
			for k, rf := range lf.Restrictions {
				rp := fmt.Sprintf("%s.restrictions[%d]", lp, k)
				r := oncall.Restriction{From: rf.From, To: rf.To}
				for d, day := range rf.Days {
					wd, ok := weekdays[strings.ToLower(day)]
					if !ok {
						c.add(fmt.Sprintf("%s.days[%d]", rp, d), "unknown day %q (want mon to sun, or monday to sunday)", day)
						continue
					}
					r.Days = append(r.Days, wd)
				}
				l.Restrictions = append(l.Restrictions, r)
			}
			s.Layers = append(s.Layers, l)
		}
		for j, of := range sf.Overrides {
			op := fmt.Sprintf("%s.overrides[%d]", p, j)
			c.ref(op+".user", of.User)
			s.Overrides = append(s.Overrides, oncall.Override{User: of.User, From: c.time(op+".from", of.From), To: c.time(op+".to", of.To)})
		}
		c.o.Objects.Put(s)
	}
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

// time reads an RFC 3339 time; an empty one is left zero, for the
// domain's "is required".
func (c *converter) time(path, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		c.add(path, "%q is not a time with its offset, such as 2026-11-02T09:00:00+01:00 (RFC 3339)", s)
		return time.Time{}
	}
	return t
}

func (c *converter) policies(ps []policyFile) {
	for i, pf := range ps {
		if !c.name("policies", i, pf.Name) {
			continue
		}
		p := fmt.Sprintf("policies[%d]", i)
		pol := oncall.Policy{Name: pf.Name, Description: pf.Description, Repeat: pf.Repeat}
		for j, sf := range pf.Steps {
			step := oncall.Step{Delay: oncall.Minutes(sf.DelayMinutes)}
			for k, tm := range sf.Targets {
				tp := fmt.Sprintf("%s.steps[%d].targets[%d]", p, j, k)
				if len(tm) != 1 {
					c.add(tp, "a target is one of {user: NAME}, {schedule: NAME} or {policy: NAME}")
					continue
				}
				for kind, name := range tm {
					// The domain names a target's parts kind and name.
					c.o.pos.at[tp+".name"] = c.o.pos.at.Find(tp + "." + kind)
					c.o.pos.at[tp+".kind"] = c.o.pos.at.Find(tp + "." + kind + "#key")
					if kind == string(oncall.TargetUser) {
						c.ref(tp+".user", name)
					}
					step.Targets = append(step.Targets, oncall.Target{Kind: oncall.TargetKind(kind), Name: name})
				}
			}
			pol.Steps = append(pol.Steps, step)
		}
		c.o.Objects.Put(pol)
	}
}

func (c *converter) incidentRules(rs []incidentRuleFile) {
	for i, r := range rs {
		if c.name("incident_rules", i, r.Severity) {
			c.o.Objects.Put(roster.IncidentRule{Severity: r.Severity, Policy: r.Policy})
		}
	}
}
