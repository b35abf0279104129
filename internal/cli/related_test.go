package cli_test

import (
	"strings"
	"testing"
)

// TestRelatedAndOverdueFromTheCLI: incidents related lists the earlier
// incidents sharing an indicator; list --postmortem overdue is accepted
// (and finds none here: nothing has recovered).
func TestRelatedAndOverdueFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ok(t, "declare", "Earlier phishing")
	h.ok(t, "declare", "Phishing wave")
	h.ok(t, "iocs", "INC-1", "add", "ipv4", "198.51.100.7")
	h.ok(t, "iocs", "INC-2", "add", "ipv4", "198.51.100.7")
	if out := h.ok(t, "incidents", "related", "INC-2"); !strings.Contains(out, "INC-1  Earlier phishing") || !strings.Contains(out, "shares ipv4 198.51.100.7") {
		t.Fatalf("related: %s", out)
	}
	if out := h.ok(t, "incidents", "related", "INC-1"); !strings.Contains(out, "No earlier incident shares INC-1") {
		t.Fatalf("related of the first: %s", out)
	}
	if out := h.ok(t, "incidents", "list", "--postmortem", "overdue"); !strings.Contains(out, "No incidents match.") {
		t.Fatalf("list --postmortem overdue: %s", out)
	}
	h.fails(t, "422", "incidents", "list", "--postmortem", "late")
}
