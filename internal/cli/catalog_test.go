package cli_test

import (
	"strings"
	"testing"
)

func TestConfigValidateCatalog(t *testing.T) {
	t.Parallel()
	h := &harness{env: map[string]string{"HOME": t.TempDir()}} // offline: no server
	good := writeFile(t, "obligations.yaml", `obligations:
  - id: contract-acme-breach
    region: GLOBAL
    regulation: "MSA with Acme, §12.3"
    status: contractual
    recipient: "Acme security team"
    phases:
      - {name: notification, anchor: determined, deadline: PT24H, deadline_kind: calendar_hours}
`)
	if out := h.ok(t, "config", "validate", "--catalog", good); out != good+": valid catalog (1 obligation of its own; 62 with the built-in ones)\n" {
		t.Fatalf("valid: %q", out)
	}

	bad := writeFile(t, "bad.yaml", `obligations:
  - id: contract-acme-breach
    region: GLOBAL
    regulation: "MSA with Acme, §12.3"
    status: contractual
    recipient: "Acme security team"
    phases:
      - name: notification
        anchor: determined
        deadline: P1W
        deadline_kind: calendar_weeks
`)
	code, out, errOut := h.run(t, "config", "validate", "--catalog", bad)
	want := bad + `:11:24: obligations[0].phases[0].deadline_kind: unknown deadline kind "calendar_weeks"; one of calendar_hours, calendar_days, calendar_month, business_days, qualitative` + "\n" +
		"firebreak: " + bad + ": 1 problem(s); nothing was changed\n"
	if code != 1 || out != "" || errOut != want {
		t.Fatalf("unknown deadline kind: exit %d\n%s\nwant\n%s", code, errOut, want)
	}

	code, _, errOut = h.run(t, "config", "validate")
	if code == 0 || !strings.Contains(errOut, "name an on-call file, or a catalog with --catalog") {
		t.Fatalf("nothing to check: exit %d %s", code, errOut)
	}
	code, _, errOut = h.run(t, "config", "validate", "--catalog", good, "--server")
	if code == 0 || !strings.Contains(errOut, "--server checks an on-call file") {
		t.Fatalf("--server with a catalog: exit %d %s", code, errOut)
	}
}
