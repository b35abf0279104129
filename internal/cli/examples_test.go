package cli

import (
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func walk(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, sub := range c.Commands() {
		walk(sub, f)
	}
}

func testRoot() *cobra.Command {
	return newRoot(&globals{env: Env{Getenv: func(string) string { return "" }, Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard}})
}

// Every command a user can run shows at least one example in its --help.
func TestEveryCommandHasAnExample(t *testing.T) {
	t.Parallel()
	n := 0
	walk(testRoot(), func(c *cobra.Command) {
		if !c.Runnable() || c.Hidden || groupOnly(c) {
			return
		}
		n++
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s has no Example", c.CommandPath())
		}
	})
	if n < 50 {
		t.Fatalf("walked %d runnable commands; the tree is not what this test expects", n)
	}
}

// exampleCommands reads the firebreak command lines of an Example: line
// continuations joined, comments, pipes and redirections cut off, a
// leading VAR=value dropped, words split as a shell would (quotes only).
func exampleCommands(example string) [][]string {
	var cmds [][]string
	for _, line := range strings.Split(strings.ReplaceAll(example, "\\\n", " "), "\n") {
		words := shellWords(line)
		for len(words) > 0 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-") {
			words = words[1:]
		}
		if len(words) == 0 || words[0] != "firebreak" {
			continue
		}
		for i, w := range words {
			if w == "|" || w == ">" || w == "<" || w == "#" || w == "&&" {
				words = words[:i]
				break
			}
		}
		cmds = append(cmds, words[1:])
	}
	return cmds
}

func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// Every example names a command that exists, with flags it has and the
// number of arguments it takes: an example that rots fails here.
func TestExamplesParse(t *testing.T) {
	t.Parallel()
	checked := 0
	walk(testRoot(), func(c *cobra.Command) {
		for _, args := range exampleCommands(c.Example) {
			root := testRoot() // fresh flags for every line
			root.InitDefaultVersionFlag()
			cmd, rest, err := root.Find(args)
			if err != nil {
				t.Errorf("%s example %q: %v", c.CommandPath(), strings.Join(args, " "), err)
				continue
			}
			if err := cmd.ParseFlags(rest); err != nil {
				t.Errorf("%s example %q: %v", c.CommandPath(), strings.Join(args, " "), err)
				continue
			}
			if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil && cmd.Runnable() {
				t.Errorf("%s example %q: %v", c.CommandPath(), strings.Join(args, " "), err)
			}
			checked++
		}
	})
	t.Logf("%d example lines checked", checked)
	if checked < 150 {
		t.Errorf("checked %d example lines; the parser lost some", checked)
	}
}
