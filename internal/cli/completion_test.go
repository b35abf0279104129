package cli_test

import (
	"slices"
	"strings"
	"testing"
)

// complete runs the shell's completion request and returns the candidates
// (the words before a tab) and the directive line.
func (h *harness) complete(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	code, out, errOut := h.run(t, append([]string{"__complete"}, args...)...)
	if code != 0 {
		t.Fatalf("__complete %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	var words []string
	for _, l := range lines[:len(lines)-1] {
		word, _, _ := strings.Cut(l, "\t")
		words = append(words, word)
	}
	return words, lines[len(lines)-1]
}

// Completion asks the server for incident refs, users, schedules and
// services, and offers nothing, quietly, when it cannot.
func TestDynamicCompletion(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env["ALICE_HOOK_KEY"], h.env["BOB_SLACK_URL"] = aliceKey, bobSlack
	h.ok(t, "config", "apply", "../../examples/oncall.yaml", "--yes")
	for i := range 11 {
		h.ok(t, "declare", "Checkout errors "+string(rune('a'+i)))
	}
	const noFiles = ":4" // cobra.ShellCompDirectiveNoFileComp

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"incident argument", []string{"incidents", "show", "INC-1"}, []string{"INC-11", "INC-10", "INC-1"}},
		{"incident argument, lower case", []string{"incidents", "timeline", "inc-2"}, []string{"INC-2"}},
		{"incident after other arguments", []string{"incidents", "merge", "INC-2", "INC-3"}, []string{"INC-3"}},
		{"user argument in third place", []string{"incidents", "assign", "INC-1", "ir_lead", "c"}, []string{"carol"}},
		{"user flag", []string{"tasks", "list", "--assignee", "b"}, []string{"bob"}},
		{"schedule argument", []string{"oncall", "shifts", ""}, []string{"payments-primary"}},
		{"schedule flag", []string{"page", "INC-1", "--schedule", "pay"}, []string{"payments-primary"}},
		{"service flag", []string{"declare", "Slow checkout", "--affected", "ch"}, []string{"checkout"}},
		{"incident flag", []string{"actions", "--incident", "INC-4"}, []string{"INC-4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			words, directive := h.complete(t, tt.args...)
			if !slices.Equal(words, tt.want) || directive != noFiles {
				t.Errorf("__complete %s = %q %s, want %q %s", strings.Join(tt.args, " "), words, directive, tt.want, noFiles)
			}
		})
	}

	// Descriptions say what a candidate is.
	if _, out, _ := h.run(t, "__complete", "incidents", "show", "INC-11"); !strings.HasPrefix(out, "INC-11\ttriage: Checkout errors k\n") {
		t.Errorf("incident candidate: %q", out)
	}

	// A server that is down, or a token it refuses, gives no candidates and
	// no error text where the shell reads words.
	for name, env := range map[string][2]string{
		"server down":   {"FIREBREAK_URL", "http://127.0.0.1:1"},
		"refused token": {"FIREBREAK_TOKEN", "fbk_bad"},
		"no token":      {"FIREBREAK_TOKEN", ""},
	} {
		t.Run(name, func(t *testing.T) {
			hh := &harness{env: map[string]string{}}
			for k, v := range h.env {
				hh.env[k] = v
			}
			hh.env[env[0]] = env[1]
			_, out, _ := hh.run(t, "__complete", "incidents", "show", "")
			if out != noFiles+"\n" {
				t.Errorf("completion output %q, want only the directive", out)
			}
		})
	}
}
