package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func reportCmd(g *globals) *cobra.Command {
	var description string
	cmd := &cobra.Command{
		Use:   "report TITLE",
		Short: "Report something you saw: it goes to the triage queue with you as the reporter",
		Example: `  firebreak report "Odd login prompt on the VPN portal" --description "Since 09:00, after the update"
  echo "details…" | firebreak report "Phishing mail to finance" --description -`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if description == "-" {
				b, err := io.ReadAll(io.LimitReader(g.env.Stdin, 20001))
				if err != nil {
					return fmt.Errorf("read standard input: %w", err)
				}
				description = string(b)
			}
			ref, err := c.Report(cmd.Context(), args[0], description)
			if err != nil {
				return err
			}
			return g.print(map[string]string{"reference": ref}, func(w io.Writer) {
				fmt.Fprintf(w, "Reported: %s. The IR Lead sees it in the triage queue.\n", ref)
			})
		},
	}
	cmd.Flags().StringVar(&description, "description", "", "details (- reads standard input)")
	return cmd
}
