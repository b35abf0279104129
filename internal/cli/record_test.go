package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRecordStaysTrueFromTheCLI is issue 12 defects 2 and 3 as the CLI
// meets them: on a closed SEV1, asking for a review of the published
// post-mortem is refused naming status, a changed text needs --reason and
// shows in revisions; assigning a held role hands it over with --note.
func TestRecordStaysTrueFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ok(t, "users", "create", "alice", "--role", "responder")
	h.ok(t, "users", "create", "bob", "--role", "responder")
	out := h.ok(t, "token", "create", "--user", "alice", "--name", "laptop", "--db", h.dsn, "-o", "json")
	var tok struct{ Secret string }
	if err := json.Unmarshal([]byte(out), &tok); err != nil {
		t.Fatalf("token create: %q %v", out, err)
	}
	h.env["FIREBREAK_TOKEN"] = tok.Secret
	h.ok(t, "declare", "Leaked deploy key", "--severity", "SEV1")
	h.ok(t, "incidents", "assign", "INC-1", "ir_lead", "alice")
	h.ok(t, "incidents", "transition", "INC-1", "active")
	h.ok(t, "incidents", "assign", "INC-1", "incident_commander", "bob")
	if out := h.ok(t, "incidents", "assign", "INC-1", "incident_commander", "alice", "--note", "bob is off shift"); !strings.Contains(out, "incident_commander handed over from bob to alice (bob stays as responder)") {
		t.Errorf("handover: %s", out)
	}
	h.ok(t, "incidents", "transition", "INC-1", "contained")
	h.ok(t, "incidents", "update", "INC-1", "--root-cause", "a CI log printed the key")
	h.ok(t, "incidents", "transition", "INC-1", "eradicated")
	h.ok(t, "incidents", "transition", "INC-1", "recovered")
	dir := t.TempDir()
	v1, v2 := filepath.Join(dir, "v1.md"), filepath.Join(dir, "v2.md")
	for f, text := range map[string]string{v1: "## Summary\n\n# Review\n", v2: "## Summary\n\n# Review, corrected\n"} {
		if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// alice is IR Lead and commander: the only possible reviewer, she
	// approves her own text.
	h.ok(t, "incidents", "postmortem", "edit", "INC-1", "--file", v1)
	h.ok(t, "incidents", "postmortem", "request-review", "INC-1")
	h.ok(t, "incidents", "postmortem", "approve", "INC-1")
	h.ok(t, "incidents", "postmortem", "publish", "INC-1")
	h.waiveOpenDuties(t, "INC-1")
	h.ok(t, "incidents", "transition", "INC-1", "closed")

	h.fails(t, "status: the post-mortem of INC-1 is published", "incidents", "postmortem", "request-review", "INC-1")
	h.fails(t, "reason", "incidents", "postmortem", "edit", "INC-1", "--file", v2)
	h.ok(t, "incidents", "postmortem", "edit", "INC-1", "--file", v2, "--reason", "the vendor's report")
	h.fails(t, "no action item 1", "incidents", "postmortem", "action-item", "INC-1", "1")
	out = h.ok(t, "incidents", "postmortem", "revisions", "INC-1")
	if !strings.Contains(out, "first publication") || !strings.Contains(out, "the vendor's report") || !strings.Contains(out, "\n2  ") {
		t.Errorf("revisions:\n%s", out)
	}
	out = h.ok(t, "incidents", "show", "INC-1", "-o", "json")
	var inc struct {
		State string
		Roles []struct{ Role, User string }
	}
	if err := json.Unmarshal([]byte(out), &inc); err != nil || inc.State != "closed" {
		t.Fatalf("show: %s %v", out, err)
	}
	var ics, responders []string
	for _, r := range inc.Roles {
		switch r.Role {
		case "incident_commander":
			ics = append(ics, r.User)
		case "responder":
			responders = append(responders, r.User)
		}
	}
	if strings.Join(ics, ",") != "alice" || strings.Join(responders, ",") != "bob" {
		t.Errorf("commanders %v, responders %v", ics, responders)
	}
	if out := h.ok(t, "audit", "verify", "--db", h.dsn); !strings.Contains(out, "Every chain is intact") {
		t.Fatalf("audit verify: %s", out)
	}
}
