package cli

import (
	"fmt"
	"io"
	"log/slog"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/audit"
)

func auditCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Check the stored record"}
	var f dbFlags
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Recompute every incident's hash chain offline and name the first broken link",
		Long: `Reads the database directly (the server may be running or not), recomputes
every event hash, checks each incident's sequence and links, and checks that
each incident's current state is the fold of its events. Exits 1 when
anything is broken, naming the incident and sequence of the first break.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
			db, err := f.open(cmd.Context(), g, slog.New(slog.DiscardHandler))
			if err != nil {
				return err
			}
			defer db.Close()
			r, err := audit.Verify(cmd.Context(), db)
			if err != nil {
				return err
			}
			g.print(r, func(w io.Writer) {
				fmt.Fprintf(w, "Checked %d incidents, %d events.\n", r.Incidents, r.Events)
				for _, p := range r.Problems {
					fmt.Fprintln(w, "BROKEN "+p.String())
				}
				if r.OK() {
					fmt.Fprintln(w, "Every chain is intact.")
				}
			})
			if !r.OK() {
				return &exitError{code: 1, err: fmt.Errorf("audit failed: first broken link at %s", r.Problems[0])}
			}
			return nil
		},
	}
	f.add(verify, g)
	cmd.AddCommand(verify)
	return cmd
}

func migrateCmd(g *globals) *cobra.Command {
	var f dbFlags
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations (serve does this at start too)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := slog.New(slog.NewTextHandler(g.env.Stderr, nil))
			db, err := f.open(cmd.Context(), g, log)
			if err != nil {
				return err
			}
			defer db.Close()
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
