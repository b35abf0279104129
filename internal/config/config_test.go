package config

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, err string
	}{
		{"empty is defaults", "", ""},
		{"levels", "severities:\n  - name: P1\n    description: worst\n    significant: true\n  - name: P2\npostmortem_business_days: 3\n", ""},
		{"unknown key names its line", "severities: []\npostmortem_days: 3\n", `[2:1] unknown field "postmortem_days"`},
		{"unknown level key", "severities:\n  - name: P1\n    signifcant: true\n", `[3:5] unknown field "signifcant"`},
		{"duplicate level", "severities:\n  - name: P1\n  - name: P1\n", "severities[1].name: P1 is listed twice"},
		{"bad level name", "severities:\n  - name: 'P 1'\n", `severities[0].name: "P 1" must be`},
		{"days out of range", "postmortem_business_days: 0\n", "postmortem_business_days: 0 is not between 1 and 60"},
		{"approvals", "postmortem_approvals: 2\n", ""},
		{"no approvals", "postmortem_approvals: 0\n", "postmortem_approvals: 0 is not between 1 and 10"},
		{"too many approvals", "postmortem_approvals: 11\n", "postmortem_approvals: 11 is not between 1 and 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(tt.in))
			if tt.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("got %v, want %q", err, tt.err)
			}
			_ = f
		})
	}
	f, _ := Parse([]byte("severities:\n  - name: P1\n    significant: true\npostmortem_business_days: 3\n"))
	p := f.Policy()
	if len(p.Levels) != 1 || !p.Levels[0].Significant || p.PostmortemDays != 3 {
		t.Fatalf("policy %+v", p)
	}
	if f, _ := Parse([]byte("postmortem_approvals: 2\n")); f.Policy().PostmortemApprovals != 2 {
		t.Fatalf("approvals %d", f.Policy().PostmortemApprovals)
	}
	if d := (File{}).Policy(); len(d.Levels) != 4 || d.PostmortemDays != 5 || d.PostmortemApprovals != 1 {
		t.Fatalf("default policy %+v", d)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("severities:\n  - name: P1\n"))
	f.Add([]byte("postmortem_business_days: 9999999999999999999\n"))
	f.Fuzz(func(t *testing.T, data []byte) { Parse(data) })
}

func TestIntakeConfig(t *testing.T) {
	t.Parallel()
	good := `routes:
  - matchers: ['team="db"', 'env!~"dev|test"']
    service: database
    team: dba
    group_by: [alertname, cluster]
    group_window: 10m
    routes:
      - matchers: ['severity="critical"']
        service: database-critical
integrations:
  - name: prom
    kind: alertmanager
    service: web
    token_env: FIREBREAK_PROM_TOKEN
security_txt:
  contacts: ["mailto:security@example.com"]
`
	f, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	routes, err := f.Routes()
	if err != nil || len(routes) != 1 || routes[0].Service != "database" || len(routes[0].Matchers) != 2 || routes[0].Routes[0].Service != "database-critical" {
		t.Fatalf("routes %+v %v", routes, err)
	}
	tests := []struct{ name, in, err string }{
		{"bad matcher", "routes:\n  - matchers: ['team=~\"(db\"']\n    service: x\n", "routes[0].matchers[0]:"},
		{"matcher without operator", "routes:\n  - matchers: ['team']\n    service: x\n", "routes[0].matchers[0]:"},
		{"bad window", "routes:\n  - service: x\n    group_window: soon\n", `routes[0].group_window: "soon" is not a duration`},
		{"unknown route key", "routes:\n  - service: x\n    reciever: y\n", `unknown field "reciever"`},
		{"integration without token_env", "integrations:\n  - name: prom\n    kind: alertmanager\n", "integrations[0].token_env: name the environment variable"},
		{"integration kind", "integrations:\n  - name: prom\n    kind: nagios\n    token_env: X\n", `integrations[0].kind: "nagios" is not alertmanager, grafana, generic or pagerduty`},
		{"duplicate integration", "integrations:\n  - {name: a, kind: generic, token_env: X}\n  - {name: a, kind: generic, token_env: Y}\n", "integrations[1].name: a is listed twice"},
		{"contact scheme", "security_txt:\n  contacts: ['security@example.com']\n", `security_txt.contacts[0]: "security@example.com" must be a mailto:, https: or tel: URI`},
	}
	for _, tt := range tests {
		if _, err := Parse([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.err)
		}
	}
}
