package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tokenFor makes an API token for user against the database directly.
func (h *harness) tokenFor(t *testing.T, user string) string {
	t.Helper()
	out := h.ok(t, "token", "create", "--user", user, "--name", "cli-"+user, "--db", h.dsn, "-o", "json")
	var tok struct{ Secret string }
	if err := json.Unmarshal([]byte(out), &tok); err != nil || tok.Secret == "" {
		t.Fatalf("token create: %q %v", out, err)
	}
	return tok.Secret
}

// TestPostmortemFromTheCLI: the text from YAML, JSON and Markdown files, a
// review with changes asked and given, publication, and the revisions.
func TestPostmortemFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ok(t, "users", "create", "alice", "--role", "responder")
	h.ok(t, "users", "create", "bob", "--role", "responder")
	alice, bob := h.tokenFor(t, "alice"), h.tokenFor(t, "bob")
	h.env["FIREBREAK_TOKEN"] = alice
	h.ok(t, "declare", "Leaked key", "--severity", "SEV1")
	h.ok(t, "incidents", "assign", "INC-1", "ir_lead", "alice")
	h.ok(t, "incidents", "transition", "INC-1", "active")
	h.ok(t, "incidents", "assign", "INC-1", "incident_commander", "bob")
	h.ok(t, "incidents", "transition", "INC-1", "contained")
	h.ok(t, "incidents", "update", "INC-1", "--root-cause", "a CI log printed the key")
	h.ok(t, "incidents", "transition", "INC-1", "eradicated")
	h.ok(t, "incidents", "transition", "INC-1", "recovered")

	dir := t.TempDir()
	file := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	yml := file("pm.yaml", "summary: A key leaked.\nroot_causes:\n  - category: process\n    text: no log scrubbing\ntimeline:\n  - seq: 1\n    at: 2026-01-01T00:00:00Z\n    text: declared\nwhys: [Why printed?]\n")
	h.ok(t, "incidents", "postmortem", "edit", "INC-1", "--file", yml)
	out := h.ok(t, "incidents", "postmortem", "show", "INC-1", "-o", "json")
	var pm struct {
		Status string
		Doc    struct {
			Summary    string
			Timeline   []struct{ Seq int64 }
			RootCauses []struct{ Category string } `json:"root_causes"`
		}
		Reviewers []string
		Approvals []string
	}
	if err := json.Unmarshal([]byte(out), &pm); err != nil || pm.Doc.Summary != "A key leaked." || len(pm.Doc.Timeline) != 1 || pm.Doc.RootCauses[0].Category != "process" {
		t.Fatalf("after the YAML: %v %s", err, out)
	}
	h.fails(t, "root_causes[0].category", "incidents", "postmortem", "edit", "INC-1", "--file", file("bad.json", `{"summary":"x","root_causes":[{"category":"gremlins","text":"y"}]}`))
	h.fails(t, "unknown field", "incidents", "postmortem", "edit", "INC-1", "--file", file("bad2.json", `{"summry":"x"}`))
	h.fails(t, "line 3", "incidents", "postmortem", "edit", "INC-1", "--file", file("bad.md", "## Summary\nx\n## Findings\n"))
	h.fails(t, "extension", "incidents", "postmortem", "edit", "INC-1", "--file", file("pm.txt", "x"))

	h.fails(t, "status", "incidents", "postmortem", "publish", "INC-1")
	if out := h.ok(t, "incidents", "postmortem", "request-review", "INC-1"); !strings.Contains(out, "Reviewers alice, bob; approvals 0 of 1 needed") {
		t.Fatalf("request-review: %s", out)
	}
	h.fails(t, "reviewer", "incidents", "postmortem", "approve", "INC-1")
	h.env["FIREBREAK_TOKEN"] = bob
	h.fails(t, "comment", "incidents", "postmortem", "request-changes", "INC-1")
	h.ok(t, "incidents", "postmortem", "request-changes", "INC-1", "--comment", "add the impact")
	h.env["FIREBREAK_TOKEN"] = alice
	h.fails(t, "reviews", "incidents", "postmortem", "publish", "INC-1")
	// Markdown sections replace theirs; the timeline and causes stay.
	h.ok(t, "incidents", "postmortem", "edit", "INC-1", "--file", file("impact.md", "## Impact\n\nNo customer data.\n"))
	h.env["FIREBREAK_TOKEN"] = bob
	h.ok(t, "incidents", "postmortem", "approve", "INC-1", "--comment", "good")
	h.env["FIREBREAK_TOKEN"] = alice
	out = h.ok(t, "incidents", "postmortem", "publish", "INC-1")
	for _, want := range []string{"published", "## Impact", "No customer data.", "- [process] no log scrubbing", "(#1)", "bob approve"} {
		if !strings.Contains(out, want) {
			t.Errorf("publish output lacks %q:\n%s", want, out)
		}
	}
	h.ok(t, "incidents", "postmortem", "edit", "INC-1", "--file", file("v2.md", "## Summary\n\nA key leaked; rotated.\n"), "--reason", "rotation done")
	out = h.ok(t, "incidents", "postmortem", "revisions", "INC-1")
	if !strings.Contains(out, "first publication, approved by bob") || !strings.Contains(out, "rotation done") {
		t.Errorf("revisions:\n%s", out)
	}
}
