package alert

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// DefaultWindow is the grouping window when no route in the path sets one.
const DefaultWindow = 5 * time.Minute

// GroupByAll as the only GroupBy entry groups by every label, so each
// distinct label set is a group of its own (Alertmanager's "...").
const GroupByAll = "..."

// Route is one node of a routing tree, like Alertmanager's route. The root
// matches every alert and holds the defaults; a child is tried in order and
// the first whose matchers match wins, unless it sets Continue, in which
// case the following siblings are tried too. An alert no child matches goes
// to the node itself. Unset fields are inherited from the parent: an empty
// Service, Team, or a zero Window, and a nil GroupBy (a non-nil empty
// GroupBy means "all alerts of this route in one group").
type Route struct {
	Matchers Matchers
	Service  string
	Team     string
	GroupBy  []string
	// Window is how long a group stays open for new alerts after its last
	// alert was seen, once none of its alerts is firing.
	Window   time.Duration
	Continue bool
	Routes   []*Route
}

// Destination is where a routed alert goes. Its JSON form is
// DestinationJSON.
type Destination struct {
	Service string
	Team    string
	GroupBy []string
	Window  time.Duration
	// Path names the route node, stable across unrelated config changes:
	// "{}" for the root, then "/" and each node's matchers, e.g.
	// {}/{team="db"}/{env="prod"}. A node whose matchers repeat an earlier
	// sibling's gets "#" and its index appended.
	Path string
}

// Match returns the destinations of an alert with these labels, in route
// order; nil when r's own matchers do not match.
func (r *Route) Match(labels map[string]string) []Destination {
	root := Destination{Window: DefaultWindow, Path: "{}"}
	return r.match(labels, root, true)
}

func (r *Route) match(labels map[string]string, d Destination, root bool) []Destination {
	if !r.Matchers.Matches(labels) {
		return nil
	}
	if r.Service != "" {
		d.Service = r.Service
	}
	if r.Team != "" {
		d.Team = r.Team
	}
	if r.GroupBy != nil {
		d.GroupBy = r.GroupBy
	}
	if r.Window != 0 {
		d.Window = r.Window
	}
	var out []Destination
	for i, c := range r.Routes {
		cd := d
		cd.Path = d.Path + "/" + r.childKey(i)
		got := c.match(labels, cd, false)
		if len(got) == 0 {
			continue
		}
		out = append(out, got...)
		if !c.Continue {
			break
		}
	}
	if len(out) == 0 {
		d.GroupBy = slices.Clone(d.GroupBy)
		return []Destination{d}
	}
	return out
}

func (r *Route) childKey(i int) string {
	key := r.Routes[i].Matchers.String()
	for j := range i {
		if r.Routes[j].Matchers.String() == key {
			return key + "#" + strconv.Itoa(i)
		}
	}
	return key
}

// Validate checks a routing tree whose r is the root. It reports every
// problem, as an *errs.Error with code Invalid whose Details name each
// node by its position ("route", "route.routes[1].routes[0]").
func (r *Route) Validate() error {
	var ds []errs.Detail
	add := func(field, format string, args ...any) {
		ds = append(ds, errs.Detail{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if r.Service == "" {
		add("route.service", "the root route needs a service")
	}
	if len(r.Matchers) > 0 {
		add("route.matchers", "the root route matches every alert and must not have matchers")
	}
	if r.Continue {
		add("route.continue", "the root route must not set continue")
	}
	r.validate("route", add)
	if len(ds) == 0 {
		return nil
	}
	return &errs.Error{Code: errs.Invalid, Field: ds[0].Field, Message: ds[0].Message, Details: ds}
}

func (r *Route) validate(at string, add func(field, format string, args ...any)) {
	for i, m := range r.Matchers {
		field := fmt.Sprintf("%s.matchers[%d]", at, i)
		if m == nil {
			add(field, "must not be null")
			continue
		}
		if _, err := NewMatcher(m.Type, m.Name, m.Value); err != nil {
			add(field, "%s", err.Error())
		}
	}
	seen := map[string]bool{}
	for i, l := range r.GroupBy {
		field := fmt.Sprintf("%s.group_by[%d]", at, i)
		switch {
		case l == GroupByAll && len(r.GroupBy) > 1:
			add(field, "%q must be the only entry", GroupByAll)
		case l == "":
			add(field, "label name must not be empty")
		case seen[l]:
			add(field, "label %q is listed twice", l)
		}
		seen[l] = true
	}
	if r.Window < 0 {
		add(at+".window", "must not be negative, got %s", r.Window)
	}
	if r.Window%time.Second != 0 {
		// Destinations show it in whole seconds.
		add(at+".window", "must be whole seconds, got %s", r.Window)
	}
	for i, c := range r.Routes {
		field := fmt.Sprintf("%s.routes[%d]", at, i)
		if c == nil {
			add(field, "must not be null")
			continue
		}
		c.validate(field, add)
	}
}
