package postmortem

import (
	"slices"
	"strings"
	"testing"
)

func TestTemplatesFor(t *testing.T) {
	t.Parallel()
	conf := Builtin().With(Templates{
		"security.*":          {Hard: []string{"Where did the attacker slow us down?"}},
		"security.ransomware": {Questions: []string{"Was a ransom paid?"}, Lessons: []string{}},
		"*":                   {WentWell: []string{"What went well?"}},
	})
	for _, c := range []struct {
		typ                   string
		from, questions, hard []string
		wentWell, lessons     []string
	}{
		{"outage.database", []string{"*"}, []string{}, Builtin()[Every].Hard, []string{"What went well?"}, Builtin()[Every].Lessons},
		{"", []string{"*"}, []string{}, Builtin()[Every].Hard, []string{"What went well?"}, Builtin()[Every].Lessons},
		{"security.phishing", []string{"*", "security.*"}, Builtin()["security.*"].Questions, []string{"Where did the attacker slow us down?"}, []string{"What went well?"}, Builtin()[Every].Lessons},
		{"security.ransomware", []string{"*", "security.*", "security.ransomware"}, []string{"Was a ransom paid?"}, []string{"Where did the attacker slow us down?"}, []string{"What went well?"}, []string{}},
		{"securityx", []string{"*"}, []string{}, Builtin()[Every].Hard, []string{"What went well?"}, Builtin()[Every].Lessons},
	} {
		p := conf.For(c.typ)
		if !slices.Equal(p.From, c.from) || !slices.Equal(p.Questions, c.questions) || !slices.Equal(p.Hard, c.hard) ||
			!slices.Equal(p.WentWell, c.wentWell) || !slices.Equal(p.Lessons, c.lessons) {
			t.Errorf("%q: %+v", c.typ, p)
		}
	}
	if !slices.Contains(Builtin().For("security.x").Questions, "How was the attacker's access removed?") {
		t.Error("the security template asks how the attacker's access was removed")
	}
	// With does not change the built-in templates it was called on.
	if b := Builtin(); len(b[Every].WentWell) != 1 || b[Every].WentWell[0] == "What went well?" {
		t.Error("Builtin changed")
	}
}

func TestTemplatesCheck(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", MaxPromptBytes+1)
	many := make([]string, MaxPrompts+1)
	for i := range many {
		many[i] = "q"
	}
	got := Templates{
		"*":            {Hard: []string{"ok", " "}},
		"security.*":   {Lessons: []string{long}, Questions: many},
		"bad pattern":  {},
		"a..b":         {},
		".*":           {},
		"ok.type":      {WentWell: []string{"two\nlines"}},
		"security.x.*": {},
	}.Check()
	var msgs []string
	for _, p := range got {
		msgs = append(msgs, p.Error())
	}
	want := []string{
		`*.hard[1]: a prompt is empty`,
		`.*: ".*" is not an incident type pattern (expected *, a family such as security.*, or a type such as security.phishing)`,
		`a..b: "a..b" is not an incident type pattern (expected *, a family such as security.*, or a type such as security.phishing)`,
		`bad pattern: "bad pattern" is not an incident type pattern (expected *, a family such as security.*, or a type such as security.phishing)`,
		`ok.type.went_well[0]: a prompt is one line`,
		`security.*.questions: 21 prompts; at most 20`,
		`security.*.lessons[0]: 501 bytes; at most 500`,
	}
	if !slices.Equal(msgs, want) {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}
