package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
)

// RouteFile is one node of the routing tree, as written in YAML. Matchers
// use Alertmanager's syntax: `team="db"`, `severity=~"critical|page"`.
type RouteFile struct {
	Matchers    []string    `yaml:"matchers"`
	Service     string      `yaml:"service"`
	Team        string      `yaml:"team"`
	GroupBy     []string    `yaml:"group_by"`
	GroupWindow string      `yaml:"group_window"` // a Go duration such as 10m
	Continue    bool        `yaml:"continue"`
	Routes      []RouteFile `yaml:"routes"`
}

// IntegrationFile declares an integration; its secret comes from the
// environment variable named, never from the file.
type IntegrationFile struct {
	Name     string `yaml:"name"`
	Kind     string `yaml:"kind"`
	Service  string `yaml:"service"`
	Team     string `yaml:"team"`
	TokenEnv string `yaml:"token_env"`
}

// SecurityTxtFile configures /.well-known/security.txt.
type SecurityTxtFile struct {
	Contacts  []string `yaml:"contacts"`
	Policy    string   `yaml:"policy"`
	Languages string   `yaml:"languages"`
}

// Routes converts the routing tree, checking every matcher and duration;
// errors name the node by its position, such as routes[1].routes[0].
func (f File) Routes() ([]*alert.Route, error) {
	var out []*alert.Route
	for i, rf := range f.RouteTree {
		r, err := rf.route(fmt.Sprintf("routes[%d]", i))
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	// Validate the whole tree under a stand-in root: every integration
	// supplies its own service and team as the root's.
	root := &alert.Route{Service: "default", Routes: out}
	if err := root.Validate(); err != nil {
		return nil, fmt.Errorf("routes: %w", err)
	}
	return out, nil
}

func (rf RouteFile) route(at string) (*alert.Route, error) {
	r := &alert.Route{Service: rf.Service, Team: rf.Team, GroupBy: rf.GroupBy, Continue: rf.Continue}
	for i, m := range rf.Matchers {
		ms, err := alert.ParseMatchers(m)
		if err != nil {
			return nil, fmt.Errorf("%s.matchers[%d]: %w", at, i, err)
		}
		r.Matchers = append(r.Matchers, ms...)
	}
	if rf.GroupWindow != "" {
		d, err := time.ParseDuration(rf.GroupWindow)
		if err != nil || d <= 0 || d > 7*24*time.Hour {
			return nil, fmt.Errorf("%s.group_window: %q is not a duration between 1s and 168h, such as 10m", at, rf.GroupWindow)
		}
		r.Window = d
	}
	for i, c := range rf.Routes {
		child, err := c.route(fmt.Sprintf("%s.routes[%d]", at, i))
		if err != nil {
			return nil, err
		}
		r.Routes = append(r.Routes, child)
	}
	return r, nil
}

func (f File) checkIntake() error {
	seen := map[string]bool{}
	for i, in := range f.Integrations {
		at := fmt.Sprintf("integrations[%d]", i)
		switch {
		case in.Name == "":
			return fmt.Errorf("%s.name: is required", at)
		case seen[in.Name]:
			return fmt.Errorf("%s.name: %s is listed twice", at, in.Name)
		case in.Kind != "alertmanager" && in.Kind != "grafana" && in.Kind != "generic" && in.Kind != "pagerduty":
			return fmt.Errorf("%s.kind: %q is not alertmanager, grafana, generic or pagerduty", at, in.Kind)
		case in.TokenEnv == "":
			return fmt.Errorf("%s.token_env: name the environment variable that holds the integration's secret", at)
		}
		seen[in.Name] = true
	}
	for i, c := range f.SecurityTxt.Contacts {
		if !strings.HasPrefix(c, "mailto:") && !strings.HasPrefix(c, "https://") && !strings.HasPrefix(c, "tel:") {
			return fmt.Errorf("security_txt.contacts[%d]: %q must be a mailto:, https: or tel: URI", i, c)
		}
	}
	_, err := f.Routes()
	return err
}
