package cli

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/store"
)

// dbFlags are the flags of every command that opens the database directly;
// they mean the same everywhere.
type dbFlags struct {
	db      string
	dataDir string
}

func (f *dbFlags) add(cmd *cobra.Command, g *globals) {
	cmd.Flags().StringVar(&f.db, "db", "", "SQLite file or postgres:// URL (default $FIREBREAK_DB, else firebreak.db in the data directory)")
	cmd.Flags().StringVar(&f.dataDir, "data-dir", "", "data directory for the embedded database (default $FIREBREAK_DATA_DIR or ./firebreak-data)")
}

func (f *dbFlags) dsn(g *globals) string {
	return store.Resolve(first(f.db, g.env.Getenv("FIREBREAK_DB")), first(f.dataDir, g.env.Getenv("FIREBREAK_DATA_DIR")))
}

func (f *dbFlags) open(ctx context.Context, g *globals, log *slog.Logger) (*store.DB, error) {
	return store.Open(ctx, f.dsn(g), store.Options{Logger: log})
}

// closeDB closes a database a command opened, and makes a failure to close
// it (SQLite's last checkpoint of its log) the command's error unless it
// has one already.
func closeDB(db *store.DB, err *error) {
	if cerr := db.Close(); cerr != nil && *err == nil {
		*err = fmt.Errorf("close the database: %w", cerr)
	}
}
