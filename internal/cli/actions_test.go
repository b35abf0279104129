package cli_test

import (
	"strings"
	"testing"
	"time"
)

func TestActionsFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ok(t, "users", "create", "alice", "--role", "responder")
	h.ok(t, "users", "create", "dana", "--role", "responder")
	h.asUser(t, "alice")
	h.ok(t, "declare", "Leaked key", "--severity", "SEV3")
	// A date a week ahead in UTC (the default zone): never in the past.
	due := time.Now().UTC().AddDate(0, 0, 7).Format(time.DateOnly)
	h.fails(t, `owner: no user "nobody-such-user"`, "actions", "add", "INC-1", "--title", "Rotate", "--owner", "nobody-such-user", "--due", due)
	h.fails(t, "is in the past", "actions", "add", "INC-1", "--title", "Rotate", "--owner", "dana", "--due", "2020-01-01")
	if out := h.ok(t, "actions", "add", "INC-1", "--title", "Rotate the deploy keys", "--owner", "dana", "--due", due, "--priority", "p2",
		"--tracker-url", "https://jira.example/browse/SEC-4", "--tracker-key", "SEC-4"); !strings.Contains(out, `ACT-1 (INC-1) "Rotate the deploy keys": open, owner dana, due `+due+", p2 prevent; tracked at SEC-4 https://jira.example/browse/SEC-4") {
		t.Fatalf("add: %s", out)
	}
	h.ok(t, "actions", "add", "INC-1", "--title", "Alert on key use", "--owner", "alice", "--due", due, "--kind", "detect")
	if out := h.ok(t, "actions", "--mine"); !strings.Contains(out, "ACT-2") || strings.Contains(out, "ACT-1") {
		t.Fatalf("--mine: %s", out)
	}
	if out := h.ok(t, "actions", "start", "ACT-1"); !strings.Contains(out, ": in progress,") {
		t.Fatalf("start: %s", out)
	}
	h.fails(t, "reason", "actions", "wont-do", "ACT-2")
	if out := h.ok(t, "actions", "wont-do", "ACT-2", "--reason", "covered by the SIEM"); !strings.Contains(out, "won't do: covered by the SIEM") {
		t.Fatalf("wont-do: %s", out)
	}
	h.fails(t, "version", "actions", "edit", "ACT-1", "--title", "stale", "--if-version", "1")
	if out := h.ok(t, "actions", "edit", "ACT-1", "--owner", "alice", "--if-version", "2"); !strings.Contains(out, "owner alice") {
		t.Fatalf("edit: %s", out)
	}
	if out := h.ok(t, "actions", "done", "ACT-1"); !strings.Contains(out, ": done,") {
		t.Fatalf("done: %s", out)
	}
	if out := h.ok(t, "actions", "--state", "done", "--state", "wont_do", "--incident", "INC-1"); !strings.Contains(out, "ACT-1") || !strings.Contains(out, "won't do") {
		t.Fatalf("list by state: %s", out)
	}
	if out := h.ok(t, "actions", "show", "ACT-1"); !strings.Contains(out, "version 4") {
		t.Fatalf("show: %s", out)
	}
	if out := h.ok(t, "-o", "json", "actions", "--overdue"); strings.Join(strings.Fields(out), "") != `{"items":[]}` {
		t.Fatalf("overdue: %s", out)
	}
}
