package cli_test

import (
	"strings"
	"testing"
)

func TestConfigValidatePlans(t *testing.T) {
	t.Parallel()
	h := &harness{env: map[string]string{"HOME": t.TempDir()}} // offline: no server
	example := "../../examples/plans.yaml"
	if out := h.ok(t, "config", "validate", "--plans", example); out != example+": valid (1 plan, 4 tasks)\n" {
		t.Fatalf("the example: %q", out)
	}

	bad := writeFile(t, "plans.yaml", `plans:
  - name: leaked-key
    title: Leaked key
    tasks:
      - key: revoke
        phase: contain
        title: Revoke it
        colour: red
        due: 30 minutes
        owner: wizard
`)
	code, out, errOut := h.run(t, "config", "validate", "--plans", bad)
	want := bad + `:8:9: plans[0].tasks[0].colour: unknown field "colour"; one of key, phase, title, instructions, owner, due, due_from, required, checklist` + "\n" +
		bad + `:9:14: plans[0].tasks[0].due: "30 minutes" is not an ISO 8601 duration such as PT30M or P1DT4H` + "\n" +
		bad + `:10:16: plans[0].tasks[0].owner: unknown role "wizard"; an owner is a role, team:NAME or user:NAME` + "\n" +
		"firebreak: " + bad + ": 3 problem(s); nothing was changed\n"
	if code != 1 || out != "" || errOut != want {
		t.Fatalf("bad plans: exit %d\n%s\nwant\n%s", code, errOut, want)
	}

	code, _, errOut = h.run(t, "config", "validate", "--plans", example, "--server")
	if code == 0 || !strings.Contains(errOut, "--server checks an on-call file") {
		t.Fatalf("--server with plans: exit %d %s", code, errOut)
	}
	code, _, errOut = h.run(t, "config", "validate", "--plans", example+".missing")
	if code == 0 || !strings.Contains(errOut, "no such file") {
		t.Fatalf("missing file: exit %d %s", code, errOut)
	}
}
