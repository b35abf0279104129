package cli_test

import (
	"strings"
	"testing"
)

// A note names records of its incident with --ref; an unknown one is
// refused, naming which.
func TestNoteRefsFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ok(t, "users", "create", "alice", "--role", "responder")
	h.asUser(t, "alice")
	h.ok(t, "declare", "Web shell", "--severity", "SEV3")
	h.ok(t, "assets", "INC-1", "add", "host", "web-1", "--state", "confirmed")
	out := h.ok(t, "incidents", "note", "INC-1", "Isolated web-1", "--kind", "action", "--ref", "asset:host:web-1")
	if !strings.Contains(out, "about asset:host:web-1") {
		t.Fatalf("note: %s", out)
	}
	if out := h.ok(t, "incidents", "timeline", "INC-1", "--kind", "action"); !strings.Contains(out, "[asset:host:web-1]") {
		t.Fatalf("timeline: %s", out)
	}
	h.fails(t, `refs[1]: INC-1 has no asset "host:web-2"`, "incidents", "note", "INC-1", "x", "--ref", "asset:host:web-1", "--ref", "asset:host:web-2")
}
