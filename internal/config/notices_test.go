package config

import (
	"strings"
	"testing"
	"time"
)

func TestNoticesConfig(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, err string }{
		{"cadence and templates", "update_cadence: {SEV1: 15m, SEV3: 2h}\nnotices:\n  organization: Example GmbH\n  dpo: dpo@example.com\n  templates:\n    - name: acme\n      audience: customer\n      title: Notice {{.Incident.Ref}}\n      body: |\n        Dear Acme,\n        {{.Incident.Title}}\n", ""},
		{"unknown severity", "update_cadence: {SEV9: 30m}\n", "update_cadence.SEV9: no such severity level"},
		{"severity of the file", "severities: [{name: P1}]\nupdate_cadence: {SEV1: 30m}\n", "update_cadence.SEV1: no such severity level"},
		{"bad duration", "update_cadence: {SEV1: soon}\n", `update_cadence.SEV1: "soon" is not a duration between 1m and 24h, such as 30m`},
		{"too short", "update_cadence: {SEV1: 10s}\n", `update_cadence.SEV1: "10s" is not a duration between 1m and 24h`},
		{"unknown key", "notices:\n  templates:\n    - name: a\n      audiance: customer\n", `[4:7] unknown field "audiance"`},
		{"template line", "notices:\n  templates:\n    - name: acme\n      audience: customer\n      title: T\n      body: |\n        one\n        {{.Incident.Nope}}\n", "notices.templates[0].body: line 2, column 11: at <.Incident.Nope>: can't evaluate field Nope"},
		{"template audience", "notices:\n  templates:\n    - {name: acme, audience: press, title: T, body: b}\n", `notices.templates[0].audience: "press" is not one of regulator, customer, individuals, internal`},
		{"organization on two lines", "notices:\n  organization: \"Example GmbH\\r\\nBcc: victim@example.com\"\n", "notices.organization: must be one line of text: it contains a control character (U+000D at byte 12)"},
		{"contact with a NUL", "notices:\n  contact: \"security@example.com\\0\"\n", "notices.contact: must be one line of text: it contains a control character (U+0000 at byte 20)"},
		{"template that loops", "notices:\n  templates:\n    - {name: acme, audience: customer, title: T, body: \"{{range 3000}}{{range 5000}}x{{end}}{{end}}\"}\n", "notices.templates[0].body: line 1: the template runs its loops more than 10000 times"},
		{"template twice", "notices:\n  templates:\n    - {name: acme, audience: customer, title: T, body: b}\n    - {name: acme, audience: customer, title: T, body: b}\n", "notices.templates[1].name: acme is listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(tt.in))
			if tt.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				c := f.NoticesConfig()
				if c.Cadence["SEV1"] != 15*time.Minute || c.Cadence["SEV3"] != 2*time.Hour || len(c.Cadence) != 2 ||
					c.Organization.Name != "Example GmbH" || len(c.Templates) != 1 || !strings.HasPrefix(c.Templates[0].Body, "Dear Acme,\n") {
					t.Fatalf("config %+v", c)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("got %v, want %q", err, tt.err)
			}
		})
	}
	if c := (File{}).NoticesConfig(); c.Cadence != nil {
		t.Fatalf("no update_cadence must mean the defaults (nil), got %v", c.Cadence)
	}
	f, _ := Parse([]byte("update_cadence: {}\n"))
	if c := f.NoticesConfig(); c.Cadence == nil || len(c.Cadence) != 0 {
		t.Fatalf("an empty update_cadence turns reminders off, got %v", c.Cadence)
	}
}
