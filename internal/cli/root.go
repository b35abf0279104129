// Package cli is the firebreak command tree. Commands that act on incidents
// are clients of the REST API; serve, migrate, token, password reset and
// audit verify open the database directly.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/buildinfo"
	"github.com/firebreak-ir/firebreak/internal/client"
)

// Env is what the commands read from the process: arguments, environment
// and streams, passed in so tests run the CLI in-process.
type Env struct {
	Args   []string
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// globals are the flags every client command shares.
type globals struct {
	env     Env
	url     string
	token   string
	output  string
	cfgPath string
}

// Run executes the CLI and returns the process exit code: 0 on success, 2
// for a usage error (unknown command or flag, a missing or extra argument,
// a bad flag value), 1 for a failure (a problem from the server, a network
// error, a failed check).
func Run(ctx context.Context, env Env) int {
	g := &globals{env: env}
	root := newRoot(g)
	root.SetArgs(env.Args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	code := exitCode(err)
	msg := "firebreak: " + oneLine(err)
	if code == exitUsage && cmd != nil {
		msg += " (see " + cmd.CommandPath() + " --help)"
	}
	fmt.Fprintln(env.Stderr, msg)
	return code
}

// newRoot builds the whole command tree.
func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:           "firebreak",
		Short:         "Firebreak: incident response, from the first signal to the closed post-mortem",
		SilenceUsage:  true,
		SilenceErrors: true,
		// --version: the same build info as the version command, on one line.
		Version: buildinfo.Read().String(),
	}
	root.SetVersionTemplate("firebreak {{.Version}}\n")
	pf := root.PersistentFlags()
	pf.StringVar(&g.url, "url", "", "server URL (default $FIREBREAK_URL, the config file, or http://127.0.0.1:8080)")
	pf.StringVar(&g.token, "token", "", "API token (default $FIREBREAK_TOKEN or the config file)")
	pf.StringVarP(&g.output, "output", "o", "table", "output format: table or json")
	pf.StringVar(&g.cfgPath, "config", "", "config file (default $FIREBREAK_CONFIG or ~/.config/firebreak/config.yaml)")

	root.AddCommand(
		serveCmd(g), declareCmd(g), incidentsCmd(g), usersCmd(g), tokenCmd(g),
		passwordCmd(g), auditCmd(g), migrateCmd(g), versionCmd(g),
		integrationsCmd(g), triageCmd(g), reportCmd(g), backupCmd(g), restoreCmd(g), apiCmd(g),
	)
	root.AddCommand(onCallCmds(g)...)
	root.AddCommand(configCmd(g))
	root.AddCommand(noticeCmds(g)...)
	root.AddCommand(dutiesCmds(g)...)
	root.AddCommand(jobsCmd(g))
	root.AddCommand(deliveriesCmd(g))
	root.AddCommand(tasksCmd(g), taskCmd(g))
	root.AddCommand(plansCmd(g))
	root.AddCommand(assetsCmds(g)...)
	root.AddCommand(iocsCmd(g))
	root.AddCommand(evidenceCmd(g))
	root.AddCommand(actionsCmd(g))
	root.AddCommand(insightsCmd(g))
	classifyErrors(root)
	addCompletion(g, root)
	return root
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// fileConfig is the optional config file.
type fileConfig struct {
	URL   string `yaml:"url"`
	Token string `yaml:"token"`
}

func (g *globals) configFile() (fileConfig, error) {
	path := g.cfgPath
	if path == "" {
		path = g.env.Getenv("FIREBREAK_CONFIG")
	}
	explicit := path != ""
	if path == "" {
		dir := g.env.Getenv("XDG_CONFIG_HOME")
		if dir == "" {
			if home := g.env.Getenv("HOME"); home != "" {
				dir = filepath.Join(home, ".config")
			}
		}
		if dir == "" {
			return fileConfig{}, nil
		}
		path = filepath.Join(dir, "firebreak", "config.yaml")
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return fileConfig{}, nil
	}
	if err != nil {
		return fileConfig{}, fmt.Errorf("config file: %w", err)
	}
	var c fileConfig
	if err := yaml.UnmarshalWithOptions(data, &c, yaml.Strict()); err != nil {
		return fileConfig{}, fmt.Errorf("config file %s: %s", path, yaml.FormatError(err, false, false))
	}
	return c, nil
}

// client builds an API client from flags, environment and config file, in
// that order of precedence.
func (g *globals) client() (*client.Client, error) {
	cfg, err := g.configFile()
	if err != nil {
		return nil, err
	}
	url := first(g.url, g.env.Getenv("FIREBREAK_URL"), cfg.URL, "http://127.0.0.1:8080")
	token := first(g.token, g.env.Getenv("FIREBREAK_TOKEN"), cfg.Token)
	if token == "" {
		return nil, errors.New("no API token: set FIREBREAK_TOKEN, pass --token, or put token: in the config file")
	}
	return client.New(url, token), nil
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func (g *globals) json() bool { return g.output == "json" }

func (g *globals) checkOutput() error {
	if g.output != "table" && g.output != "json" {
		return usage("--output must be table or json, not %q", g.output)
	}
	return nil
}

// print writes v as JSON with -o json, else calls table. Every list has
// one JSON shape, {"items": [...]} (see listShape).
func (g *globals) print(v any, table func(w io.Writer)) error {
	if err := g.checkOutput(); err != nil {
		return err
	}
	if g.json() {
		enc := json.NewEncoder(g.env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(listShape(v))
	}
	table(g.env.Stdout)
	return nil
}
