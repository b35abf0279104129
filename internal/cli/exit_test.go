package cli_test

import (
	"strings"
	"testing"
)

// Usage errors exit 2, failures 1, success 0, and the message stays one
// line on standard error.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string // in standard error; "" for success
	}{
		{name: "success", args: []string{"incidents", "list"}, code: 0},
		{name: "a group alone shows its help", args: []string{"incidents"}, code: 0},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, want: `unknown command "frobnicate" for "firebreak"`},
		{name: "unknown subcommand", args: []string{"incidents", "frobnicate"}, code: 2, want: `unknown command "frobnicate" for "firebreak incidents" (see firebreak incidents --help)`},
		{name: "unknown flag", args: []string{"incidents", "list", "--frobnicate"}, code: 2, want: "unknown flag: --frobnicate (see firebreak incidents list --help)"},
		{name: "flag value that does not parse", args: []string{"incidents", "list", "--limit", "many"}, code: 2, want: `invalid argument "many" for "--limit"`},
		{name: "missing argument", args: []string{"incidents", "show"}, code: 2, want: "accepts 1 arg(s), received 0"},
		{name: "extra argument", args: []string{"version", "now"}, code: 2, want: `unknown command "now" for "firebreak version"`},
		{name: "bad output format", args: []string{"incidents", "list", "-o", "xml"}, code: 2, want: "--output must be table or json"},
		{name: "bad flag value found by the command", args: []string{"declare", "x", "--label", "novalue"}, code: 2, want: "--label must be key=value"},
		{name: "missing flag found by the command", args: []string{"token", "create", "--db", h.dsn}, code: 2, want: "--user is required"},
		{name: "problem from the server", args: []string{"incidents", "show", "INC-42"}, code: 1, want: "404"},
		{name: "refused token", env: map[string]string{"FIREBREAK_TOKEN": "fbk_bad"}, args: []string{"incidents", "list"}, code: 1, want: "401"},
		{name: "network error", env: map[string]string{"FIREBREAK_URL": "http://127.0.0.1:1"}, args: []string{"incidents", "list"}, code: 1, want: "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hh := &harness{dsn: h.dsn, env: map[string]string{}}
			for k, v := range h.env {
				hh.env[k] = v
			}
			for k, v := range tt.env {
				hh.env[k] = v
			}
			code, out, errOut := hh.run(t, tt.args...)
			if code != tt.code {
				t.Fatalf("firebreak %s: exit %d, want %d\n%s%s", strings.Join(tt.args, " "), code, tt.code, out, errOut)
			}
			if tt.want == "" {
				if errOut != "" {
					t.Errorf("standard error: %q, want nothing", errOut)
				}
				return
			}
			if !strings.HasPrefix(errOut, "firebreak: ") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Errorf("error is not one line: %q", errOut)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("error %q lacks %q", errOut, tt.want)
			}
		})
	}
}
