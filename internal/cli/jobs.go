package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/engine"
)

// jobsCmd is `firebreak jobs dead [retry ID | discard ID]` (admin).
func jobsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "jobs", Short: "Background jobs that failed for good (admin)"}
	var discarded bool
	var limit int
	dead := &cobra.Command{
		Use: "dead", Short: "List dead jobs: every kind, newest first, with the last error", Args: cobra.NoArgs,
		Example: "  firebreak jobs dead\n  firebreak jobs dead retry 0193…\n  firebreak jobs dead discard 0193…\n  firebreak jobs dead --discarded",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 1 || limit > 500 {
				return &exitError{code: 2, err: fmt.Errorf("--limit must be from 1 to 500, not %d", limit)}
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			state := string(engine.Dead)
			if discarded {
				state = string(engine.Discarded)
			}
			jobs, total, err := c.DeadJobs(cmd.Context(), state, limit)
			if err != nil {
				return err
			}
			return g.print(struct {
				Items []engine.DeadJob `json:"items"`
				Total int              `json:"total"`
			}{jobs, total}, func(w io.Writer) {
				t := tab(w)
				fmt.Fprintln(t, "ID\tKIND\tATTEMPTS\tCREATED\tFINISHED\tLAST ERROR")
				for _, j := range jobs {
					fmt.Fprintf(t, "%s\t%s\t%d/%d\t%s\t%s\t%s\n", j.ID, j.Kind, j.Attempts, j.MaxAttempts, ts(j.CreatedAt), tsp(j.FinishedAt), dash(truncate(j.LastError, 100)))
				}
				t.Flush()
				if total > len(jobs) {
					fmt.Fprintf(w, "%d of %d shown (--limit)\n", len(jobs), total)
				}
			})
		},
	}
	dead.Flags().BoolVar(&discarded, "discarded", false, "list the discarded jobs instead")
	dead.Flags().IntVar(&limit, "limit", 100, "at most this many (1–500)")
	dead.AddCommand(&cobra.Command{
		Use: "retry ID", Short: "Run a dead job again, due now, attempts afresh (a failed page is sent again)", Example: `  firebreak jobs dead retry 0193…`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if err := c.RetryDeadJob(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(g.env.Stdout, "job %s is due again\n", args[0])
			return nil
		},
	}, &cobra.Command{
		Use: "discard ID", Short: "Set a dead job aside: kept for the record, never run", Example: `  firebreak jobs dead discard 0193…`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if err := c.DiscardDeadJob(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(g.env.Stdout, "job %s discarded\n", args[0])
			return nil
		},
	})
	cmd.AddCommand(dead)
	return cmd
}
