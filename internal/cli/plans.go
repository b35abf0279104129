package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/config"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

// plansCmd is `firebreak plans …`: response plans, versioned.
func plansCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plans",
		Short: "Response plans: the tasks each kind of incident hands the team, versioned (changes: admin)",
		Long: "A response plan lists tasks by phase (assess, contain, eradicate, recover, communicate, post_incident),\n" +
			"each with an owner, a due time and whether it gates its phase. Leaving triage activates every plan\n" +
			"that applies to the incident. Every change is a new version; running incidents keep the version they applied.",
	}
	cmd.AddCommand(plansListCmd(g), plansShowCmd(g), plansApplyCmd(g), plansDeleteCmd(g), plansVersionsCmd(g))
	return cmd
}

func plansListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List the current plans: name, version, source, tasks, what they apply to", Example: `  firebreak plans list`, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			ps, err := c.Plans(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(struct {
				Items []plan.Versioned `json:"items"`
			}{ps}, func(w io.Writer) {
				t := tab(w)
				fmt.Fprintln(t, "NAME\tVERSION\tSOURCE\tTASKS\tAPPLIES-TO\tTITLE")
				for _, p := range ps {
					fmt.Fprintf(t, "%s\t%d\t%s\t%d\t%s\t%s\n", p.Name, p.Version, p.Source, len(p.Tasks), appliesTo(p.AppliesTo), p.Title)
				}
				t.Flush()
			})
		},
	}
}

// appliesTo says in one line which incidents a plan applies to.
func appliesTo(m plan.Match) string {
	var parts []string
	if len(m.Types) > 0 {
		parts = append(parts, strings.Join(m.Types, ","))
	}
	if len(m.Severities) > 0 {
		parts = append(parts, "severity="+strings.Join(m.Severities, ","))
	}
	if len(m.Labels) > 0 {
		parts = append(parts, labelString(m.Labels))
	}
	if len(parts) == 0 {
		return "every incident"
	}
	return strings.Join(parts, " ")
}

func plansShowCmd(g *globals) *cobra.Command {
	var version int
	cmd := &cobra.Command{
		Use: "show NAME", Short: "Show a plan: its tasks by phase (-o yaml: the plan as a file holds it, to edit and apply)", Args: cobra.ExactArgs(1),
		Example: "  firebreak plans show credential-compromise\n  firebreak plans show credential-compromise --version 2\n" +
			"  firebreak plans show credential-compromise -o yaml > plan.yaml",
		RunE: func(cmd *cobra.Command, args []string) error { return showPlan(cmd, g, args[0], version) },
	}
	cmd.Flags().IntVar(&version, "version", 0, "this version instead of the current one")
	return cmd
}

// showPlan prints a plan; -o yaml (only here: a plan is the one thing
// written back as YAML) prints it as a plan document.
func showPlan(cmd *cobra.Command, g *globals, name string, version int) error {
	if version < 0 {
		return &exitError{code: 2, err: fmt.Errorf("--version must be positive, not %d", version)}
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	p, err := c.Plan(cmd.Context(), name, version)
	if err != nil {
		return err
	}
	if g.output == "yaml" {
		b, err := p.YAML()
		if err != nil {
			return err
		}
		_, err = g.env.Stdout.Write(b)
		return err
	}
	return g.print(p, func(w io.Writer) {
		t := tab(w)
		row := func(k, v string) { fmt.Fprintf(t, "%s\t%s\n", k, v) }
		row("Name", p.Name)
		row("Title", p.Title)
		row("Version", fmt.Sprintf("%d (%s, %s by %s)", p.Version, p.Source, ts(p.CreatedAt), p.CreatedBy))
		row("Hash", p.Hash)
		row("Applies to", appliesTo(p.AppliesTo))
		row("Roles", dash(strings.Join(p.Roles, ", ")))
		t.Flush()
		if p.Description != "" {
			fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(p.Description))
		}
		for _, ph := range plan.Phases {
			var tasks []plan.Task
			for _, task := range p.Tasks {
				if task.Phase == ph {
					tasks = append(tasks, task)
				}
			}
			if len(tasks) == 0 {
				continue
			}
			fmt.Fprintf(w, "\n%s\n", ph.Title())
			t := tab(w)
			fmt.Fprintln(t, "  KEY\tOWNER\tDUE\tREQUIRED\tTITLE")
			for _, task := range tasks {
				req := "-"
				if task.Required {
					req = "yes"
				}
				fmt.Fprintf(t, "  %s\t%s\t%s\t%s\t%s\n", task.Key, dash(task.Owner), dueText(task), req, task.Title)
			}
			t.Flush()
		}
	})
}

// dueText says when a task is due: "PT30M after activation".
func dueText(t plan.Task) string {
	if t.Due == "" {
		return "-"
	}
	if t.DueFrom == plan.FromPhase {
		return t.Due + " into the phase"
	}
	return t.Due + " after activation"
}

func plansApplyCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "apply FILE", Short: "Put every plan of a plans file (admin): each is created, updated (a new version) or unchanged", Args: cobra.ExactArgs(1),
		Long: "The file's top level is plans:, a list of plans, or it is one plan (what plans show -o yaml prints).\n" +
			"It is checked whole first: any problem is printed as FILE:LINE:COL: PATH: MESSAGE and nothing is put.\n" +
			"Plans the file does not name are left as they are.",
		Example: "  firebreak plans apply plans.yaml\n  firebreak plans show ddos -o yaml > ddos.yaml && $EDITOR ddos.yaml && firebreak plans apply ddos.yaml",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			plans, err := parsePlans(data)
			var ps plan.FileProblems
			if errors.As(err, &ps) {
				fmt.Fprintln(g.env.Stderr, ps.Format(args[0]))
				return &exitError{code: 1, err: fmt.Errorf("%s: %d problem(s); nothing was put", args[0], len(ps))}
			}
			if err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			type result struct {
				Name    string `json:"name"`
				Version int    `json:"version"`
				Result  string `json:"result"`
			}
			var out []result
			for _, p := range plans {
				v, res, err := c.PutPlan(cmd.Context(), p)
				if err != nil {
					return fmt.Errorf("plan %s: %w", p.Name, err)
				}
				out = append(out, result{p.Name, v.Version, res})
				if !g.json() {
					fmt.Fprintf(g.env.Stdout, "%s: %s (version %d)\n", p.Name, res, v.Version)
				}
			}
			if g.json() {
				return g.print(struct {
					Items []result `json:"items"`
				}{out}, nil)
			}
			return nil
		},
	}
}

// parsePlans reads a plans file, or a file holding one plan (its top
// level has no plans key).
func parsePlans(data []byte) ([]plan.Plan, error) {
	roles := func(r string) bool { return incident.Role(r).Valid() }
	var top map[string]any
	if yaml.Unmarshal(data, &top) == nil && top != nil && top["plans"] == nil && top["name"] != nil {
		p, err := plan.ParsePlan(data, roles)
		if err != nil {
			return nil, err
		}
		return []plan.Plan{p}, nil
	}
	return plan.ParseFile(data, roles)
}

// loadPlans reads the plans file serve puts at start; none when path is
// empty. Its problems are the error, one a line, FILE:LINE:COL.
func loadPlans(path string) ([]plan.Plan, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--plans: %w", err)
	}
	plans, err := config.ParsePlans(data)
	if ps := (config.Problems)(nil); errors.As(err, &ps) {
		return nil, fmt.Errorf("--plans: %d problem(s):\n%s", len(ps), ps.Format(path))
	}
	return plans, err
}

func plansDeleteCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "delete NAME", Short: "Delete a plan (admin): no longer activated; its versions stay, and incidents keep what they applied", Example: `  firebreak plans delete ddos`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if err := c.DeletePlan(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(g.env.Stdout, "plan %s deleted\n", args[0])
			return nil
		},
	}
}

func plansVersionsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "versions NAME", Short: "List a plan's versions, oldest first: source, when, by whom", Example: `  firebreak plans versions ddos`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			vs, err := c.PlanVersions(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(struct {
				Items []httpapi.PlanVersionView `json:"items"`
			}{vs}, func(w io.Writer) {
				t := tab(w)
				fmt.Fprintln(t, "VERSION\tSOURCE\tCREATED\tBY\tTASKS\tHASH\tTITLE")
				for _, v := range vs {
					tasks, hash, title := strconv.Itoa(v.Tasks), shortHash(v.Hash), v.Title
					if v.Deleted {
						tasks, hash, title = "-", "-", "(deleted)"
					}
					fmt.Fprintf(t, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", v.Version, v.Source, ts(v.CreatedAt), v.CreatedBy, tasks, hash, title)
				}
				t.Flush()
			})
		},
	}
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return dash(h)
}
