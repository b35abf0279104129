package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/buildinfo"
	"github.com/firebreak-ir/firebreak/internal/cli"
)

// The version command and --version report the build info, not a constant.
func TestVersion(t *testing.T) {
	t.Parallel()
	want := buildinfo.Read()
	run := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		code := cli.Run(context.Background(), cli.Env{Args: args, Getenv: func(string) string { return "" },
			Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut})
		if code != 0 {
			t.Fatalf("firebreak %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
		}
		return out.String()
	}
	if got, line := run("--version"), "firebreak "+want.String()+"\n"; got != line {
		t.Errorf("--version = %q, want %q", got, line)
	}
	table := run("version")
	for _, row := range []string{"Version    " + want.Version + "\n", "Go         " + runtime.Version() + "\n", "Platform   " + runtime.GOOS + "/" + runtime.GOARCH + "\n"} {
		if !strings.Contains(table, row) {
			t.Errorf("version lacks %q:\n%s", row, table)
		}
	}
	var got buildinfo.Info
	if err := json.Unmarshal([]byte(run("version", "-o", "json")), &got); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("version -o json = %+v, want %+v", got, want)
	}
}
