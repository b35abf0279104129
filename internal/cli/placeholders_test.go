package cli_test

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/notices"
)

// An Art. 34 notice that still holds a part to be written cannot be
// sent, approved or submitted: the CLI exits 1 naming the part and its
// line.
func TestUnwrittenArt34NoticeFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ok(t, "declare", "CRM copied", "--severity", "SEV1")
	out := h.ok(t, "notices", "INC-1", "draft", "--template", "gdpr-art34", "-o", "json")
	var n notices.Notice
	if err := json.Unmarshal([]byte(out), &n); err != nil || len(n.Placeholders) == 0 {
		t.Fatalf("draft: %v\n%s", err, out)
	}
	first := n.Placeholders[0]
	want := regexp.MustCompile(`^firebreak: .*body: line ` + strconv.Itoa(first.Line) + `: ` + regexp.QuoteMeta(first.Text) + ` is still to be written`)
	for _, args := range [][]string{
		{"notices", "INC-1", "send", n.ID, "--to", "dana@example.com"},
		{"notices", "INC-1", "submit", n.ID, "--recipient", "Dana", "--channel", "letter"},
	} {
		code, _, errOut := h.run(t, args...)
		if code != 1 || !want.MatchString(errOut) {
			t.Fatalf("firebreak %s: exit %d, %q; want exit 1 naming %s on line %d", strings.Join(args, " "), code, errOut, first.Text, first.Line)
		}
	}
	code, _, errOut := h.as(t, "bob").run(t, "notices", "INC-1", "approve", n.ID)
	if code != 1 || !strings.Contains(errOut, first.Text+" is still to be written; replace it with the text before the notice is approved") {
		t.Fatalf("approve: exit %d, %q", code, errOut)
	}
}
