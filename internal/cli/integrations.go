package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

func integrationsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use: "integrations", Aliases: []string{"integration"},
		Short: "List, add and disable the integrations that send alerts (admin)",
	}
	cmd.AddCommand(integrationsListCmd(g), integrationsCreateCmd(g), integrationsDisableCmd(g))
	return cmd
}

func integrationsListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List integrations", Example: `  firebreak integrations list`, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			its, err := c.Integrations(cmd.Context())
			if err != nil {
				return err
			}
			if its == nil {
				its = []triage.Integration{}
			}
			return g.print(its, func(w io.Writer) {
				if len(its) == 0 {
					fmt.Fprintln(w, "No integrations. Add one with: firebreak integrations create alertmanager prom")
					return
				}
				t := tab(w)
				fmt.Fprintln(t, "ID\tKIND\tNAME\tSERVICE\tTEAM\tCREATED\tSTATE")
				for _, it := range its {
					state := "enabled"
					if it.Disabled {
						state = "disabled"
					}
					fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", it.ID, it.Kind, it.Name, dash(it.Service), dash(it.Team), ts(it.CreatedAt), state)
				}
				t.Flush()
			})
		},
	}
}

func integrationsCreateCmd(g *globals) *cobra.Command {
	var b httpapi.IntegrationBody
	cmd := &cobra.Command{
		Use:   "create KIND NAME",
		Short: "Add an integration; its webhook URL and token are printed once",
		Long: "Add an integration of KIND (alertmanager, grafana, generic or pagerduty). The answer holds the webhook\n" +
			"URL to configure in the sender and its token; they are shown this once. The URL is built\n" +
			"from the address the CLI used to reach the server: check the sender can reach it.",
		Example: "  firebreak integrations create alertmanager prom --service checkout --team payments\n" +
			"  firebreak integrations create generic ci -o json",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			b.Kind, b.Name = args[0], args[1]
			it, err := c.CreateIntegration(cmd.Context(), b)
			if err != nil {
				return err
			}
			return g.print(it, func(w io.Writer) {
				fmt.Fprintf(w, "Added %s integration %q (id %s) for service %s", it.Kind, it.Name, it.ID, it.Service)
				if it.Team != "" {
					fmt.Fprintf(w, ", team %s", it.Team)
				}
				fmt.Fprintf(w, ".\nThe webhook URL and token are shown once; keep them secret:\n\n    Webhook URL: %s\n    Token:       %s\n", it.WebhookURL, it.Token)
			})
		},
	}
	cmd.Flags().StringVar(&b.Service, "service", "", "the service its alerts are about (default the name)")
	cmd.Flags().StringVar(&b.Team, "team", "", "the team that owns them")
	return cmd
}

func integrationsDisableCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "disable ID", Short: "Disable an integration: its token stops working", Example: `  firebreak integrations disable 0193…`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if err := c.DisableIntegration(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(g.env.Stdout, "Disabled integration %s\n", args[0])
			return nil
		},
	}
}
