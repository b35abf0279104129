package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/client"
)

// A second server on the same SQLite data directory would release the
// first one's running jobs and page everyone again: it must refuse to
// start, naming the process that holds the directory.
func TestSecondServerOnOneDataDirRefuses(t *testing.T) {
	dir := t.TempDir()
	first := startServer(t, "--data-dir", dir)
	_, stderr, code := runCLI(t, "serve", "--addr", "127.0.0.1:0", "--data-dir", dir)
	want := fmt.Sprintf("process %d holds", first.cmd.Process.Pid)
	if code == 0 || !strings.Contains(stderr, want) {
		t.Fatalf("second serve: exit %d, stderr:\n%s\nwant a non-zero exit naming %q", code, stderr, want)
	}
	// The first is unharmed, and once it stops the directory is free.
	if _, err := first.client().List(t.Context(), client.ListOptions{}); err != nil {
		t.Fatalf("the first server after the refused start: %v", err)
	}
	first.stop(t)
	second := startServer(t, "--data-dir", dir)
	second.stop(t)
}
