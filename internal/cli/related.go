package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// relatedCmd is `incidents related REF`: this happened before, these
// fixes are still open.
func relatedCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "related REF",
		Short: "Past incidents sharing this one's type, an asset or an indicator, with their post-mortems and open action items", Example: `  firebreak incidents related INC-7`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			out, err := c.Related(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(out, func(w io.Writer) {
				if len(out.Items) == 0 {
					fmt.Fprintf(w, "No earlier incident shares %s's type, assets or indicators.\n", out.Ref)
					return
				}
				for _, p := range out.Items {
					var shares []string
					for _, s := range p.Because {
						switch s.By {
						case "type":
							shares = append(shares, "type "+s.Value)
						default:
							shares = append(shares, s.Kind+" "+s.Value)
						}
					}
					pm := string(p.Postmortem.Status)
					if p.Postmortem.Overdue {
						pm = "overdue"
					}
					fmt.Fprintf(w, "%s  %s  (%s; post-mortem %s)\n  shares %s\n", p.Ref, p.Title, p.State, pm, strings.Join(shares, ", "))
					for _, a := range p.OpenItems {
						fmt.Fprintf(w, "  open: %s", a.Title)
						if a.Owner != "" {
							fmt.Fprintf(w, " — %s", a.Owner)
						}
						if a.Due != "" {
							fmt.Fprintf(w, ", due %s", a.Due)
						}
						fmt.Fprintln(w)
					}
				}
			})
		},
	}
}
