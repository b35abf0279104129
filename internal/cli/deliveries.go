package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// deliveriesCmd is `firebreak deliveries list` (admin): the outbox.
func deliveriesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "deliveries", Short: "Outgoing messages and their state (admin)"}
	var q outbox.Query
	var state string
	list := &cobra.Command{
		Use: "list", Short: "List outgoing messages, newest first: kind, subject, recipient, state, attempts, last error", Args: cobra.NoArgs,
		Example: "  firebreak deliveries list\n  firebreak deliveries list --kind status_email --state failed\n  firebreak deliveries list --before 0193…",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if q.Limit < 1 || q.Limit > 500 {
				return &exitError{code: 2, err: fmt.Errorf("--limit must be from 1 to 500, not %d", q.Limit)}
			}
			q.State = outbox.State(state)
			c, err := g.client()
			if err != nil {
				return err
			}
			ds, next, err := c.Deliveries(cmd.Context(), q)
			if err != nil {
				return err
			}
			return g.print(struct {
				Items []httpapi.DeliveryView `json:"items"`
				Next  string                 `json:"next,omitempty"`
			}{ds, next}, func(w io.Writer) {
				t := tab(w)
				fmt.Fprintln(t, "ID\tKIND\tSUBJECT\tTO\tSTATE\tATTEMPTS\tCREATED\tLAST ERROR")
				for _, d := range ds {
					fmt.Fprintf(t, "%s\t%s\t%s %s\t%s\t%s\t%d\t%s\t%s\n", d.ID, d.Kind, d.SubjectKind, d.SubjectID, dash(d.To), d.State,
						d.Attempts, ts(d.CreatedAt), dash(truncate(d.LastError, 100)))
				}
				t.Flush()
				if next != "" {
					fmt.Fprintf(w, "more: --before %s\n", next)
				}
			})
		},
	}
	f := list.Flags()
	f.StringVar(&q.Kind, "kind", "", "only this kind (status_email, …)")
	f.StringVar(&state, "state", "", "only this state: pending, sent, skipped or failed")
	f.StringVar(&q.SubjectKind, "subject-kind", "", "only about this kind of subject (status_update, …)")
	f.StringVar(&q.SubjectID, "subject", "", "only about this subject ID")
	f.StringVar(&q.Incident, "incident", "", "only about this incident (its ID)")
	f.StringVar(&q.Before, "before", "", "the page after this delivery (the cursor the last page printed)")
	f.IntVar(&q.Limit, "limit", 50, "at most this many (1–500)")
	cmd.AddCommand(list)
	return cmd
}
