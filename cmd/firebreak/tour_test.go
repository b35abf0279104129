package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReadmeQuickTour runs the README's quick tour as written, top to
// bottom, against a fresh server: the first block (starting the server and
// building the binary) is what this harness does itself; every command of
// the other blocks must exit 0, except one that the README follows with the
// error it prints ("# firebreak: 422 …"), which must fail with that error.
// So the README cannot drift from what the product does.
func TestReadmeQuickTour(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed: the tour's curl commands cannot run")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := tourBlocks(t, string(readme))
	if len(blocks) < 3 || !strings.Contains(blocks[0], "firebreak serve") {
		t.Fatalf("the quick tour should start with a block that starts the server, then commands; found %d blocks", len(blocks))
	}
	srv := startServer(t, "--data-dir", t.TempDir())
	dir := t.TempDir()
	bin := firebreakBinary(t)
	if err := os.Symlink(bin, filepath.Join(dir, "firebreak")); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(dir, "examples"), os.DirFS("../../examples")); err != nil {
		t.Fatal(err)
	}

	var script strings.Builder
	script.WriteString("set -uo pipefail\n")
	n := 0
	for _, b := range blocks[1:] {
		for _, c := range tourCommands(b) {
			n++
			cmd := strings.ReplaceAll(c.line, "http://127.0.0.1:8080", srv.URL)
			fmt.Fprintf(&script, "echo %s\n", shellQuote("$ "+c.line))
			if c.wantErr == "" {
				fmt.Fprintf(&script, "%s || { echo %s; exit 1; }\n", cmd, shellQuote(fmt.Sprintf("TOUR FAILED: command %d exited non-zero: %s", n, c.line)))
				continue
			}
			fmt.Fprintf(&script, "if out=$( { %s ; } 2>&1 ); then echo \"$out\"; echo %s; exit 1; fi\n", cmd, shellQuote("TOUR FAILED: expected to fail: "+c.line))
			fmt.Fprintf(&script, "echo \"$out\"; case \"$out\" in *%s*) ;; *) echo %s; exit 1;; esac\n", shellQuote(c.wantErr), shellQuote("TOUR FAILED: the error differs from the README's: "+c.wantErr))
		}
	}
	if n < 20 {
		t.Fatalf("only %d commands in the tour", n)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir = dir
	cmd.Env = childEnv("FIREBREAK_URL="+srv.URL, "FIREBREAK_TOKEN="+adminToken, "PATH="+os.Getenv("PATH"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("the quick tour failed (%v):\n%s", err, out.String())
	}
	t.Logf("%d commands of the quick tour ran:\n%s", n, out.String())
}

// tourBlocks returns the ```sh blocks of the README's "A quick tour".
func tourBlocks(t *testing.T, readme string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(readme, "\n## A quick tour\n")
	if !ok {
		t.Fatal(`README has no "## A quick tour" section`)
	}
	if i := strings.Index(rest, "\n## "); i >= 0 {
		rest = rest[:i]
	}
	var blocks []string
	for {
		_, after, ok := strings.Cut(rest, "```sh\n")
		if !ok {
			return blocks
		}
		body, tail, ok := strings.Cut(after, "```")
		if !ok {
			t.Fatal("an unclosed ```sh block in the quick tour")
		}
		blocks = append(blocks, body)
		rest = tail
	}
}

type tourCommand struct {
	line    string
	wantErr string // the error the README shows under it, when it must fail
}

// tourCommands splits a block into commands: continuation lines joined,
// comment lines dropped, except "# firebreak: …" right under a command,
// which is the error that command prints.
func tourCommands(block string) []tourCommand {
	var cmds []tourCommand
	sc := bufio.NewScanner(strings.NewReader(block))
	var cur strings.Builder
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && strings.HasPrefix(line, "#") {
			if msg, ok := strings.CutPrefix(line, "# firebreak: "); ok && len(cmds) > 0 {
				cmds[len(cmds)-1].wantErr = strings.TrimSuffix(strings.TrimSpace(msg), "...")
			}
			continue
		}
		if line == "" {
			continue
		}
		if l, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(l + " ")
			continue
		}
		cur.WriteString(line)
		cmds = append(cmds, tourCommand{line: cur.String()})
		cur.Reset()
	}
	return cmds
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
