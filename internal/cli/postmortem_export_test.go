package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPostmortemDraftAndExportFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ok(t, "declare", "Leaked token", "--type", "security.credential-compromise")
	out := h.ok(t, "incidents", "postmortem", "draft", "INC-1")
	for _, want := range []string{"# Post-mortem of INC-1: Leaked token", "draft from the record, not saved", "## Timeline", `declared INC-1 "Leaked token"`,
		"How was the attacker's access removed?", "| Time in triage | current, since"} {
		if !strings.Contains(out, want) {
			t.Fatalf("draft lacks %q:\n%s", want, out)
		}
	}
	var d struct {
		Ref   string
		Draft struct{ Timeline []any }
	}
	if err := json.Unmarshal([]byte(h.ok(t, "incidents", "postmortem", "draft", "INC-1", "-o", "json")), &d); err != nil || d.Ref != "INC-1" || len(d.Draft.Timeline) == 0 {
		t.Fatalf("draft -o json: %+v %v", d, err)
	}
	md := h.ok(t, "incidents", "postmortem", "export", "INC-1", "--format", "md")
	if !strings.HasPrefix(md, "# Post-mortem of INC-1: Leaked token\n") || md != h.ok(t, "incidents", "postmortem", "export", "INC-1") {
		t.Fatalf("export md:\n%s", md)
	}
	file := filepath.Join(t.TempDir(), "pm.html")
	h.ok(t, "incidents", "postmortem", "export", "INC-1", "--format", "html", "--file", file)
	if b, err := os.ReadFile(file); err != nil || !strings.HasPrefix(string(b), "<!doctype html>") {
		t.Fatalf("export html to a file: %v %.80s", err, b)
	}
	h.fails(t, "file exists", "incidents", "postmortem", "export", "INC-1", "--format", "html", "--file", file)
	h.fails(t, `--format "pdf"`, "incidents", "postmortem", "export", "INC-1", "--format", "pdf")
	h.fails(t, "404", "incidents", "postmortem", "export", "INC-9")
}
