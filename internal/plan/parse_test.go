package plan_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

func incidentRoles(s string) bool { return incident.Role(s).Valid() }

const goodFile = `plans:
  - name: leaked-key
    title: Leaked API key
    description: A key was pushed to a public repository.
    applies_to:
      types: [security.secret-leak]
      severities: [SEV1, SEV2]
      labels: {team: payments}
    roles: [ir_lead, responder]
    tasks:
      - key: revoke
        phase: contain
        title: Revoke the key
        owner: responder
        due: PT30M
        required: true
        checklist: [Revoke at the provider, Confirm calls fail]
      - key: lessons
        phase: post_incident
        title: Review how it leaked
        owner: team:platform
        due: P5D
        due_from: phase
`

func TestParseFile(t *testing.T) {
	t.Parallel()
	plans, err := plan.ParseFile([]byte(goodFile), incidentRoles)
	if err != nil {
		t.Fatalf("ParseFile: %v", err)
	}
	if len(plans) != 1 {
		t.Fatalf("%d plans, want 1", len(plans))
	}
	p := plans[0]
	want := plan.Task{Key: "revoke", Phase: plan.Contain, Title: "Revoke the key", Owner: "responder", Due: "PT30M",
		Required: true, Checklist: []string{"Revoke at the provider", "Confirm calls fail"}}
	if p.Name != "leaked-key" || p.AppliesTo.Labels["team"] != "payments" || !slices.Equal(p.AppliesTo.Severities, []string{"SEV1", "SEV2"}) ||
		len(p.Tasks) != 2 || !equalTask(p.Tasks[0], want) || p.Tasks[1].DueFrom != plan.FromPhase {
		t.Fatalf("decoded %+v", p)
	}
}

func equalTask(a, b plan.Task) bool {
	return a.Key == b.Key && a.Phase == b.Phase && a.Title == b.Title && a.Owner == b.Owner && a.Due == b.Due &&
		a.DueFrom == b.DueFrom && a.Required == b.Required && slices.Equal(a.Checklist, b.Checklist)
}

func TestParseFileProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string // LINE:COL: PATH: MESSAGE, in file order
	}{
		{
			name: "unknown key, bad duration and unknown role together",
			src: `plans:
  - name: p
    title: P
    tasks:
      - key: a
        phase: contain
        title: A
        colour: red
        due: 30 minutes
        owner: wizard
`,
			want: []string{
				`8:9: plans[0].tasks[0].colour: unknown field "colour"; one of key, phase, title, instructions, owner, due, due_from, required, checklist`,
				`9:14: plans[0].tasks[0].due: "30 minutes" is not an ISO 8601 duration such as PT30M or P1DT4H`,
				`10:16: plans[0].tasks[0].owner: unknown role "wizard"; an owner is a role, team:NAME or user:NAME`,
			},
		},
		{
			name: "a type error does not hide the other tasks' problems",
			src: `plans:
  - name: p
    title: P
    tasks:
      - {key: a, phase: contain, title: A, required: yes}
      - {key: b, phase: later, title: B, due: P1M}
`,
			want: []string{
				`5:54: plans[0].tasks[0].required: text where true or false is expected`,
				`6:25: plans[0].tasks[1].phase: unknown phase "later"; one of assess, contain, eradicate, recover, communicate, post_incident`,
				`6:47: plans[0].tasks[1].due: "P1M": years and months have no fixed length; use days (P30D)`,
			},
		},
		{
			name: "a plan name used twice and an unknown top-level key",
			src: `plans:
  - {name: p, title: P, tasks: [{key: a, phase: assess, title: A}]}
  - {name: p, title: Q, tasks: [{key: a, phase: assess, title: A}]}
version: 2
`,
			want: []string{
				`3:12: plans[1].name: "p" is also the name of plans[0]`,
				`4:1: version: unknown field "version"; a plans file holds only plans`,
			},
		},
		{
			name: "lists and mappings of the wrong kind",
			src: `plans:
  - name: p
    title: P
    roles: ir_lead
    applies_to: [security.phishing]
    tasks:
      - key: a
        phase: assess
        title: A
        checklist: {one: two}
`,
			want: []string{
				`4:12: plans[0].roles: text where a list is expected`,
				`5:17: plans[0].applies_to: a list where a mapping of fields is expected`,
				`10:21: plans[0].tasks[0].checklist: a mapping where a list is expected`,
			},
		},
		{
			name: "a key written twice",
			src: `plans:
  - name: p
    title: P
    title: Q
    tasks: [{key: a, phase: assess, title: A}]
`,
			want: []string{`4:5: mapping key "title" already defined at [3:5]`},
		},
		{
			name: "no tasks, unknown plan role",
			src: `plans:
  - name: Bad Name
    title: P
    roles: [wizard]
`,
			want: []string{
				`2:5: plans[0].tasks: a plan needs at least one task`,
				`2:11: plans[0].name: "Bad Name" must be 1–63 lower-case letters, digits or hyphens, starting with a letter or digit`,
				`4:13: plans[0].roles[0]: unknown role "wizard"`,
			},
		},
		{
			name: "not YAML",
			src:  "plans: [\n",
			want: []string{`1:8: sequence end token ']' not found`},
		},
		{
			name: "two documents",
			src:  "plans: []\n---\nplans: []\n",
			want: []string{`3:1: the file holds more than one YAML document; put everything in one`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := plan.ParseFile([]byte(tt.src), incidentRoles)
			var ps plan.FileProblems
			if !errors.As(err, &ps) {
				t.Fatalf("error %v (%T), want FileProblems", err, err)
			}
			if got := strings.Split(ps.Error(), "\n"); !slices.Equal(got, tt.want) {
				t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestFileProblemsFormat(t *testing.T) {
	t.Parallel()
	ps := plan.FileProblems{
		{Line: 3, Column: 7, Path: "plans[0].tasks[1].due", Message: "bad"},
		{Message: "no place"},
	}
	want := "plans.yaml:3:7: plans[0].tasks[1].due: bad\nplans.yaml: no place"
	if got := ps.Format("plans.yaml"); got != want {
		t.Fatalf("Format:\n%s\nwant\n%s", got, want)
	}
}

func TestParseFileEmpty(t *testing.T) {
	t.Parallel()
	for _, src := range []string{"", "\n# nothing yet\n", "plans:\n", "plans: []\n"} {
		plans, err := plan.ParseFile([]byte(src), incidentRoles)
		if err != nil || len(plans) != 0 {
			t.Errorf("%q: %v, %d plans", src, err, len(plans))
		}
	}
}

func TestParseSectionIgnoresOtherKeys(t *testing.T) {
	t.Parallel()
	src := "public_url: https://ir.example\nplans:\n  - {name: p, title: P, tasks: [{key: a, phase: assess, title: A, due: soon}]}\n"
	_, err := plan.ParseSection([]byte(src), incidentRoles)
	if err == nil || err.Error() != `3:72: plans[0].tasks[0].due: "soon" is not an ISO 8601 duration such as PT30M or P1DT4H` {
		t.Fatalf("ParseSection: %v", err)
	}
	if _, err := plan.ParseFile([]byte(src), incidentRoles); err == nil || !strings.Contains(err.Error(), `1:1: public_url: unknown field`) {
		t.Fatalf("ParseFile takes only plans: %v", err)
	}
}

func TestParsePlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string // want: the error, "" for none
	}{
		{"yaml", "name: p\ntitle: P\ntasks:\n  - {key: a, phase: recover, title: A, owner: comms_lead, due: PT2H}\n", ""},
		{"json", `{"name": "p", "title": "P", "tasks": [{"key": "a", "phase": "recover", "title": "A", "required": true}]}`, ""},
		{"json problem placed", `{"name": "p", "title": "P", "tasks": [{"key": "a", "phase": "recover", "title": "A", "owner": "wizard"}]}`,
			`1:95: tasks[0].owner: unknown role "wizard"; an owner is a role, team:NAME or user:NAME`},
		{"unknown key", "name: p\ntitle: P\nplans: []\ntasks: [{key: a, phase: assess, title: A}]\n",
			`3:1: plans: unknown field "plans"; one of name, title, description, applies_to, roles, tasks`},
		{"empty", "  \n", "the plan is empty"},
		{"a list", "- name: p\n", "1:1: a list where a mapping of fields is expected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := plan.ParsePlan([]byte(tt.src), incidentRoles)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("ParsePlan: %v", err)
			case tt.want == "" && (p.Name != "p" || len(p.Tasks) != 1 || p.Tasks[0].Phase != plan.Recover):
				t.Fatalf("decoded %+v", p)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Fatalf("error %v, want %s", err, tt.want)
			}
		})
	}
}

func FuzzParseFile(f *testing.F) {
	f.Add([]byte(goodFile))
	f.Add([]byte("plans:\n  - {name: p, tasks: [{key: a, due: 30 minutes, owner: wizard}]}\n"))
	f.Add([]byte("plans: &a [*a]\n"))
	f.Add([]byte(`{"plans": [{"name": "p", "applies_to": {"labels": {"a": "b"}}}]}`))
	f.Add([]byte("plans:\n  - !!map {name: p}\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		plans, err := plan.ParseFile(data, incidentRoles)
		if err != nil {
			var ps plan.FileProblems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("error %v (%T) is not FileProblems", err, err)
			}
			return
		}
		for _, p := range plans {
			if probs := p.Check(incidentRoles); len(probs) > 0 {
				t.Fatalf("a parsed plan fails Check: %v", probs)
			}
		}
	})
}
