package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/config"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/roster"
)

func configCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "On-call configuration as code: validate and apply a YAML file (admin)",
		Long: "An on-call file declares users with their contact methods and notification rules, teams,\n" +
			"services, schedules, escalation policies and incident rules (see examples/oncall.yaml).\n" +
			"Secrets are never written in it: secret_env and address_env name environment variables.",
	}
	cmd.AddCommand(configValidateCmd(g), configApplyCmd(g))
	return cmd
}

// loadOncall reads and parses an on-call file with secrets from the
// environment; problems are printed, one a line, FILE:LINE:COL: PATH: MESSAGE.
func (g *globals) loadOncall(path string) (*config.Oncall, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	o, err := config.ParseOncall(data, func(name string) (string, bool) {
		v := g.env.Getenv(name)
		return v, v != ""
	})
	if err != nil {
		return nil, nil, g.fileProblems(path, err)
	}
	return o, data, nil
}

// fileProblems prints an on-call file's problems and returns the error to
// exit 1 with; other errors pass through.
func (g *globals) fileProblems(path string, err error) error {
	var ps config.Problems
	var ce *client.ConfigError
	switch {
	case errors.As(err, &ce):
		ps = ce.Problems
	case errors.As(err, &ps):
	default:
		return err
	}
	fmt.Fprintln(g.env.Stderr, ps.Format(path))
	return &exitError{code: 1, err: fmt.Errorf("%s: %d problem(s); nothing was changed", path, len(ps))}
}

func configValidateCmd(g *globals) *cobra.Command {
	var server bool
	var catalog, plans string
	cmd := &cobra.Command{
		Use:   "validate [FILE] [--catalog CATALOG] [--plans PLANS]",
		Short: "Check an on-call file, an obligations catalog or a plans file; exit 1 and name each problem's line when it has any",
		Long: "Check an on-call file offline: its shape (unknown keys are errors), names, times, contact\n" +
			"methods (with their secrets from the environment), duplicates, and the references between\n" +
			"its objects (unknown schedules, policy loops, overlapping layers…). Users it names without\n" +
			"declaring them must exist on the server: they are listed, not counted as errors.\n" +
			"With --server, the server also checks it (its users, severities and objects) in a dry run.\n\n" +
			"--catalog checks a file of the organisation's own notice obligations (the catalog schema:\n" +
			"unknown keys, deadline kinds, deadlines, anchors, conditions) as merged over the built-in\n" +
			"catalog, offline.\n\n" +
			"--plans checks a file of response plans (docs/plans.md: unknown keys, phases, owners,\n" +
			"ISO 8601 due offsets, duplicate names and task keys), offline.",
		Example: "  firebreak config validate oncall.yaml\n  firebreak config validate oncall.yaml --server\n" +
			"  firebreak config validate --catalog obligations.yaml\n  firebreak config validate --plans plans.yaml",
		Args: cobra.RangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if catalog != "" {
				if err := g.validateCatalog(catalog); err != nil {
					return err
				}
			}
			if plans != "" {
				if err := g.validatePlans(plans); err != nil {
					return err
				}
			}
			if len(args) == 0 && (catalog != "" || plans != "") {
				if server {
					return usage("--server checks an on-call file; a catalog or a plans file is checked offline")
				}
				return nil
			}
			if len(args) == 0 {
				return usage("name an on-call file, or a catalog with --catalog, or a plans file with --plans")
			}
			o, data, err := g.loadOncall(args[0])
			if err != nil {
				return err
			}
			if !server {
				for _, p := range o.Undeclared() {
					fmt.Fprintln(g.env.Stdout, p.Format(args[0]))
				}
				fmt.Fprintf(g.env.Stdout, "%s: valid (%s)\n", args[0], summary(o))
				return nil
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			changes, err := c.ApplyConfig(cmd.Context(), httpapi.ConfigApplyBody{YAML: string(data), Secrets: o.Secrets, DryRun: true})
			if err != nil {
				return g.fileProblems(args[0], err)
			}
			fmt.Fprintf(g.env.Stdout, "%s: valid on the server (%s); applying it would make %s\n", args[0], summary(o), changeCount(changes))
			return nil
		},
	}
	cmd.Flags().BoolVar(&server, "server", false, "also check against the server, in a dry run")
	cmd.Flags().StringVar(&catalog, "catalog", "", "check this obligations catalog file")
	cmd.Flags().StringVar(&plans, "plans", "", "check this response plans file")
	return cmd
}

func configApplyCmd(g *globals) *cobra.Command {
	var dryRun, prune, yes bool
	cmd := &cobra.Command{
		Use:   "apply FILE",
		Short: "Make the server's on-call configuration that of a file, after showing the changes",
		Long: "Check the file, ask the server what applying it would change (a dry run), print the\n" +
			"changes, and apply them once confirmed. Secrets come from the environment variables the\n" +
			"file names and are sent to the server with it, never shown. Any problem changes nothing.\n" +
			"Applying the same file again changes nothing. Users that already exist are left as they\n" +
			"are; contact methods the users added themselves stay.\n\n" +
			"--prune also deletes the teams, services, schedules, policies and incident rules the file\n" +
			"does not declare, and contact methods an earlier file gave its users that it no longer lists.\n" +
			"On a terminal the command asks before applying; otherwise pass --yes.",
		Example: "  firebreak config apply oncall.yaml --dry-run\n" +
			"  ALICE_HOOK_KEY=... firebreak config apply oncall.yaml --yes",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
			o, data, err := g.loadOncall(args[0])
			if err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			body := httpapi.ConfigApplyBody{YAML: string(data), Secrets: o.Secrets, DryRun: true, Prune: prune}
			plan, err := c.ApplyConfig(cmd.Context(), body)
			if err != nil {
				return g.fileProblems(args[0], err)
			}
			if dryRun || plan.Empty() {
				return g.print(plan, func(w io.Writer) {
					printChanges(w, plan)
					if !plan.Empty() {
						fmt.Fprintf(w, "Dry run: %s; nothing was changed.\n", changeCount(plan))
					}
				})
			}
			if !g.json() {
				printChanges(g.env.Stdout, plan)
			}
			if !yes {
				if err := g.confirm(fmt.Sprintf("Apply %s?", changeCount(plan))); err != nil {
					return err
				}
			}
			body.DryRun = false
			done, err := c.ApplyConfig(cmd.Context(), body)
			if err != nil {
				return g.fileProblems(args[0], err)
			}
			return g.print(done, func(w io.Writer) {
				fmt.Fprintf(w, "Applied %s.\n", changeCount(done))
			})
		},
	}
	f := cmd.Flags()
	f.BoolVar(&dryRun, "dry-run", false, "only show what would change")
	f.BoolVar(&prune, "prune", false, "also delete what the file no longer declares")
	f.BoolVarP(&yes, "yes", "y", false, "apply without asking")
	return cmd
}

// confirm asks a yes/no question on a terminal; anywhere else it refuses,
// since nobody can answer.
func (g *globals) confirm(question string) error {
	if !isTerminal(g.env.Stdin) {
		return errors.New("nothing was changed: standard input is not a terminal, so the changes cannot be confirmed; pass --yes to apply them (or --dry-run to only show them)")
	}
	fmt.Fprintf(g.env.Stderr, "%s [y/N] ", question)
	answer, _ := bufio.NewReader(g.env.Stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return &exitError{code: 1, err: errors.New("cancelled; nothing was changed")}
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func summary(o *config.Oncall) string {
	count := func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	x := o.Objects
	return strings.Join([]string{
		count(len(o.Users), "user", "users"), count(len(x.Teams), "team", "teams"),
		count(len(x.Services), "service", "services"), count(len(x.Schedules), "schedule", "schedules"),
		count(len(x.Policies), "policy", "policies"), count(len(x.IncidentRules), "incident rule", "incident rules"),
	}, ", ")
}

func changeCount(c httpapi.ConfigChanges) string {
	n := len(c.Users) + len(c.Contacts) + len(c.Rules) + len(c.Objects)
	if n == 1 {
		return "1 change"
	}
	return fmt.Sprintf("%d changes", n)
}

var opSign = map[roster.Op]string{roster.OpCreate: "+", roster.OpUpdate: "~", roster.OpDelete: "-"}

// printChanges shows a plan as a diff: + create, ~ update (with the fields
// that change), - delete. Addresses come redacted from the server and
// secrets are only named.
func printChanges(w io.Writer, c httpapi.ConfigChanges) {
	if c.Empty() {
		fmt.Fprintln(w, "No changes: the server already matches the file.")
		return
	}
	for _, u := range c.Users {
		fmt.Fprintf(w, "+ create user %s (%s)\n", u.Username, u.Role)
	}
	for _, ch := range c.Contacts {
		fmt.Fprintf(w, "%s %s contact %s/%s (%s %s)", opSign[ch.Op], ch.Op, ch.User, ch.Name, ch.Kind, ch.Address)
		if len(ch.Changed) > 0 {
			fmt.Fprintf(w, ": %s changed", strings.Join(ch.Changed, ", "))
		}
		fmt.Fprintln(w)
	}
	for _, r := range c.Rules {
		fmt.Fprintf(w, "%s %s notification rules of %s: %s → %s\n", opSign[r.Op], r.Op, r.User, ruleList(r.Before), ruleList(r.After))
	}
	for _, ch := range c.Objects {
		fmt.Fprintf(w, "%s %s %s\n", opSign[ch.Op], ch.Op, ch.Key)
		if ch.Op == roster.OpUpdate {
			for _, line := range fieldDiff(ch.Before, ch.After, 12) {
				fmt.Fprintf(w, "    %s\n", line)
			}
		}
	}
}

func ruleList(rs []string) string {
	if len(rs) == 0 {
		return "(none)"
	}
	return strings.Join(rs, ", ")
}

// fieldDiff lists the leaves that differ between two JSON documents, as
// "steps[0].delay_minutes: 15 → 20", at most limit of them.
func fieldDiff(before, after json.RawMessage, limit int) []string {
	a, b := map[string]string{}, map[string]string{}
	flatten(before, "", a)
	flatten(after, "", b)
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		va, okA := a[k]
		vb, okB := b[k]
		if okA && okB && va == vb {
			continue
		}
		if !okA {
			va = "(none)"
		}
		if !okB {
			vb = "(none)"
		}
		out = append(out, fmt.Sprintf("%s: %s → %s", k, va, vb))
	}
	if len(out) > limit {
		out = append(slices.Clip(out[:limit]), fmt.Sprintf("… and %d more", len(out)-limit))
	}
	return out
}

func flatten(raw json.RawMessage, path string, into map[string]string) {
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return
	}
	flattenValue(v, path, into)
}

func flattenValue(v any, path string, into map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			flattenValue(e, p, into)
		}
	case []any:
		if len(x) == 0 {
			into[path] = "[]"
		}
		for i, e := range x {
			flattenValue(e, fmt.Sprintf("%s[%d]", path, i), into)
		}
	default:
		b, _ := json.Marshal(x)
		into[path] = string(b)
	}
}
