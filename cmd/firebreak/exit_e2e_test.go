package main

import (
	"strings"
	"testing"
)

// The process's exit status is the CLI's: 2 for a usage error, 1 for a
// failure, 0 for success.
func TestExitStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		code int
		want string
	}{
		{args: []string{"version"}, code: 0},
		{args: []string{"--version"}, code: 0},
		{args: []string{"incidents", "list", "--frobnicate"}, code: 2, want: "unknown flag: --frobnicate"},
		{args: []string{"incidents", "show"}, code: 2, want: "accepts 1 arg(s), received 0"},
		{args: []string{"incidents", "list", "--url", "http://127.0.0.1:1", "--token", "fbk_x"}, code: 1, want: "connection refused"},
	}
	for _, tt := range tests {
		_, stderr, code := runCLI(t, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("firebreak %s: exit %d, %q; want exit %d and %q", strings.Join(tt.args, " "), code, stderr, tt.code, tt.want)
		}
	}
}
