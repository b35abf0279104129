package cli

import (
	"fmt"
	"log/slog"
	"runtime"

	"github.com/spf13/cobra"
)

func migrateCmd(g *globals) *cobra.Command {
	var f dbFlags
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations (serve does this at start too)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			log := slog.New(slog.NewTextHandler(g.env.Stderr, nil))
			db, err := f.open(cmd.Context(), g, log)
			if err != nil {
				return err
			}
			defer closeDB(db, &err)
			fmt.Fprintf(g.env.Stdout, "The %s database is up to date.\n", db.Backend())
			return nil
		},
	}
	f.add(cmd, g)
	return cmd
}

func versionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "version", Short: "Print the version", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(g.env.Stdout, "firebreak %s (%s, %s/%s)\n", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}
