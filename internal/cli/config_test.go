package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	aliceKey = "alice-hmac-key-0123456789"
	bobSlack = "https://hooks.slack.com/services/T000/B000/bobsecretpath"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// noSecrets fails when a secret shows in the CLI's output.
func noSecrets(t *testing.T, outs ...string) {
	t.Helper()
	for _, o := range outs {
		for _, s := range []string{aliceKey, "bobsecretpath"} {
			if strings.Contains(o, s) {
				t.Fatalf("output shows a secret:\n%s", o)
			}
		}
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	h := &harness{env: map[string]string{"HOME": t.TempDir()}} // offline: no server
	example := "../../examples/oncall.yaml"

	code, _, errOut := h.run(t, "config", "validate", example)
	if code != 1 || !strings.Contains(errOut, example+":12:100: users[0].contacts[0].secret_env: environment variable ALICE_HOOK_KEY is not set\n") ||
		!strings.Contains(errOut, example+":20:49: users[1].contacts[0].address_env: environment variable BOB_SLACK_URL is not set\n") ||
		!strings.HasSuffix(errOut, "firebreak: "+example+": 2 problem(s); nothing was changed\n") {
		t.Fatalf("validate without secrets: exit %d\n%s", code, errOut)
	}
	h.env["ALICE_HOOK_KEY"], h.env["BOB_SLACK_URL"] = aliceKey, bobSlack
	out := h.ok(t, "config", "validate", example)
	if out != example+": valid (3 users, 1 team, 1 service, 1 schedule, 2 policies, 1 incident rule)\n" {
		t.Fatalf("validate: %q", out)
	}

	bad := writeFile(t, "bad.yaml", `teams:
  - {name: payments, members: [alice]}
policies:
  - name: a
    steps:
      - {delay_minutes: 5, targets: [{policy: b}]}
  - name: b
    steps: []
schedules:
  - name: web
    time_zone: UTC
    layers:
      - {name: l, users: [alice], start: 2026-01-01T00:00:00Z, rotation: {kind: daily}}
    overrides:
      - {user: alice, from: 2026-02-01T00:00:00Z, to: 2026-02-03T00:00:00Z}
      - {user: alice, from: 2026-02-02T00:00:00Z, to: 2026-02-04T00:00:00Z}
`)
	code, out, errOut = h.run(t, "config", "validate", bad)
	want := bad + ":8:5: policies[1].steps: a policy needs at least one step\n" +
		bad + ":16:10: schedules[0].overrides[1]: 2026-02-02T00:00:00Z to 2026-02-04T00:00:00Z overlaps overrides[0] (2026-02-01T00:00:00Z to 2026-02-03T00:00:00Z)\n" +
		"firebreak: " + bad + ": 2 problem(s); nothing was changed\n"
	if code != 1 || errOut != want || out != "" {
		t.Fatalf("validate bad: exit %d\n%s\nwant\n%s", code, errOut, want)
	}

	// Users named but not declared must exist on the server: noted, not errors.
	undeclared := writeFile(t, "u.yaml", "teams:\n  - {name: payments, members: [alice]}\n")
	out = h.ok(t, "config", "validate", undeclared)
	if out != undeclared+`:2:32: teams[0].members[0]: user "alice" is not declared in the file: it must exist on the server`+"\n"+
		undeclared+": valid (0 users, 1 team, 0 services, 0 schedules, 0 policies, 0 incident rules)\n" {
		t.Fatalf("validate undeclared: %q", out)
	}
}

func TestConfigApplyFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env["ALICE_HOOK_KEY"], h.env["BOB_SLACK_URL"] = aliceKey, bobSlack
	example := "../../examples/oncall.yaml"

	// --server asks the server: a user it lacks is an error.
	undeclared := writeFile(t, "u.yaml", "teams:\n  - {name: payments, members: [alice]}\n")
	code, _, errOut := h.run(t, "config", "validate", "--server", undeclared)
	if code != 1 || !strings.Contains(errOut, undeclared+`:2:32: teams[0].members[0]: unknown user "alice"`) {
		t.Fatalf("validate --server: exit %d\n%s", code, errOut)
	}

	// A dry run shows the changes and changes nothing.
	out := h.ok(t, "config", "apply", example, "--dry-run")
	for _, want := range []string{
		"+ create user alice (responder)\n", "+ create user carol (admin)\n",
		"+ create contact alice/phone-hook (webhook https://pager.invalid/…)\n",
		"+ create contact bob/slack (slack https://hooks.slack.com/…)\n",
		"+ create notification rules of alice: (none) → phone-hook after 0 min, mail after 2 min\n",
		"+ create team payments\n", "+ create schedule payments-primary\n", "+ create policy incident-commanders\n",
		"+ create service checkout\n", "+ create incident_rule SEV1\n",
		"Dry run: 14 changes; nothing was changed.\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	noSecrets(t, out)
	if out := h.ok(t, "users", "list"); strings.Contains(out, "alice") {
		t.Fatalf("the dry run created users:\n%s", out)
	}

	// Without a terminal, applying needs --yes.
	code, out, errOut = h.run(t, "config", "apply", example)
	if code != 1 || !strings.Contains(errOut, "standard input is not a terminal") || !strings.Contains(out, "+ create team payments") {
		t.Fatalf("apply without --yes: exit %d\n%s%s", code, out, errOut)
	}

	out = h.ok(t, "config", "apply", example, "--yes")
	if !strings.HasSuffix(out, "Applied 14 changes.\n") {
		t.Fatalf("apply: %s", out)
	}
	if out := h.ok(t, "users", "list"); !strings.Contains(out, "carol") {
		t.Fatalf("users after apply:\n%s", out)
	}
	if out := h.ok(t, "config", "apply", example, "--yes"); out != "No changes: the server already matches the file.\n" {
		t.Fatalf("second apply: %q", out)
	}

	// A bad file changes nothing: refused by the server (a user it lacks),
	// or before it is asked.
	data, _ := os.ReadFile(example)
	bad := writeFile(t, "bad.yaml", strings.Replace(string(data), "members: [alice, bob, carol]", "members: [alice, bob, carol, mallory]", 1))
	code, _, errOut = h.run(t, "config", "apply", bad, "--yes")
	if code != 1 || errOut != bad+":29:34: teams[0].members[3]: unknown user \"mallory\"\nfirebreak: "+bad+": 1 problem(s); nothing was changed\n" {
		t.Fatalf("apply with an unknown user: exit %d\n%s", code, errOut)
	}
	bad = writeFile(t, "bad2.yaml", strings.Replace(string(data), "incident_rules:", "  - name: empty\n    steps: []\nincident_rules:", 1))
	code, _, errOut = h.run(t, "config", "apply", bad, "--yes")
	if code != 1 || !strings.HasPrefix(errOut, bad+":63:5: policies[2].steps: a policy needs at least one step\n") {
		t.Fatalf("apply with an empty policy: exit %d\n%s", code, errOut)
	}
	if out := h.ok(t, "config", "apply", example, "--dry-run"); !strings.HasPrefix(out, "No changes") {
		t.Fatalf("after the bad apply: %s", out)
	}

	// An update shows the fields that change; a new secret is only named.
	changed := strings.Replace(string(data), "{delay_minutes: 15, targets: [{user: carol}]}", "{delay_minutes: 20, targets: [{user: carol}]}", 1)
	h.env["ALICE_HOOK_KEY"] = "another-hmac-key-0123456789"
	out = h.ok(t, "config", "apply", writeFile(t, "changed.yaml", changed), "--yes")
	want := "~ update contact alice/phone-hook (webhook https://pager.invalid/…): secret changed\n" +
		"~ update policy incident-commanders\n    steps[0].delay_minutes: 15 → 20\n" +
		"Applied 2 changes.\n"
	if out != want {
		t.Fatalf("update:\n%s\nwant\n%s", out, want)
	}
	noSecrets(t, out)
}
