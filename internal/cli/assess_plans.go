package cli

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// incidentPlansCmd is "firebreak incident plans REF".
func incidentPlansCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "plans REF", Short: "Show the response plans applied to an incident and those that match and are not applied", Example: `  firebreak incidents plans INC-7`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			it, err := c.IncidentTasks(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			out := struct {
				Plans     []incident.AppliedPlan  `json:"plans"`
				Suggested []httpapi.SuggestedPlan `json:"suggested_plans"`
			}{it.Plans, it.Suggested}
			return g.print(out, func(w io.Writer) {
				if len(it.Plans) == 0 && len(it.Suggested) == 0 {
					fmt.Fprintf(w, "No plan is applied to %s and none matches.\n", it.Ref)
					return
				}
				printPlans(w, it)
			})
		},
	}
}

// incidentPlanCmd is "firebreak incident plan apply|detach".
func incidentPlanCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "plan", Short: "Apply a response plan to an incident by hand, or detach one"}
	apply := &cobra.Command{
		Use: "apply REF NAME", Short: "Apply a plan's current version: its tasks are added (a key the incident has is merged)", Example: `  firebreak incidents plan apply INC-7 ddos`, Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			inc, err := c.ApplyPlan(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return g.print(inc, func(w io.Writer) {
				p, _ := inc.AppliedPlan(args[1])
				n := 0
				for _, t := range inc.Tasks {
					if t.Plan == args[1] {
						n++
					}
				}
				fmt.Fprintf(w, "%s: applied %s", inc.Ref, args[1])
				if p != nil {
					fmt.Fprintf(w, " v%d", p.Version)
				}
				fmt.Fprintf(w, ", %d tasks of its own\n", n)
			})
		},
	}
	var reason string
	detach := &cobra.Command{
		Use: "detach REF NAME", Short: "Detach a plan: its open tasks are removed, its done ones stay", Example: `  firebreak incidents plan detach INC-7 ddos --reason "not a DDoS after all"`, Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			inc, err := c.DetachPlan(cmd.Context(), args[0], args[1], reason)
			if err != nil {
				return err
			}
			return g.print(inc, func(w io.Writer) { fmt.Fprintf(w, "%s: detached %s\n", inc.Ref, args[1]) })
		},
	}
	detach.Flags().StringVar(&reason, "reason", "", "why, for the record (required)")
	cmd.AddCommand(apply, detach)
	return cmd
}

// assessCmd is "firebreak incident assess".
func assessCmd(g *globals) *cobra.Command {
	var answers []string
	var b httpapi.AssessBody
	var form bool
	cmd := &cobra.Command{
		Use:   "assess REF --answer KEY=VALUE...",
		Short: "Assess an incident's potential impact: the answers suggest a severity (--form lists the questions)",
		Example: `  firebreak incident assess --form
  firebreak incident assess INC-7 --answer data=personal --answer service=none --answer customers=many \
      --answer legal=possible --answer spread=contained
  firebreak incident assess INC-7 --answer ... --severity SEV2 --reason "data is encrypted at rest"`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if form {
				if len(args) > 0 || len(answers) > 0 {
					return usage("--form lists the questions; give no REF or --answer with it")
				}
				f, err := c.AssessmentForm(cmd.Context())
				if err != nil {
					return err
				}
				return g.print(f, func(w io.Writer) { printForm(w, f) })
			}
			if len(args) == 0 {
				return usage("give the incident: firebreak incident assess REF --answer KEY=VALUE… (--form lists the questions)")
			}
			b.Answers = map[string]string{}
			for _, a := range answers {
				k, v, ok := strings.Cut(a, "=")
				if !ok || k == "" || v == "" {
					return usage("--answer is KEY=VALUE, such as data=personal, not %q", a)
				}
				b.Answers[k] = v
			}
			inc, err := c.Assess(cmd.Context(), args[0], b)
			if err != nil {
				return err
			}
			a := inc.Assessment
			if a == nil {
				return errors.New("the answer carries no assessment")
			}
			return g.print(inc, func(w io.Writer) {
				fmt.Fprintf(w, "%s assessed: the answers suggest %s\n", inc.Ref, a.Suggested)
				for _, why := range a.Why {
					fmt.Fprintf(w, "  because %s\n", why)
				}
				if a.Severity != a.Suggested {
					fmt.Fprintf(w, "%s chosen instead: %s\n", a.Severity, a.Reason)
				}
				fmt.Fprintf(w, "Severity is %s\n", inc.Severity)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&answers, "answer", nil, "a dimension's answer KEY=VALUE (repeat for every dimension)")
	fl.StringVar(&b.Severity, "severity", "", "choose this level rather than the suggestion (needs --reason)")
	fl.StringVar(&b.Reason, "reason", "", "why the level chosen is not the suggestion")
	fl.BoolVar(&form, "form", false, "list the questions, their answers and the severity each suggests")
	return cmd
}

func printForm(w io.Writer, f incident.Impact) {
	for _, d := range f.Dimensions {
		fmt.Fprintf(w, "%s: %s\n", d.Key, d.Question)
		t := tab(w)
		for _, o := range d.Options {
			fmt.Fprintf(t, "  %s\t%s\tat least %s\n", o.Value, o.Label, o.Severity)
		}
		t.Flush()
	}
	for _, r := range f.Rules {
		var when []string
		for _, k := range slices.Sorted(maps.Keys(r.When)) {
			when = append(when, k+"="+strings.Join(r.When[k], "|"))
		}
		fmt.Fprintf(w, "Rule: %s → %s", strings.Join(when, " and "), r.Severity)
		if r.Reason != "" {
			fmt.Fprintf(w, " (%s)", r.Reason)
		}
		fmt.Fprintln(w)
	}
}

func printPlans(w io.Writer, it httpapi.IncidentTasks) {
	if len(it.Plans) > 0 {
		fmt.Fprintln(w, "\nPlans applied:")
		for _, p := range it.Plans {
			note := ""
			if p.Detached {
				note = " (detached)"
			}
			fmt.Fprintf(w, "  %s v%d: %s, by %s at %s%s\n", p.Name, p.Version, p.Title, p.AppliedBy, ts(p.AppliedAt), note)
		}
	}
	if len(it.Suggested) > 0 {
		fmt.Fprintln(w, "\nPlans that match and are not applied (firebreak incident plan apply "+it.Ref+" NAME):")
		for _, p := range it.Suggested {
			fmt.Fprintf(w, "  %s v%d: %s, %d tasks\n", p.Name, p.Version, p.Title, p.Tasks)
		}
	}
}
