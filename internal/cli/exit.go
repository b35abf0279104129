package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// Exit codes: the convention of getopt-style tools (and of cobra's own
// advice): 2 when the command line is wrong, 1 when the work failed.
const (
	exitFailure = 1
	exitUsage   = 2
)

// exitError carries a specific exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usage is a mistake in the command line found by a command itself (a
// missing or malformed flag value): exit code 2.
func usage(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// exitCode maps an error from Execute to the process's exit code. Every
// error a command's own code returns has been made an exitError by
// classifyErrors; what is left came from cobra before any command ran —
// an unknown command or flag, a flag value that does not parse, the wrong
// number of arguments, a required flag missing — so it is a usage error.
func exitCode(err error) int {
	if ee, ok := errors.AsType[*exitError](err); ok {
		return ee.code
	}
	return exitUsage
}

// groupAnnotation marks a command that only groups others: run alone, it
// shows its help.
const groupAnnotation = "firebreak/group"

func groupOnly(c *cobra.Command) bool { return c.Annotations[groupAnnotation] == "true" }

// classifyErrors walks the tree once: an error from a command's own hooks
// is a failure unless the command said it is a usage error; a command that
// only groups others answers an unknown subcommand with a usage error
// instead of cobra's default, which prints the help and exits 0.
func classifyErrors(c *cobra.Command) {
	if c.HasSubCommands() && c.RunE == nil && c.Run == nil && c.HasParent() {
		c.Args = func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return nil
		}
		c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
		if c.Annotations == nil {
			c.Annotations = map[string]string{}
		}
		c.Annotations[groupAnnotation] = "true"
	}
	for _, hook := range []*func(*cobra.Command, []string) error{&c.PersistentPreRunE, &c.PreRunE, &c.RunE, &c.PostRunE, &c.PersistentPostRunE} {
		if run := *hook; run != nil {
			*hook = func(cmd *cobra.Command, args []string) error { return failure(run(cmd, args)) }
		}
	}
	for _, sub := range c.Commands() {
		classifyErrors(sub)
	}
}

// failure marks err as a failure (exit 1) unless it already carries a code.
func failure(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*exitError](err); ok {
		return err
	}
	return &exitError{code: exitFailure, err: err}
}
