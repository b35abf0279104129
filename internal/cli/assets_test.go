package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAssetsFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ok(t, "users", "create", "alice", "--role", "responder")
	h.asUser(t, "alice")
	h.ok(t, "declare", "Repo leak", "--severity", "SEV3")
	h.ok(t, "incidents", "assign", "INC-1", "ir_lead", "alice")
	h.ok(t, "incidents", "transition", "INC-1", "active")

	if out := h.ok(t, "assets", "INC-1", "add", "repository", "acme/api", "--owner", "platform", "--criticality", "high", "--state", "confirmed"); !strings.Contains(out, "INC-1 repository acme/api: confirmed") {
		t.Fatalf("assets add: %s", out)
	}
	h.fails(t, "--how TEXT is required", "assets", "INC-1", "move", "repository", "acme/api", "contained")
	h.ok(t, "assets", "INC-1", "move", "repository", "acme/api", "contained", "--how", "made private")
	if out := h.ok(t, "assets", "INC-1"); !strings.Contains(out, "acme/api") || !strings.Contains(out, "contained") || !strings.Contains(out, "made private") {
		t.Fatalf("assets: %s", out)
	}
	h.fails(t, "want: assets REF", "assets", "INC-1", "frobnicate")

	if out := h.ok(t, "creds", "INC-1", "add", "api_key", "deploy token", "--state", "confirmed", "--exposed-in", "public repo"); !strings.Contains(out, "INC-1 C1 (deploy token): confirmed") {
		t.Fatalf("creds add: %s", out)
	}
	h.ok(t, "incidents", "transition", "INC-1", "contained")
	h.ok(t, "incidents", "update", "INC-1", "--root-cause", "token committed")
	h.fails(t, "credentials.C1: credential C1 (deploy token) is confirmed: revoke it before eradicated", "incidents", "transition", "INC-1", "eradicated")
	h.ok(t, "creds", "INC-1", "move", "C1", "revoked", "--how", "revoked in the registry")
	h.ok(t, "incidents", "transition", "INC-1", "eradicated")
	h.fails(t, "assets.acme/api", "incidents", "transition", "INC-1", "recovered")
	h.ok(t, "assets", "INC-1", "accept", "repository", "acme/api", "--reason", "archived")
	h.ok(t, "incidents", "transition", "INC-1", "recovered")

	if out := h.ok(t, "fixes", "INC-1", "add", "--vulnerability", "secret in source", "--kind", "rule", "--description", "secret scanning", "--asset", "repository:acme/api"); !strings.Contains(out, "INC-1 F1 (rule) for secret in source") {
		t.Fatalf("fixes add: %s", out)
	}
	if out := h.ok(t, "fixes", "INC-1", "update", "f1", "--applied-at", "2026-01-02T03:04:05Z", "--applied-by", "alice"); !strings.Contains(out, "applied 2026-01-02 03:04:05Z") {
		t.Fatalf("fixes update: %s", out)
	}
	if out := h.ok(t, "fixes", "INC-1"); !strings.Contains(out, "repository:acme/api") {
		t.Fatalf("fixes: %s", out)
	}
	if out := h.ok(t, "assets", "inventory"); !strings.Contains(out, "acme/api") || !strings.Contains(out, "platform") {
		t.Fatalf("inventory: %s", out)
	}
	if out := h.ok(t, "assets", "inventory", "repository", "acme/api"); !strings.Contains(out, "INC-1") || !strings.Contains(out, "(accepted)") {
		t.Fatalf("inventory asset: %s", out)
	}

	csv := filepath.Join(t.TempDir(), "inventory.csv")
	if err := os.WriteFile(csv, []byte("kind,identifier,owner,criticality\nhost,web-9,ops,low\nrepository,acme/api,,critical\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := h.ok(t, "assets", "import", csv); !strings.Contains(out, "Imported 2 assets.") {
		t.Fatalf("import: %s", out)
	}
	if out := h.ok(t, "assets", "inventory", "--kind", "repository"); !strings.Contains(out, "critical") || !strings.Contains(out, "platform") {
		t.Fatalf("inventory after the import: %s", out)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("kind,identifier\ntoaster,x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.fails(t, "line 2: kind must be one of", "assets", "import", bad)
}
