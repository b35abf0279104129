package cli

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/config"
)

func serveCmd(g *globals) *cobra.Command {
	var f dbFlags
	var addr, level, policy string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the server (API, metrics) on an embedded SQLite database or PostgreSQL",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var lvl slog.Level
			if err := lvl.UnmarshalText([]byte(level)); err != nil {
				return fmt.Errorf("--log-level: %w", err)
			}
			log := slog.New(slog.NewTextHandler(g.env.Stderr, &slog.HandlerOptions{Level: lvl}))
			cfg, err := config.Load(first(policy, g.env.Getenv("FIREBREAK_POLICY")))
			if err != nil {
				return err
			}
			a, err := app.New(cmd.Context(), app.Config{
				Policy: cfg.Policy(),
				Addr:   first(addr, g.env.Getenv("FIREBREAK_ADDR"), "127.0.0.1:8080"), DSN: f.dsn(g),
				BootstrapToken: g.env.Getenv("FIREBREAK_BOOTSTRAP_ADMIN_TOKEN"),
				Version:        Version, Logger: log, Out: g.env.Stdout,
			})
			if err != nil {
				return err
			}
			if err := a.Start(cmd.Context()); err != nil {
				a.Stop(cmd.Context())
				return err
			}
			dsn := f.dsn(g)
			if i := strings.Index(dsn, "@"); i > 0 && strings.Contains(dsn, "://") {
				dsn = dsn[:strings.Index(dsn, "://")+3] + "…" + dsn[i:] // never print a password
			}
			fmt.Fprintf(g.env.Stdout, "Firebreak %s is serving on %s (database: %s)\n", Version, a.URL(), dsn)
			err = a.Wait(cmd.Context())
			log.Info("stopped")
			return err
		},
	}
	f.add(cmd, g)
	cmd.Flags().StringVar(&addr, "addr", "", "address to listen on (default $FIREBREAK_ADDR or 127.0.0.1:8080)")
	cmd.Flags().StringVar(&policy, "policy", "", "YAML file with severity levels and post-mortem days (default $FIREBREAK_POLICY; built-in SEV1–SEV4)")
	cmd.Flags().StringVar(&level, "log-level", "info", "debug, info, warn or error")
	return cmd
}
