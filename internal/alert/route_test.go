package alert

import (
	"reflect"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

func mustMatchers(t *testing.T, s string) Matchers {
	t.Helper()
	ms, err := ParseMatchers(s)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return ms
}

func testTree(t *testing.T) *Route {
	return &Route{
		Service: "platform", Team: "sre", GroupBy: []string{"alertname"},
		Routes: []*Route{
			{Matchers: mustMatchers(t, `team="db"`), Service: "database", Team: "dba", Window: time.Minute,
				Routes: []*Route{
					{Matchers: mustMatchers(t, `env="prod"`), GroupBy: []string{"alertname", "cluster"}},
				}},
			{Matchers: mustMatchers(t, `severity=~"critical|page"`), Team: "oncall", Continue: true},
			{Matchers: mustMatchers(t, `service="checkout"`), Service: "checkout", GroupBy: []string{}},
			{Matchers: mustMatchers(t, `service="checkout"`), Service: "never"},
		},
	}
}

func TestRouteMatch(t *testing.T) {
	t.Parallel()
	root := testTree(t)
	if err := root.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		labels map[string]string
		want   []Destination
	}{
		{"no child matches: the root's defaults", map[string]string{"alertname": "X"},
			[]Destination{{Service: "platform", Team: "sre", GroupBy: []string{"alertname"}, Window: DefaultWindow, Path: "{}"}}},
		{"child inherits group_by, overrides service, team and window", map[string]string{"team": "db", "env": "dev"},
			[]Destination{{Service: "database", Team: "dba", GroupBy: []string{"alertname"}, Window: time.Minute, Path: `{}/{team="db"}`}}},
		{"grandchild", map[string]string{"team": "db", "env": "prod"},
			[]Destination{{Service: "database", Team: "dba", GroupBy: []string{"alertname", "cluster"}, Window: time.Minute, Path: `{}/{team="db"}/{env="prod"}`}}},
		{"first match wins: db stops before severity", map[string]string{"team": "db", "severity": "critical"},
			[]Destination{{Service: "database", Team: "dba", GroupBy: []string{"alertname"}, Window: time.Minute, Path: `{}/{team="db"}`}}},
		{"continue: severity and then checkout", map[string]string{"severity": "page", "service": "checkout"},
			[]Destination{
				{Service: "platform", Team: "oncall", GroupBy: []string{"alertname"}, Window: DefaultWindow, Path: `{}/{severity=~"critical|page"}`},
				{Service: "checkout", Team: "sre", GroupBy: []string{}, Window: DefaultWindow, Path: `{}/{service="checkout"}`},
			}},
		{"continue with nothing after it", map[string]string{"severity": "critical"},
			[]Destination{{Service: "platform", Team: "oncall", GroupBy: []string{"alertname"}, Window: DefaultWindow, Path: `{}/{severity=~"critical|page"}`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := root.Match(tt.labels)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestRouteDuplicateSiblingPaths(t *testing.T) {
	t.Parallel()
	root := &Route{Service: "s", Routes: []*Route{
		{Matchers: mustMatchers(t, `a="1"`), Team: "x", Continue: true},
		{Matchers: mustMatchers(t, `a="1"`), Team: "y"},
	}}
	got := root.Match(map[string]string{"a": "1"})
	if len(got) != 2 || got[0].Path != `{}/{a="1"}` || got[1].Path != `{}/{a="1"}#1` {
		t.Errorf("paths: %+v", got)
	}
}

func TestRouteValidate(t *testing.T) {
	t.Parallel()
	bad := &Route{
		Matchers: mustMatchers(t, `a="b"`),
		Continue: true,
		GroupBy:  []string{"x", "x", ""},
		Window:   -time.Second,
		Routes: []*Route{
			nil,
			{Matchers: Matchers{{Type: MatchRegexp, Name: "a", Value: "("}, nil}, GroupBy: []string{"...", "b"},
				Routes: []*Route{{Matchers: Matchers{{Type: "<>", Name: "a"}}}}},
		},
	}
	err := bad.Validate()
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		t.Fatalf("got %v, want an Invalid *errs.Error", err)
	}
	want := []errs.Detail{
		{Field: "route.service", Message: "the root route needs a service"},
		{Field: "route.matchers", Message: "the root route matches every alert and must not have matchers"},
		{Field: "route.continue", Message: "the root route must not set continue"},
		{Field: "route.group_by[1]", Message: `label "x" is listed twice`},
		{Field: "route.group_by[2]", Message: "label name must not be empty"},
		{Field: "route.window", Message: "must not be negative, got -1s"},
		{Field: "route.routes[0]", Message: "must not be null"},
		{Field: "route.routes[1].matchers[0]", Message: `invalid regular expression "(": missing closing )`},
		{Field: "route.routes[1].matchers[1]", Message: "must not be null"},
		{Field: "route.routes[1].group_by[0]", Message: `"..." must be the only entry`},
		{Field: "route.routes[1].routes[0].matchers[0]", Message: `unknown match type "<>"`},
	}
	if !reflect.DeepEqual(e.Details, want) {
		t.Errorf("details:\n got %q\nwant %q", e.Details, want)
	}
	if got := err.Error(); got != "route.service: the root route needs a service" {
		t.Errorf("Error() = %q", got)
	}
	if err := (&Route{Service: "s"}).Validate(); err != nil {
		t.Errorf("minimal root: %v", err)
	}
}
