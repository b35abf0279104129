package cli

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/app"
)

func tokenCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Create, list and revoke API tokens (opens the database directly, for bootstrapping)",
	}
	cmd.AddCommand(tokenCreateCmd(g), tokenListCmd(g), tokenRevokeCmd(g))
	return cmd
}

func tokenCreateCmd(g *globals) *cobra.Command {
	var f dbFlags
	var user, name string
	cmd := &cobra.Command{
		Use:     "create",
		Short:   "Create an API token for a user; the secret is printed once",
		Example: "  firebreak token create --user alice --name laptop",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			if user == "" {
				return usage("--user is required")
			}
			db, err := f.open(cmd.Context(), g, slog.New(slog.DiscardHandler))
			if err != nil {
				return err
			}
			defer closeDB(db, &err)
			tok, secret, err := app.NewServices(db, time.Now).Auth.IssueToken(cmd.Context(), user, name)
			if err != nil {
				return err
			}
			out := struct {
				ID     string `json:"id"`
				User   string `json:"user"`
				Name   string `json:"name"`
				Secret string `json:"secret"`
			}{tok.ID, tok.Username, tok.Name, secret}
			return g.print(out, func(w io.Writer) {
				fmt.Fprintf(w, "Token %q for %s (id %s). It is shown once:\n%s\n", tok.Name, tok.Username, tok.ID, secret)
			})
		},
	}
	f.add(cmd, g)
	cmd.Flags().StringVar(&user, "user", "", "the user the token acts as (required)")
	cmd.Flags().StringVar(&name, "name", "cli", "where the token is used, such as laptop")
	return cmd
}

func tokenListCmd(g *globals) *cobra.Command {
	var f dbFlags
	var user string
	cmd := &cobra.Command{
		Use: "list", Short: "List a user's tokens", Example: `  firebreak token list --user alice
  firebreak token list --user alice --db postgres://firebreak@db.internal/firebreak`, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			if user == "" {
				return usage("--user is required")
			}
			db, err := f.open(cmd.Context(), g, slog.New(slog.DiscardHandler))
			if err != nil {
				return err
			}
			defer closeDB(db, &err)
			toks, err := app.NewServices(db, time.Now).Auth.Tokens(cmd.Context(), user)
			if err != nil {
				return err
			}
			return g.print(toks, func(w io.Writer) {
				t := tab(w)
				fmt.Fprintln(t, "ID\tNAME\tCREATED\tREVOKED")
				for _, k := range toks {
					fmt.Fprintf(t, "%s\t%s\t%s\t%s\n", k.ID, k.Name, ts(k.CreatedAt), tsp(k.RevokedAt))
				}
				t.Flush()
			})
		},
	}
	f.add(cmd, g)
	cmd.Flags().StringVar(&user, "user", "", "whose tokens (required)")
	return cmd
}

func tokenRevokeCmd(g *globals) *cobra.Command {
	var f dbFlags
	cmd := &cobra.Command{
		Use: "revoke ID", Short: "Revoke a token", Example: `  firebreak token list --user alice   # its ID
  firebreak token revoke 0193…`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			db, err := f.open(cmd.Context(), g, slog.New(slog.DiscardHandler))
			if err != nil {
				return err
			}
			defer closeDB(db, &err)
			if err := app.NewServices(db, time.Now).Auth.RevokeToken(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(g.env.Stdout, "Revoked %s\n", args[0])
			return nil
		},
	}
	f.add(cmd, g)
	return cmd
}
