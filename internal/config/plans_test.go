package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const badPlans = `plans:
  - name: leaked-key
    title: Leaked key
    tasks:
      - key: revoke
        phase: contain
        title: Revoke it
        colour: red
        due: 30 minutes
        owner: wizard
`

func TestParsePlans(t *testing.T) {
	t.Parallel()
	plans, err := ParsePlans([]byte("plans:\n  - name: p\n    title: P\n    tasks: [{key: a, phase: contain, title: A, owner: incident_commander, due: PT1H, required: true}]\n"))
	if err != nil || len(plans) != 1 || plans[0].Tasks[0].Owner != "incident_commander" {
		t.Fatalf("ParsePlans: %v %+v", err, plans)
	}
	_, err = ParsePlans([]byte(badPlans))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error %v (%T), want Problems", err, err)
	}
	want := `plans.yaml:8:9: plans[0].tasks[0].colour: unknown field "colour"; one of key, phase, title, instructions, owner, due, due_from, required, checklist
plans.yaml:9:14: plans[0].tasks[0].due: "30 minutes" is not an ISO 8601 duration such as PT30M or P1DT4H
plans.yaml:10:16: plans[0].tasks[0].owner: unknown role "wizard"; an owner is a role, team:NAME or user:NAME`
	if got := ps.Format("plans.yaml"); got != want {
		t.Fatalf("problems:\n%s\nwant\n%s", got, want)
	}
}

func TestLoadPlans(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "plans.yaml")
	if err := os.WriteFile(bad, []byte(badPlans), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadPlans(bad)
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 3 || !strings.HasPrefix(err.Error(), "plans "+bad+": ") {
		t.Fatalf("LoadPlans: %v", err)
	}
	if _, err := LoadPlans(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestParsePolicyPlans(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, err string
	}{
		{"plans beside other keys", "postmortem_business_days: 3\nplans:\n  - {name: p, title: P, tasks: [{key: a, phase: recover, title: A, required: true}]}\n", ""},
		{"every plan problem at its place", "postmortem_business_days: 3\n" + badPlans,
			"9:9: plans[0].tasks[0].colour: unknown field \"colour\"; one of key, phase, title, instructions, owner, due, due_from, required, checklist\n" +
				"10:14: plans[0].tasks[0].due: \"30 minutes\" is not an ISO 8601 duration such as PT30M or P1DT4H\n" +
				"11:16: plans[0].tasks[0].owner: unknown role \"wizard\"; an owner is a role, team:NAME or user:NAME"},
		{"a problem outside the plans keeps its message", "postmortem_days: 3\nplans: []\n", `[1:1] unknown field "postmortem_days"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := Parse([]byte(tt.in))
			switch {
			case tt.err == "" && err != nil:
				t.Fatal(err)
			case tt.err == "" && (len(f.Plans) != 1 || f.Plans[0].Tasks[0].Key != "a"):
				t.Fatalf("plans %+v", f.Plans)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("got %v, want %q", err, tt.err)
			}
		})
	}
}
