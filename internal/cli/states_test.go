package cli_test

import (
	"strings"
	"testing"
)

// TestListStateAllAndOpen is issue 12 defect 7: the console's state=all
// (and open) work from the CLI and the API too; an unknown state is still
// refused, naming the field.
func TestListStateAllAndOpen(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ok(t, "declare", "Still burning")
	h.ok(t, "declare", "False alarm")
	h.ok(t, "incidents", "transition", "INC-2", "dismissed", "--reason", "false positive: a drill")
	for _, c := range []struct {
		state     string
		want, not []string
	}{
		{"all", []string{"INC-1", "INC-2"}, nil},
		{"open", []string{"INC-1"}, []string{"INC-2"}},
		{"dismissed", []string{"INC-2"}, []string{"INC-1"}},
		{"open,dismissed", []string{"INC-1", "INC-2"}, nil},
	} {
		out := h.ok(t, "incidents", "list", "--state", c.state)
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("--state %s lacks %s:\n%s", c.state, w, out)
			}
		}
		for _, n := range c.not {
			if strings.Contains(out, n) {
				t.Errorf("--state %s lists %s:\n%s", c.state, n, out)
			}
		}
	}
	h.fails(t, `unknown state "everything"`, "incidents", "list", "--state", "everything")
}
