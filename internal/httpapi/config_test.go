package httpapi_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

var configSecrets = map[string]string{
	"ALICE_HOOK_KEY": "alice-hmac-key-0123456789",
	"BOB_SLACK_URL":  "https://hooks.slack.com/services/T000/B000/bobsecretpath",
}

func applyBody(t *testing.T, yaml string, dryRun, prune bool, secrets map[string]string) string {
	t.Helper()
	b, err := json.Marshal(httpapi.ConfigApplyBody{YAML: yaml, Secrets: secrets, DryRun: dryRun, Prune: prune})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (s *setup) applyConfig(t *testing.T, status int, body string) (httpapi.ConfigChanges, answer) {
	t.Helper()
	a := s.call(t, "admin", "POST", "/api/v1/config/apply", body)
	if a.status != status {
		t.Fatalf("apply: %d, want %d: %s", a.status, status, a.raw)
	}
	for _, v := range configSecrets {
		if strings.Contains(a.raw, v) || strings.Contains(a.raw, strings.TrimPrefix(v, "https://hooks.slack.com")) {
			t.Fatalf("the answer holds a secret: %s", a.raw)
		}
	}
	var c httpapi.ConfigChanges
	if status == 200 {
		if err := json.Unmarshal([]byte(a.raw), &c); err != nil {
			t.Fatal(err)
		}
	}
	return c, a
}

// state is what an apply may change, to check that a refused or dry one
// changed nothing.
func (s *setup) state(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	o, err := s.app.Services.Roster.Objects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	users, err := s.app.Services.Auth.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	json.NewEncoder(&b).Encode(o)
	for _, u := range users {
		cs, _ := s.app.DB.Contacts(ctx, u.Username)
		rs, _ := s.app.DB.Rules(ctx, u.Username)
		json.NewEncoder(&b).Encode([]any{u.Username, u.Role, cs, rs})
	}
	return b.String()
}

func TestConfigApply(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	data, err := os.ReadFile("../../examples/oncall.yaml")
	if err != nil {
		t.Fatal(err)
	}
	example := string(data)
	empty := s.state(t)

	// Only admins.
	if a := s.call(t, "rita", "POST", "/api/v1/config/apply", applyBody(t, example, true, false, configSecrets)); a.status != 403 {
		t.Fatalf("responder: %d", a.status)
	}

	// A dry run reports everything and changes nothing.
	c, _ := s.applyConfig(t, 200, applyBody(t, example, true, false, configSecrets))
	if !c.DryRun || len(c.Users) != 3 || len(c.Contacts) != 4 || len(c.Rules) != 1 || len(c.Objects) != 6 {
		t.Fatalf("dry run: %+v", c)
	}
	if c.Objects[0].Op != "create" || c.Objects[0].Key.String() != "team payments" || c.Contacts[0].Address != "https://pager.invalid/…" {
		t.Fatalf("dry run: %+v", c)
	}
	if got := strings.Join(c.Rules[0].After, ", "); got != "phone-hook after 0 min, mail after 2 min" {
		t.Fatalf("rules: %s", got)
	}
	if s.state(t) != empty {
		t.Fatal("a dry run changed something")
	}

	// Apply, then again: nothing left to change.
	c, _ = s.applyConfig(t, 200, applyBody(t, example, false, false, configSecrets))
	if c.DryRun || len(c.Users) != 3 || len(c.Objects) != 6 {
		t.Fatalf("apply: %+v", c)
	}
	ctx := context.Background()
	cs, err := s.app.DB.Contacts(ctx, "alice")
	if err != nil || len(cs) != 2 || !cs[1].Verified || cs[1].Source != "config" || cs[1].Target.Secret != configSecrets["ALICE_HOOK_KEY"] {
		t.Fatalf("alice's contacts: %+v %v", cs, err)
	}
	if rs, _ := s.app.DB.Rules(ctx, "alice"); len(rs) != 2 || rs[1].DelayMinutes != 2 {
		t.Fatalf("alice's rules: %+v", rs)
	}
	applied := s.state(t)
	c, _ = s.applyConfig(t, 200, applyBody(t, example, false, false, configSecrets))
	if !c.Empty() {
		t.Fatalf("second apply: %+v", c)
	}
	if s.state(t) != applied {
		t.Fatal("the second apply changed something")
	}

	// A changed secret, rule and policy; then prune what the file drops.
	changed := strings.Replace(example, "{contact: mail, delay_minutes: 2}", "{contact: mail, delay_minutes: 3}", 1)
	changed = strings.Replace(changed, "{delay_minutes: 15, targets: [{user: carol}]}", "{delay_minutes: 20, targets: [{user: carol}]}", 1)
	secrets := map[string]string{"ALICE_HOOK_KEY": "alice-new-key-0123456789", "BOB_SLACK_URL": configSecrets["BOB_SLACK_URL"]}
	c, a := s.applyConfig(t, 200, applyBody(t, changed, false, false, secrets))
	if len(c.Contacts) != 1 || c.Contacts[0].Op != "update" || strings.Join(c.Contacts[0].Changed, ",") != "secret" ||
		len(c.Rules) != 1 || len(c.Objects) != 1 || c.Objects[0].Key.String() != "policy incident-commanders" {
		t.Fatalf("change: %+v", c)
	}
	if strings.Contains(a.raw, "alice-new-key") {
		t.Fatal("the answer holds the new secret")
	}
	small := `users:
  - username: alice
    contacts:
      - {name: mail, kind: email, address: alice@example.com}
policies:
  - name: incident-commanders
    steps:
      - {delay_minutes: 20, targets: [{user: carol}]}
incident_rules:
  - {severity: SEV1, policy: incident-commanders}
`
	c, _ = s.applyConfig(t, 200, applyBody(t, small, true, true, nil))
	var deleted []string
	for _, ch := range c.Objects {
		if ch.Op == "delete" {
			deleted = append(deleted, ch.Key.String())
		}
	}
	if strings.Join(deleted, ", ") != "team payments, schedule payments-primary, policy payments-primary, service checkout" ||
		len(c.Contacts) != 1 || c.Contacts[0].Op != "delete" || c.Contacts[0].Name != "phone-hook" {
		t.Fatalf("prune: %+v", c)
	}
}

func TestConfigApplyRefusesBadFiles(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	good := `users:
  - username: alice
    contacts:
      - {name: hook, kind: webhook, address: "https://hooks.example.com/a", secret_env: ALICE_HOOK_KEY}
teams:
  - {name: payments, members: [alice, rita]}
`
	s.applyConfig(t, 200, applyBody(t, good, false, false, configSecrets))
	if a := s.call(t, "admin", "PATCH", "/api/v1/users/rob", `{"active":false}`); a.status != 200 {
		t.Fatalf("deactivate rob: %s", a.raw)
	}
	before := s.state(t)
	tests := []struct {
		name, yaml string
		secrets    map[string]string
		want       string // the first problem
	}{
		{"unknown user", good + "  - {name: ops, members: [alice, mallory]}\n", configSecrets,
			`{"line":7,"column":34,"path":"teams[1].members[1]","message":"unknown user \"mallory\""}`},
		{"short webhook key", good, map[string]string{"ALICE_HOOK_KEY": "short"},
			`{"line":4,"column":89,"path":"users[0].contacts[0].secret_env","message":"the webhook signing key must be at least 16 bytes"}`},
		{"secret not sent", good, nil,
			`{"line":4,"column":89,"path":"users[0].contacts[0].secret_env","message":"environment variable ALICE_HOOK_KEY is not set"}`},
		{"policy without steps", good + "policies:\n  - {name: p, steps: []}\n", configSecrets,
			`{"line":8,"column":15,"path":"policies[0].steps","message":"a policy needs at least one step"}`},
		{"unknown severity", good + "policies:\n  - {name: p, steps: [{delay_minutes: 1, targets: [{user: rita}]}]}\nincident_rules: [{severity: SEV9, policy: p}]\n", configSecrets,
			`{"line":9,"column":29,"path":"incident_rules[0].severity","message":"unknown severity \"SEV9\" (want one of [SEV1 SEV2 SEV3 SEV4])"}`},
		{"deactivated user", strings.Replace(good, "users:\n", "users:\n  - {username: rob}\n", 1), configSecrets,
			`{"line":2,"column":16,"path":"users[0].username","message":"user \"rob\" is deactivated: reactivate them before giving them contacts or shifts"}`},
		{"unknown key", good + "escalation: {}\n", configSecrets,
			`{"line":7,"column":1,"message":"unknown field \"escalation\""}`},
	}
	for _, tt := range tests {
		_, a := s.applyConfig(t, 422, applyBody(t, tt.yaml, false, false, tt.secrets))
		var p struct {
			Problems []json.RawMessage `json:"problems"`
		}
		if err := json.Unmarshal([]byte(a.raw), &p); err != nil || len(p.Problems) == 0 || string(p.Problems[0]) != tt.want {
			t.Errorf("%s: %s", tt.name, a.raw)
		}
		if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			t.Errorf("%s: Content-Type %q", tt.name, ct)
		}
		if s.state(t) != before {
			t.Fatalf("%s: a refused apply changed something", tt.name)
		}
	}
}
