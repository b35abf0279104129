package cli

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/auth"
)

func passwordCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "password",
		Short: "Reset a user's web sign-in password (opens the database directly, for break-glass)",
	}
	cmd.AddCommand(passwordResetCmd(g))
	return cmd
}

func passwordResetCmd(g *globals) *cobra.Command {
	var f dbFlags
	cmd := &cobra.Command{
		Use:   "reset USERNAME",
		Short: "Give a user a new random password, printed once; their sessions end",
		Long: "Give a user a new random password, printed once, and end their web sessions.\n" +
			"It opens the database directly, so it works when no administrator can sign in;\n" +
			"with a running server, `firebreak users set-password` does the same over the API.",
		Example: "  firebreak password reset admin\n  firebreak password reset alice --db postgres://firebreak@db/firebreak",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			db, err := f.open(cmd.Context(), g, slog.New(slog.DiscardHandler))
			if err != nil {
				return err
			}
			defer closeDB(db, &err)
			pw := auth.NewPassword()
			if err := app.NewServices(db, time.Now).Auth.SetPassword(cmd.Context(), args[0], pw); err != nil {
				return err
			}
			out := struct {
				User     string `json:"user"`
				Password string `json:"password"`
			}{args[0], pw}
			return g.print(out, func(w io.Writer) {
				fmt.Fprintf(w, "New password for %s. It is shown once; their web sessions have ended:\n%s\n", args[0], pw)
			})
		},
	}
	f.add(cmd, g)
	return cmd
}
