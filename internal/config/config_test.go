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
	if d := (File{}).Policy(); len(d.Levels) != 4 || d.PostmortemDays != 5 {
		t.Fatalf("default policy %+v", d)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("severities:\n  - name: P1\n"))
	f.Add([]byte("postmortem_business_days: 9999999999999999999\n"))
	f.Fuzz(func(t *testing.T, data []byte) { Parse(data) })
}
