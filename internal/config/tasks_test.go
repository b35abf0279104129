package config

import (
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/tasks"
)

func TestTasksBlock(t *testing.T) {
	t.Parallel()
	f, err := Parse([]byte("tasks:\n  remind_before: 30m\n  escalate_after: 1h\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.TaskReminders(); got != (tasks.Config{RemindBefore: 30 * time.Minute, EscalateAfter: time.Hour}) {
		t.Fatalf("task reminders %+v", got)
	}
	if got := (File{}).TaskReminders().WithDefaults(); got != (tasks.Config{RemindBefore: 15 * time.Minute, EscalateAfter: 15 * time.Minute}) {
		t.Fatalf("defaults %+v", got)
	}
	for _, tc := range []struct{ in, err string }{
		{"tasks:\n  remind_before: soon\n", `[2:18] tasks.remind_before: "soon" is not a duration (expected one such as 15m)`},
		{"tasks:\n  escalate_after: 10s\n", `[2:19] tasks.escalate_after: 10s is out of range (expected 1m0s to 168h)`},
		{"tasks:\n  remind_after: 10m\n", `unknown field "remind_after"`},
	} {
		if _, err := Parse([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
		}
	}
}

const impactYAML = `severities:
  - name: P1
  - name: P2
impact:
  dimensions:
    - key: data
      question: What data may be affected?
      options:
        - {value: none, label: None, severity: P2}
        - {value: personal, label: Personal data, severity: P1, personal_data: true, data_types: [contact_details]}
  rules:
    - when: {data: [personal]}
      severity: P1
      reason: personal data
`

func TestImpactBlock(t *testing.T) {
	t.Parallel()
	f, err := Parse([]byte(impactYAML))
	if err != nil {
		t.Fatal(err)
	}
	p := f.Policy()
	if p.Impact == nil || len(p.ImpactForm().Dimensions) != 1 || !p.ImpactForm().Dimensions[0].Options[1].PersonalData {
		t.Fatalf("policy impact %+v", p.Impact)
	}
	if sev, why := p.Suggest(map[string]string{"data": "personal"}); sev != "P1" || len(why) != 2 {
		t.Fatalf("suggestion %s %v", sev, why)
	}
	if (File{}).Policy().Impact != nil {
		t.Fatal("no impact block: the default form (nil)")
	}
	for _, tc := range []struct{ name, in, err string }{
		{"unknown severity", strings.Replace(impactYAML, "label: Personal data, severity: P1", "label: Personal data, severity: SEV1", 1),
			`[10:61] impact.dimensions[0].options[1].severity: unknown severity "SEV1"`},
		{"unknown answer", strings.Replace(impactYAML, "data: [personal]", "data: [secret]", 1),
			`impact.rules[0].when.data: "secret" is not an answer of data`},
		{"unknown key", strings.Replace(impactYAML, "reason: personal data", "because: personal data", 1), `unknown field "because"`},
		{"no dimensions", "impact:\n  dimensions: []\n", "impact.dimensions: the assessment needs at least one dimension"},
	} {
		if _, err := Parse([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
		}
	}
}
