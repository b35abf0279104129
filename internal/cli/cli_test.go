package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/cli"
	"github.com/firebreak-ir/firebreak/internal/outbound"
)

const adminToken = "fbk_test_bootstrap_admin_token_0123456789"

type harness struct {
	env map[string]string
	dsn string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	dir := t.TempDir()
	a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DSN: filepath.Join(dir, "firebreak.db"), BootstrapToken: adminToken,
		Outbound: outbound.LoopbackPolicy()})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	return &harness{dsn: filepath.Join(dir, "firebreak.db"), env: map[string]string{
		"FIREBREAK_URL": a.URL(), "FIREBREAK_TOKEN": adminToken, "HOME": dir,
	}}
}

// run runs the CLI in-process and returns its exit code, stdout and stderr.
func (h *harness) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), cli.Env{Args: args, Getenv: func(k string) string { return h.env[k] },
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut})
	return code, out.String(), errOut.String()
}

func (h *harness) ok(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := h.run(t, args...)
	if code != 0 {
		t.Fatalf("firebreak %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func (h *harness) fails(t *testing.T, want string, args ...string) {
	t.Helper()
	code, out, errOut := h.run(t, args...)
	if code == 0 {
		t.Fatalf("firebreak %s succeeded:\n%s", strings.Join(args, " "), out)
	}
	if strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.HasPrefix(errOut, "firebreak: ") {
		t.Fatalf("error is not one line: %q", errOut)
	}
	if !strings.Contains(errOut, want) {
		t.Fatalf("firebreak %s: error %q lacks %q", strings.Join(args, " "), errOut, want)
	}
}

func TestWholeIncidentFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ok(t, "users", "create", "alice", "--role", "responder")
	h.ok(t, "users", "create", "bob", "--role", "responder")
	// A token for alice, made against the database directly.
	out := h.ok(t, "token", "create", "--user", "alice", "--name", "laptop", "--db", h.dsn, "-o", "json")
	var tok struct{ Secret string }
	if err := json.Unmarshal([]byte(out), &tok); err != nil || !strings.HasPrefix(tok.Secret, "fbk_") {
		t.Fatalf("token create: %q %v", out, err)
	}
	h.env["FIREBREAK_TOKEN"] = tok.Secret
	if out := h.ok(t, "users", "whoami"); !strings.Contains(out, "alice") {
		t.Fatalf("whoami: %s", out)
	}

	out = h.ok(t, "declare", "Credential leak", "--type", "security.credential-compromise", "--label", "env=prod")
	if !strings.Contains(out, "Declared INC-1") {
		t.Fatalf("declare: %s", out)
	}
	h.fails(t, "ir_lead", "incidents", "transition", "INC-1", "active")
	h.ok(t, "incidents", "update", "INC-1", "--severity", "SEV1")
	h.ok(t, "incidents", "assign", "INC-1", "ir_lead", "alice")
	h.ok(t, "incidents", "transition", "INC-1", "active")
	h.fails(t, "incident_commander", "incidents", "transition", "INC-1", "contained")
	h.ok(t, "incidents", "assign", "INC-1", "incident_commander", "bob")
	h.ok(t, "incidents", "transition", "INC-1", "contained")
	h.fails(t, "root_cause", "incidents", "transition", "INC-1", "eradicated")
	h.ok(t, "incidents", "update", "INC-1", "--root-cause", "CI token in a public repo")
	h.ok(t, "incidents", "transition", "INC-1", "eradicated")
	if out := h.ok(t, "incidents", "transition", "INC-1", "recovered"); !strings.Contains(out, "Post-mortem due") {
		t.Fatalf("recovered: %s", out)
	}
	h.ok(t, "incidents", "note", "INC-1", "Attacker first logged in", "--kind", "evidence", "--at", "2026-11-01T03:12:00Z")
	h.fails(t, "postmortem", "incidents", "transition", "INC-1", "closed")
	review := filepath.Join(t.TempDir(), "review.md")
	if err := os.WriteFile(review, []byte("# Post-mortem\n\n## Summary\n\nA CI token leaked.\n\n## Root causes\n\n- [access] the token was in a public repo\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.ok(t, "incidents", "postmortem", "edit", "INC-1", "--file", review)
	h.ok(t, "incidents", "postmortem", "request-review", "INC-1")
	alice := h.env["FIREBREAK_TOKEN"]
	h.env["FIREBREAK_TOKEN"] = h.tokenFor(t, "bob")
	h.ok(t, "incidents", "postmortem", "approve", "INC-1")
	h.env["FIREBREAK_TOKEN"] = alice
	h.ok(t, "incidents", "postmortem", "publish", "INC-1")
	h.waiveOpenDuties(t, "INC-1")
	h.ok(t, "incidents", "transition", "INC-1", "closed")

	out = h.ok(t, "incidents", "timeline", "INC-1")
	for _, want := range []string{"declared INC-1", "triage → active", "bob is Incident Commander", "recovered → closed", "2026-11-01 03:12:00Z", "evidence: Attacker"} {
		if !strings.Contains(out, want) {
			t.Errorf("timeline lacks %q:\n%s", want, out)
		}
	}
	out = h.ok(t, "incidents", "list", "--state", "closed", "-o", "json")
	var page struct{ Items []struct{ Ref, State string } }
	if err := json.Unmarshal([]byte(out), &page); err != nil || len(page.Items) != 1 || page.Items[0].State != "closed" {
		t.Fatalf("list -o json: %s %v", out, err)
	}
	// Search finds words in notes and post-mortems and shows the passage.
	if out := h.ok(t, "incidents", "list", "-q", "attackers logged", "--state", "all"); !strings.Contains(out, "MATCH") ||
		!strings.Contains(out, "timeline: [Attacker] first [logged] in") {
		t.Fatalf("list -q: %s", out)
	}
	if out := h.ok(t, "incidents", "list", "-q", `"public repo"`, "--state", "all", "-o", "json"); !strings.Contains(out, `"field": "postmortem"`) ||
		!strings.Contains(out, `"hit": true`) {
		t.Fatalf("list -q -o json: %s", out)
	}
	if out := h.ok(t, "incidents", "list", "-q", `NEAR(" *`, "--state", "all"); !strings.Contains(out, "No incidents match.") {
		t.Fatalf("list -q with syntax: %s", out)
	}
	if out := h.ok(t, "incidents", "show", "INC-1"); !strings.Contains(out, "closed") || !strings.Contains(out, "CI token") {
		t.Fatalf("show: %s", out)
	}
	if out := h.ok(t, "audit", "verify", "--db", h.dsn); !strings.Contains(out, "Every chain is intact") {
		t.Fatalf("audit verify: %s", out)
	}
}

func TestCLIErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fails(t, "404", "incidents", "show", "INC-42")
	h.fails(t, "unknown command", "frobnicate")
	h.fails(t, "--label must be key=value", "declare", "x", "--label", "novalue")
	h.fails(t, "--output must be table or json", "incidents", "list", "-o", "xml")
	h.fails(t, "RFC 3339", "declare", "x", "--detected-at", "yesterday")
	h.env["FIREBREAK_TOKEN"] = ""
	h.fails(t, "no API token", "incidents", "list")
	h.env["FIREBREAK_TOKEN"] = "fbk_bad"
	h.fails(t, "401", "incidents", "list")
	h.env["FIREBREAK_URL"] = "http://127.0.0.1:1"
	h.fails(t, "connection refused", "incidents", "list")
}

func TestConfigFile(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dir := filepath.Join(h.env["HOME"], ".config", "firebreak")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(s string) {
		if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("url: " + h.env["FIREBREAK_URL"] + "\ntoken: " + adminToken + "\n")
	h.env["FIREBREAK_URL"], h.env["FIREBREAK_TOKEN"] = "", ""
	h.ok(t, "incidents", "list")
	write("url: x\ntokn: y\n")
	h.fails(t, "tokn", "incidents", "list")
}
