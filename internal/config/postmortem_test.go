package config

import (
	"slices"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/postmortem"
)

func TestPostmortemTemplatesBlock(t *testing.T) {
	t.Parallel()
	f, err := Parse([]byte(`postmortem_templates:
  "*":
    went_well: ["What helped?"]
  security.*:
    hard: []
  security.ransomware:
    questions: ["Was a ransom paid?"]
`))
	if err != nil {
		t.Fatal(err)
	}
	all := postmortem.Builtin().With(f.Templates())
	p := all.For("security.ransomware")
	if !slices.Equal(p.WentWell, []string{"What helped?"}) || len(p.Hard) != 0 || !slices.Equal(p.Questions, []string{"Was a ransom paid?"}) ||
		!slices.Equal(p.RootCauses, postmortem.Builtin()["security.*"].RootCauses) {
		t.Fatalf("prompts %+v", p)
	}
	for _, tc := range []struct{ in, err string }{
		{"postmortem_templates:\n  security.*:\n    hard: [\"ok\", \"\"]\n", `[3:18] postmortem_templates.security.*.hard[1]: a prompt is empty`},
		{"postmortem_templates:\n  \"bad type\":\n    hard: []\n", `[2:3] postmortem_templates.bad type: "bad type" is not an incident type pattern (expected *, a family such as security.*, or a type such as security.phishing)`},
		{"postmortem_templates:\n  security.*:\n    lessons: [\"" + strings.Repeat("x", 501) + "\"]\n", `[3:15] postmortem_templates.security.*.lessons[0]: 501 bytes; at most 500`},
		{"postmortem_templates:\n  security.*:\n    went_badly: [\"x\"]\n", `unknown field "went_badly"`},
	} {
		if _, err := Parse([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
		}
	}
}
