package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/notices"
)

// Notices, updates and the dossier from the CLI, with the incident first
// (`notices INC-1 draft`) as people say it.
func TestNoticesFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ok(t, "declare", "Payment page skimmer", "--severity", "SEV2", "--summary", "A script copied card numbers.")
	out := h.ok(t, "notices", "INC-1", "draft", "--audience", "customer", "-o", "json")
	var n notices.Notice
	if err := json.Unmarshal([]byte(out), &n); err != nil || n.Template != "customer" || strings.Contains(n.Body, "A script copied card numbers.") || len(n.Placeholders) == 0 {
		t.Fatalf("draft (the internal summary is not the customer's): %v\n%s", err, out)
	}
	dir := t.TempDir()
	body := filepath.Join(dir, "notice.md")
	os.WriteFile(body, []byte("Dear customer,\n\nWe are sorry.\n"), 0o600)
	h.ok(t, "notices", "INC-1", "edit", n.ID, "--body-file", body)
	if got := h.ok(t, "notices", "INC-1", "show", n.ID, "--text"); got != "Dear customer,\n\nWe are sorry.\n" {
		t.Fatalf("show --text: %q", got)
	}
	report := filepath.Join(dir, "report.pdf")
	os.WriteFile(report, []byte("%PDF-1.7 report"), 0o600)
	if got := h.ok(t, "notices", "INC-1", "attach", n.ID, report); !strings.Contains(got, "SHA-256 ") {
		t.Fatalf("attach: %s", got)
	}
	h.fails(t, `body.channel: expected value to be one of "regulator_portal, email, letter, phone, other"`, "notices", "INC-1", "submit", n.ID, "--recipient", "Acme", "--channel", "fax")
	// A customer notice is recorded once a second person approved it.
	h.fails(t, "approval: a notice to customers must be approved by a second person", "notices", "INC-1", "submit", n.ID, "--recipient", "Acme Corp", "--channel", "letter")
	h.as(t, "bob").ok(t, "notices", "INC-1", "approve", n.ID)
	out = h.ok(t, "notices", "INC-1", "submit", n.ID, "--recipient", "Acme Corp", "--channel", "letter", "--reference", "REF-9")
	if !strings.Contains(out, "Submitted to Acme Corp by letter") || !strings.Contains(out, notices.Hash("Dear customer,\n\nWe are sorry.\n")) {
		t.Fatalf("submit: %s", out)
	}
	h.fails(t, "its text is final", "notices", "INC-1", "edit", n.ID, "--title", "Changed")
	if out = h.ok(t, "notices", "INC-1"); !strings.Contains(out, n.ID) || !strings.Contains(out, "submitted") {
		t.Fatalf("list: %s", out)
	}
	if out = h.ok(t, "notices", "list", "INC-1", "-o", "json"); !strings.HasPrefix(strings.TrimSpace(out), `{
  "items": [`) {
		t.Fatalf("list -o json: %s", out)
	}
	if out = h.ok(t, "notices", "templates"); !strings.Contains(out, "gdpr-art33") {
		t.Fatalf("templates: %s", out)
	}
	if out = h.ok(t, "update", "INC-1", "Card form replaced; no new skimming seen."); !strings.Contains(out, "Posted on INC-1") {
		t.Fatalf("update: %s", out)
	}
	if out = h.ok(t, "updates", "INC-1"); !strings.Contains(out, "every 60 min") || !strings.Contains(out, "no new skimming seen") {
		t.Fatalf("updates: %s", out)
	}
	html := h.ok(t, "dossier", "INC-1", "--html")
	for _, want := range []string{"<!doctype html>", "Notification dossier · INC-1", "We are sorry.", "REF-9", "@media print", "report.pdf"} {
		if !strings.Contains(html, want) {
			t.Errorf("dossier --html lacks %q", want)
		}
	}
	if out = h.ok(t, "dossier", "INC-1"); !strings.Contains(out, "notice") || !strings.Contains(out, "submitted") {
		t.Fatalf("dossier: %s", out)
	}
}
