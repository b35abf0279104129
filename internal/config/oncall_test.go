package config

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/roster"
)

var testEnv = map[string]string{
	"ALICE_HOOK_KEY": "0123456789abcdef-hmac",
	"BOB_SLACK_URL":  "https://hooks.slack.com/services/T000/B000/secretpart",
	"SHORT_KEY":      "short",
}

func lookup(k string) (string, bool) { v, ok := testEnv[k]; return v, ok }

func TestParseOncallExample(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../examples/oncall.yaml")
	if err != nil {
		t.Fatal(err)
	}
	o, err := ParseOncall(data, lookup)
	if err != nil {
		t.Fatalf("examples/oncall.yaml:\n%s", err.(Problems).Format("examples/oncall.yaml"))
	}
	if len(o.Users) != 3 || o.Users[0].Username != "alice" || o.Users[0].Role != auth.Responder || o.Users[2].Role != auth.Admin {
		t.Fatalf("users %+v", o.Users)
	}
	alice := o.Users[0].Contacts
	want := roster.UserContacts{User: "alice",
		Contacts: []roster.ContactSpec{
			{Name: "phone-hook", Target: notify.Target{Kind: notify.KindWebhook, Address: "https://pager.invalid/page/alice", Secret: testEnv["ALICE_HOOK_KEY"]}},
			{Name: "mail", Target: notify.Target{Kind: notify.KindEmail, Address: "alice@example.com"}},
		},
		Rules: []roster.RuleSpec{{Contact: "phone-hook"}, {Contact: "mail", DelayMinutes: 2}},
	}
	if !equalJSON(t, alice, want) || alice.Contacts[0].Target != want.Contacts[0].Target {
		t.Fatalf("alice's contacts %+v", alice)
	}
	if got := o.Users[1].Contacts.Contacts[0].Target.Address; got != testEnv["BOB_SLACK_URL"] {
		t.Fatalf("bob's slack URL %q", got)
	}
	if len(o.Secrets) != 2 || o.Secrets["ALICE_HOOK_KEY"] == "" {
		t.Fatalf("secrets %v", o.Secrets)
	}
	if len(o.Undeclared()) != 0 {
		t.Fatalf("undeclared %v", o.Undeclared())
	}

	berlin, _ := time.LoadLocation("Europe/Berlin")
	start := time.Date(2026, 11, 2, 9, 0, 0, 0, berlin)
	sch := o.Objects.Schedules["payments-primary"]
	if sch.TimeZone != "Europe/Berlin" || len(sch.Layers) != 2 || !sch.Layers[0].Start.Equal(start) ||
		sch.Layers[0].Rotation.Kind != oncall.Weekly || sch.Layers[0].HandoffTime != "09:00" {
		t.Fatalf("schedule %+v", sch)
	}
	r := sch.Layers[1].Restrictions[0]
	if len(r.Days) != 5 || r.Days[0] != time.Monday || r.Days[4] != time.Friday || r.From != "09:00" || r.To != "17:00" {
		t.Fatalf("restriction %+v", r)
	}
	if ov := sch.Overrides[0]; ov.User != "carol" || ov.To.Sub(ov.From) != 72*time.Hour {
		t.Fatalf("override %+v", ov)
	}
	pol := o.Objects.Policies["payments-primary"]
	wantPol := oncall.Policy{Name: "payments-primary", Repeat: 1, Steps: []oncall.Step{
		{Delay: 5, Targets: []oncall.Target{{Kind: oncall.TargetSchedule, Name: "payments-primary"}}},
		{Delay: 10, Targets: []oncall.Target{{Kind: oncall.TargetUser, Name: "carol"}, {Kind: oncall.TargetPolicy, Name: "incident-commanders"}}},
	}}
	if !equalJSON(t, pol, wantPol) {
		t.Fatalf("policy %+v", pol)
	}
	if got := o.Objects.Services["checkout"]; got != (roster.Service{Name: "checkout", Team: "payments", Policy: "payments-primary"}) {
		t.Fatalf("service %+v", got)
	}
	if got := o.Objects.IncidentRules["SEV1"]; got != (roster.IncidentRule{Severity: "SEV1", Policy: "incident-commanders"}) {
		t.Fatalf("incident rule %+v", got)
	}
	if tm := o.Objects.Teams["payments"]; tm.Description == "" || len(tm.Members) != 3 {
		t.Fatalf("team %+v", tm)
	}
	if got := len(o.Objects.Keys()); got != 6 {
		t.Fatalf("%d objects", got)
	}
	// Against a server: the default severities, nobody else exists.
	if err := o.Check(nil, []string{"SEV1", "SEV2", "SEV3", "SEV4"}); err != nil {
		t.Fatal(err)
	}
	err = o.Check(nil, []string{"P1"})
	if got := err.(Problems).Format("f.yaml"); got != `f.yaml:63:16: incident_rules[0].severity: unknown severity "SEV1" (want one of [P1])` {
		t.Fatalf("check: %s", got)
	}
}

func TestParseOncallEmpty(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "# nothing\n", "users: []\n"} {
		o, err := ParseOncall([]byte(in), nil)
		if err != nil || len(o.Users) != 0 || len(o.Objects.Keys()) != 0 {
			t.Errorf("%q: %v %+v", in, err, o)
		}
	}
}

const sched = `schedules:
  - name: web
    time_zone: UTC
    layers:
      - name: l
        users: [alice]
        start: 2026-01-01T00:00:00Z
        rotation: {kind: daily}
`

func TestParseOncallProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     []string // every problem, in file order
	}{
		{"unknown key", "users:\n  - username: alice\n    nmae: Alice\n",
			[]string{`f.yaml:3:5: unknown field "nmae"`}},
		{"unknown top-level key", "users: []\nescalations: []\n",
			[]string{`f.yaml:2:1: unknown field "escalations"`}},
		{"wrong type", "policies:\n  - name: p\n    repeat: often\n",
			[]string{"f.yaml:3:13: text where a whole number is expected"}},
		{"keep_paging_when_resolved not a boolean", "services:\n  - {name: s, keep_paging_when_resolved: sometimes}\n",
			[]string{"f.yaml:2:42: text where true or false is expected"}},
		{"keep_paging_when_resolved misspelt", "services:\n  - {name: s, keep_paging_when_resolve: true}\n",
			[]string{`f.yaml:2:15: unknown field "keep_paging_when_resolve"`}},
		{"syntax", "teams: [\n",
			[]string{"f.yaml:1:8: sequence end token ']' not found"}},
		{"two documents", "teams: []\n---\nteams: []\n",
			[]string{"f.yaml:3:1: the file holds more than one YAML document; put everything in one"}},
		{"an empty second document", "teams: []\n---\n",
			[]string{"f.yaml: the file holds more than one YAML document; put everything in one"}},
		{"policy without steps", "policies:\n  - name: p\n    steps: []\n",
			[]string{"f.yaml:3:5: policies[0].steps: a policy needs at least one step"}},
		{"policy without steps key", "policies:\n  - name: p\n",
			[]string{"f.yaml:2:5: policies[0].steps: a policy needs at least one step"}},
		{"loop between two policies",
			"policies:\n  - name: a\n    steps:\n      - {delay_minutes: 5, targets: [{policy: b}]}\n  - name: b\n    steps:\n      - delay_minutes: 5\n        targets:\n          - policy: a\n",
			[]string{
				`f.yaml:4:47: policies[0].steps[0].targets[0].name: policy "b" loops back: a → b → a`,
				`f.yaml:9:21: policies[1].steps[0].targets[0].name: policy "a" loops back: b → a → b`,
			}},
		{"unknown target kind", "policies:\n  - name: p\n    steps:\n      - {delay_minutes: 5, targets: [{user: alice}, {team: payments}]}\nusers: [{username: alice}]\n",
			[]string{`f.yaml:4:54: policies[0].steps[0].targets[1].kind: unknown target kind "team" (want user, schedule or policy)`}},
		{"target with two keys", "policies:\n  - name: p\n    steps:\n      - delay_minutes: 5\n        targets:\n          - {user: a, schedule: b}\n",
			[]string{
				"f.yaml:5:9: policies[0].steps[0].targets: a step needs at least one target",
				"f.yaml:6:14: policies[0].steps[0].targets[0]: a target is one of {user: NAME}, {schedule: NAME} or {policy: NAME}",
			}},
		{"unknown schedule and policy", "policies:\n  - name: p\n    steps:\n      - {delay_minutes: 1, targets: [{schedule: nope}, {policy: gone}]}\n",
			[]string{
				`f.yaml:4:49: policies[0].steps[0].targets[0].name: unknown schedule "nope"`,
				`f.yaml:4:65: policies[0].steps[0].targets[1].name: unknown policy "gone"`,
			}},
		{"bad delay", "policies:\n  - name: p\n    steps:\n      - {delay_minutes: 0, targets: [{user: a}]}\nusers: [{username: a}]\n",
			[]string{"f.yaml:4:25: policies[0].steps[0].delay_minutes: must be between 1 and 1440 minutes, not 0"}},
		{"overlapping restrictions", sched + "        restrictions:\n          - {days: [mon, tue], from: '09:00', to: '12:00'}\n          - {days: [tuesday], from: '11:00', to: '13:00'}\nusers: [{username: alice}]\n",
			[]string{"f.yaml:11:14: schedules[0].layers[0].restrictions[1]: overlaps restrictions[0] on Tuesday"}},
		{"unknown weekday", sched + "        restrictions:\n          - {days: [mon, funday], from: '09:00', to: '12:00'}\nusers: [{username: alice}]\n",
			[]string{`f.yaml:10:26: schedules[0].layers[0].restrictions[0].days[1]: unknown day "funday" (want mon to sun, or monday to sunday)`}},
		{"overlapping overrides", sched + "    overrides:\n      - {user: alice, from: 2026-02-01T00:00:00Z, to: 2026-02-03T00:00:00Z}\n      - {user: alice, from: 2026-02-02T00:00:00Z, to: 2026-02-04T00:00:00Z}\nusers: [{username: alice}]\n",
			[]string{"f.yaml:11:10: schedules[0].overrides[1]: 2026-02-02T00:00:00Z to 2026-02-04T00:00:00Z overlaps overrides[0] (2026-02-01T00:00:00Z to 2026-02-03T00:00:00Z)"}},
		{"bad start", strings.Replace(sched, "2026-01-01T00:00:00Z", "next monday", 1) + "users: [{username: alice}]\n",
			[]string{`f.yaml:7:16: schedules[0].layers[0].start: "next monday" is not a time with its offset, such as 2026-11-02T09:00:00+01:00 (RFC 3339)`}},
		{"bad hand-off and zone", strings.Replace(sched, "UTC", "Mars/Olympus", 1) + "        handoff_time: '25:00'\nusers: [{username: alice}]\n",
			[]string{
				`f.yaml:3:16: schedules[0].time_zone: unknown time zone "Mars/Olympus"`,
				`f.yaml:9:23: schedules[0].layers[0].handoff_time: "25:00" is not a time of day (HH:MM, 00:00 to 23:59)`,
			}},
		{"unknown user", "users: [{username: alice}]\nteams:\n  - {name: t, members: [alice, mallory]}\n",
			nil}, // offline, mallory is assumed to exist: see TestUndeclared
		{"unverifiable contact: bad URL", "users:\n  - username: alice\n    contacts:\n      - {name: hook, kind: webhook, address: 'ftp://example.com/x', secret_env: ALICE_HOOK_KEY}\n",
			[]string{"f.yaml:4:46: users[0].contacts[0].address: a webhook contact needs an http or https URL, not ftp://example.com/…"}},
		{"unverifiable contact: short webhook secret", "users:\n  - username: alice\n    contacts:\n      - name: hook\n        kind: webhook\n        address: https://example.com/x\n        secret_env: SHORT_KEY\n",
			[]string{"f.yaml:7:21: users[0].contacts[0].secret_env: the webhook signing key must be at least 16 bytes"}},
		{"unverifiable contact: no secret", "users:\n  - username: alice\n    contacts:\n      - {name: hook, kind: webhook, address: https://example.com/x}\n",
			[]string{"f.yaml:4:10: users[0].contacts[0].secret_env: a webhook contact needs an HMAC signing key"}},
		{"unverifiable contact: bad email", "users:\n  - username: alice\n    contacts:\n      - {name: mail, kind: email, address: 'Alice <alice@example.com>'}\n",
			[]string{`f.yaml:4:44: users[0].contacts[0].address: "Alice <alice@example.com>" is not an email address (expected name@example.com)`}},
		{"unknown contact kind", "users:\n  - username: alice\n    contacts:\n      - {name: pager, kind: sms, address: '+4917'}\n",
			[]string{`f.yaml:4:29: users[0].contacts[0].kind: unknown contact kind "sms" (expected email, webhook, slack or teams)`}},
		{"missing env var", "users:\n  - username: bob\n    contacts:\n      - {name: slack, kind: slack, address_env: NOT_SET_ANYWHERE}\n",
			[]string{"f.yaml:4:49: users[0].contacts[0].address_env: environment variable NOT_SET_ANYWHERE is not set"}},
		{"address and address_env", "users:\n  - username: bob\n    contacts:\n      - {name: s, kind: slack, address: 'https://x.example/y', address_env: BOB_SLACK_URL}\n",
			[]string{"f.yaml:4:77: users[0].contacts[0].address_env: set address or address_env, not both"}},
		{"rule for an unknown contact", "users:\n  - username: alice\n    contacts: [{name: mail, kind: email, address: a@example.com}]\n    rules: [{contact: phone, delay_minutes: 0}, {contact: mail, delay_minutes: 2000}]\n",
			[]string{
				`f.yaml:4:23: users[0].rules[0].contact: unknown contact method "phone": name one of this user's contacts`,
				"f.yaml:4:80: users[0].rules[1].delay_minutes: must be between 0 and 1440, not 2000",
			}},
		{"user fields", "users:\n  - {username: Alice}\n  - {username: bob, role: root, email: 'not an address'}\n",
			[]string{
				`f.yaml:2:16: users[0].username: "Alice" must be 1–63 lowercase letters, digits, or . _ -, starting with a letter or digit`,
				`f.yaml:3:27: users[1].role: unknown role "root" (want viewer, responder or admin)`,
				`f.yaml:3:40: users[1].email: "not an address" is not a plain email address such as alice@example.com`,
			}},
		{"duplicate names", "users: [{username: a}, {username: a}]\nteams:\n  - {name: t}\n  - {name: t}\nincident_rules:\n  - {severity: SEV1, policy: p}\n  - {severity: SEV1, policy: p}\npolicies:\n  - {name: p, steps: [{delay_minutes: 1, targets: [{user: a}]}]}\n",
			[]string{
				`f.yaml:1:35: users[1].username: "a" is already declared at users[0] (line 1)`,
				`f.yaml:4:12: teams[1].name: "t" is already declared at teams[0] (line 3)`,
				`f.yaml:7:16: incident_rules[1].severity: "SEV1" is already declared at incident_rules[0] (line 6)`,
			}},
		{"duplicate contact", "users:\n  - username: a\n    contacts:\n      - {name: m, kind: email, address: a@example.com}\n      - {name: m, kind: email, address: b@example.com}\n",
			[]string{`f.yaml:5:16: users[0].contacts[1].name: "m" is already the name of contacts[0]`}},
		{"bad names and references", "teams: [{name: 'no spaces'}]\nservices: [{name: s, team: nope, policy: none}]\n",
			[]string{
				`f.yaml:1:16: teams[0].name: "no spaces" is not a valid name (letters, digits, '.', '_' or '-', at most 64, starting with a letter or digit)`,
				`f.yaml:2:28: services[0].team: unknown team "nope"`,
				`f.yaml:2:42: services[0].policy: unknown escalation policy "none"`,
			}},
		{"missing names", "schedules: [{time_zone: UTC}]\npolicies: [{steps: []}]\n",
			[]string{
				"f.yaml:1:14: schedules[0].name: is required",
				"f.yaml:2:13: policies[0].name: is required",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseOncall([]byte(tt.in), lookup)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected problems:\n%v", err)
				}
				return
			}
			ps, ok := err.(Problems)
			if !ok {
				t.Fatalf("got %T %v, want problems", err, err)
			}
			if got, want := ps.Format("f.yaml"), strings.Join(tt.want, "\n"); got != want {
				t.Fatalf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestUndeclaredAndCheck(t *testing.T) {
	t.Parallel()
	in := "users: [{username: alice}]\nteams:\n  - {name: t, members: [alice, mallory]}\npolicies:\n  - {name: p, steps: [{delay_minutes: 1, targets: [{user: trent}]}]}\n"
	o, err := ParseOncall([]byte(in), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `f.yaml:3:32: teams[0].members[1]: user "mallory" is not declared in the file: it must exist on the server
f.yaml:5:59: policies[0].steps[0].targets[0].user: user "trent" is not declared in the file: it must exist on the server`
	if got := o.Undeclared().Format("f.yaml"); got != want {
		t.Fatalf("undeclared:\n%s", got)
	}
	err = o.Check(map[string]bool{"trent": true}, nil)
	if got := err.(Problems).Format("f.yaml"); got != `f.yaml:3:32: teams[0].members[1]: unknown user "mallory"` {
		t.Fatalf("check:\n%s", got)
	}
	if err := o.Check(map[string]bool{"trent": true, "mallory": true}, nil); err != nil {
		t.Fatal(err)
	}
	// Problems about objects the file does not declare keep their names
	// and have no place.
	ps := o.Locate(&errs.Error{Code: errs.Invalid, Details: []errs.Detail{
		{Field: "services.legacy.policy", Message: `unknown escalation policy "p2"`},
		{Field: "policies.p.steps[0].delay_minutes", Message: "too long"},
	}})
	want = "f.yaml: services.legacy.policy: unknown escalation policy \"p2\"\nf.yaml:5:39: policies[0].steps[0].delay_minutes: too long"
	if got := ps.Format("f.yaml"); got != want {
		t.Fatalf("locate:\n%s", got)
	}
}

func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func FuzzParseOncall(f *testing.F) {
	if data, err := os.ReadFile("../../examples/oncall.yaml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(sched))
	f.Add([]byte("policies:\n  - {name: a, steps: [{delay_minutes: 1, targets: [{policy: a}]}]}\n"))
	f.Add([]byte("users: &u [{username: a}]\nteams: [{name: t, members: *u}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := ParseOncall(data, lookup)
		if err == nil {
			o.Undeclared()
			if o.Check(nil, nil) == nil && len(o.Undeclared()) > 0 {
				t.Fatal("undeclared users passed the check")
			}
			return
		}
		ps, ok := err.(Problems)
		if !ok || len(ps) == 0 {
			t.Fatalf("error %T %v", err, err)
		}
		for _, p := range ps {
			if p.Message == "" {
				t.Fatalf("problem without a message: %+v", p)
			}
		}
	})
}
