package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// asUser makes a token for user and makes it the harness's.
func (h *harness) asUser(t *testing.T, user string) {
	t.Helper()
	out := h.ok(t, "token", "create", "--user", user, "--name", "cli", "--db", h.dsn, "-o", "json")
	var tok struct{ Secret string }
	if err := json.Unmarshal([]byte(out), &tok); err != nil || tok.Secret == "" {
		t.Fatalf("token create: %q %v", out, err)
	}
	h.env["FIREBREAK_TOKEN"] = tok.Secret
}

func TestTasksFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ok(t, "users", "create", "alice", "--role", "responder")
	h.ok(t, "users", "create", "bob", "--role", "responder")
	h.asUser(t, "alice")
	h.ok(t, "declare", "Credential leak", "--severity", "SEV2")
	h.ok(t, "incidents", "assign", "INC-1", "ir_lead", "alice")
	h.ok(t, "incidents", "assign", "INC-1", "incident_commander", "alice")
	h.ok(t, "incidents", "transition", "INC-1", "active")

	out := h.ok(t, "task", "add", "INC-1", "--title", "Revoke sessions", "--phase", "contain", "--required", "--due", "2h", "--item", "SSO", "--item", "VPN")
	if !strings.Contains(out, "added task own-1 (contain): Revoke sessions") {
		t.Fatalf("task add: %s", out)
	}
	h.ok(t, "task", "add", "INC-1", "--title", "Rotate the secret", "--required", "--assignee", "bob")
	h.ok(t, "task", "add", "INC-1", "--title", "Tell customers", "--phase", "communicate")
	h.fails(t, "--phase is one of", "task", "add", "INC-1", "--title", "x", "--phase", "later")
	h.fails(t, "RFC 3339", "task", "add", "INC-1", "--title", "x", "--due", "soon")

	// The gate: contained is refused, naming each open required task.
	h.fails(t, "tasks.own-1: required contain task \"Revoke sessions\" is todo, assigned to alice", "incidents", "transition", "INC-1", "contained")
	h.fails(t, "tasks.own-2: required contain task \"Rotate the secret\" is todo, assigned to bob", "incidents", "transition", "INC-1", "contained")

	// Skipping needs a reason: the CLI says so (exit 2), as the server would.
	code, _, errOut := h.run(t, "task", "skip", "INC-1", "own-2")
	if code != 2 || !strings.Contains(errOut, "--reason TEXT is required") {
		t.Fatalf("skip without a reason: exit %d %s", code, errOut)
	}
	h.fails(t, "--waiting-for TEXT is required", "task", "block", "INC-1", "own-1")
	h.fails(t, "404", "task", "done", "INC-1", "own-99")

	if out := h.ok(t, "task", "start", "INC-1", "own-1"); !strings.Contains(out, "INC-1 own-1: in_progress, alice") {
		t.Fatalf("task start: %s", out)
	}
	if out := h.ok(t, "task", "check", "INC-1", "own-1", "2"); !strings.Contains(out, "checklist 1/2") {
		t.Fatalf("task check: %s", out)
	}
	h.ok(t, "task", "block", "INC-1", "own-2", "--waiting-for", "the vendor")
	h.ok(t, "task", "assign", "INC-1", "own-3", "bob")

	// Bob's tasks, across incidents.
	h.asUser(t, "bob")
	out = h.ok(t, "tasks", "--mine")
	if !strings.Contains(out, "INC-1") || !strings.Contains(out, "own-2") || !strings.Contains(out, "own-3") || strings.Contains(out, "own-1") {
		t.Fatalf("bob's tasks: %s", out)
	}
	var mine struct {
		Items []struct {
			IncidentRef string `json:"incident_ref"`
			Key, State  string
		}
	}
	if err := json.Unmarshal([]byte(h.ok(t, "tasks", "--mine", "-o", "json")), &mine); err != nil || len(mine.Items) != 2 || mine.Items[0].State == "" {
		t.Fatalf("tasks --mine -o json: %+v %v", mine, err)
	}
	if out := h.ok(t, "tasks", "list", "--assignee", "alice"); !strings.Contains(out, "own-1") || strings.Contains(out, "own-2") {
		t.Fatalf("alice's tasks: %s", out)
	}
	if out := h.ok(t, "tasks", "list", "--overdue"); !strings.Contains(out, "No tasks match.") {
		t.Fatalf("overdue: %s", out)
	}
	h.fails(t, "give an incident", "tasks")

	h.ok(t, "task", "skip", "INC-1", "own-2", "--reason", "rotated already")
	h.ok(t, "task", "done", "INC-1", "own-1")
	out = h.ok(t, "tasks", "INC-1")
	for _, want := range []string{"Contain: 2 of 2 done", "Communicate: 0 of 1 done", "skipped (rotated already)", "KEY", "REQUIRED"} {
		if !strings.Contains(out, want) {
			t.Errorf("tasks INC-1 lacks %q:\n%s", want, out)
		}
	}
	h.ok(t, "incidents", "transition", "INC-1", "contained")
	if out := h.ok(t, "incidents", "plans", "INC-1"); !strings.Contains(out, "No plan is applied") {
		t.Fatalf("plans: %s", out)
	}
}

func TestAssessFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ok(t, "declare", "Data exposure", "--severity", "SEV4")
	if out := h.ok(t, "incidents", "assess", "--form"); !strings.Contains(out, "data: What data may be affected?") || !strings.Contains(out, "personal data of many customers") {
		t.Fatalf("assess --form: %s", out)
	}
	h.fails(t, "answers.service", "incidents", "assess", "INC-1", "--answer", "data=personal")
	args := []string{"incidents", "assess", "INC-1", "--answer", "data=personal", "--answer", "service=none", "--answer", "customers=many",
		"--answer", "legal=possible", "--answer", "spread=contained"}
	h.fails(t, "reason", append(args, "--severity", "SEV3")...)
	out := h.ok(t, append(args, "--severity", "SEV2", "--reason", "encrypted at rest")...)
	for _, want := range []string{"the answers suggest SEV1", "because personal data of many customers", "SEV2 chosen instead: encrypted at rest", "Severity is SEV2"} {
		if !strings.Contains(out, want) {
			t.Errorf("assess lacks %q:\n%s", want, out)
		}
	}
}
