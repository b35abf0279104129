package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRecordStaysTrueFromTheCLI is issue 12 defects 2 and 3 as the CLI
// meets them: on a closed SEV1, `incidents postmortem --status draft` is
// refused naming status, a changed text needs --reason and shows in
// --revisions; assigning a held role hands it over with --note.
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
	h.ok(t, "incidents", "postmortem", "INC-1", "--body", "# Review", "--status", "published")
	h.waiveOpenDuties(t, "INC-1")
	h.ok(t, "incidents", "transition", "INC-1", "closed")

	h.fails(t, "status: the post-mortem of INC-1 was published", "incidents", "postmortem", "INC-1", "--status", "draft")
	h.fails(t, "reason", "incidents", "postmortem", "INC-1", "--body", "# Review, corrected")
	h.ok(t, "incidents", "postmortem", "INC-1", "--body", "# Review, corrected", "--reason", "the vendor's report")
	h.fails(t, "no action item 1", "incidents", "postmortem", "INC-1", "--done", "1")
	out = h.ok(t, "incidents", "postmortem", "INC-1", "--revisions")
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
