package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/audit"
	"github.com/firebreak-ir/firebreak/internal/store"
)

func backupCmd(g *globals) *cobra.Command {
	var f dbFlags
	var to string
	cmd := &cobra.Command{
		Use:   "backup --to FILE",
		Short: "Copy a live SQLite database consistently, then verify the copy",
		Long: `Writes a consistent copy of the SQLite database (the server may be running:
VACUUM INTO copies one snapshot, recent writes still in the WAL included), then
opens the copy and checks it: SQLite's integrity_check and audit verify (every
hash chain and every table against its events). Prints what the copy holds and
exits 1 if a check fails.

Copying firebreak.db by hand while a server runs silently drops every write still
in firebreak.db-wal; use this command. PostgreSQL: use pg_dump or point-in-time
recovery (README, Operations).`,
		Example: "  firebreak backup --to /backups/firebreak-2026-12-06.db\n  firebreak backup --data-dir /var/lib/firebreak --to /backups/fb.db",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			if to == "" {
				return &exitError{code: 2, err: fmt.Errorf("--to FILE is required")}
			}
			ctx := cmd.Context()
			db, err := f.open(ctx, g, slog.New(slog.DiscardHandler))
			if err != nil {
				return err
			}
			defer closeDB(db, &err)
			if err := db.Backup(ctx, to); err != nil {
				return err
			}
			fmt.Fprintf(g.env.Stdout, "Backup written to %s\n", to)
			return checkCopy(ctx, g.env.Stdout, to)
		},
	}
	f.add(cmd, g)
	cmd.Flags().StringVar(&to, "to", "", "the backup file to write (must not exist)")
	return cmd
}

func restoreCmd(g *globals) *cobra.Command {
	var from, dataDir string
	cmd := &cobra.Command{
		Use:   "restore --from FILE --data-dir DIR",
		Short: "Restore a backup into a new data directory, verifying it first",
		Long: `Checks the backup (integrity_check and audit verify), then copies it into DIR as
firebreak.db. DIR must not hold a database yet: restore never overwrites one. Start
the server on it with: firebreak serve --data-dir DIR`,
		Example: "  firebreak restore --from /backups/fb.db --data-dir /var/lib/firebreak-restored",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" || dataDir == "" {
				return &exitError{code: 2, err: fmt.Errorf("--from FILE and --data-dir DIR are required")}
			}
			ctx := cmd.Context()
			if _, err := os.Stat(from); err != nil {
				return fmt.Errorf("--from: %w", err)
			}
			dst := filepath.Join(dataDir, "firebreak.db")
			for _, p := range []string{dst, dst + "-wal"} {
				if _, err := os.Stat(p); err == nil {
					return fmt.Errorf("--data-dir: %s already holds a database; restore into a new directory", dataDir)
				}
			}
			if err := os.MkdirAll(dataDir, 0o700); err != nil {
				return err
			}
			if err := copyFile(from, dst+".partial"); err != nil {
				return fmt.Errorf("restore: %w", err)
			}
			if err := checkCopy(ctx, g.env.Stdout, dst+".partial"); err != nil {
				_ = os.Remove(dst + ".partial") // the check's failure is the one to report
				return err
			}
			if err := os.Rename(dst+".partial", dst); err != nil {
				return fmt.Errorf("restore: %w", err)
			}
			fmt.Fprintf(g.env.Stdout, "Restored into %s; start it with: firebreak serve --data-dir %s\n", dst, dataDir)
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the backup file")
	cmd.Flags().StringVar(&dataDir, "data-dir", "", "a new data directory to restore into")
	return cmd
}

// checkCopy opens a copied database and checks it, printing what it holds;
// an error when integrity_check or audit verify finds anything.
func checkCopy(ctx context.Context, out io.Writer, path string) (err error) {
	db, err := store.Open(ctx, path, store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("open the copy: %w", err)
	}
	defer closeDB(db, &err)
	if err := db.IntegrityCheck(ctx); err != nil {
		return fmt.Errorf("the copy at %s fails SQLite's check: %w", path, err)
	}
	fmt.Fprintln(out, "  integrity_check: ok")
	r, err := audit.Verify(ctx, db)
	if err != nil {
		return fmt.Errorf("audit verify of the copy: %w", err)
	}
	if !r.OK() {
		for _, p := range r.Problems {
			fmt.Fprintln(out, "  "+p.String())
		}
		return &exitError{code: 1, err: fmt.Errorf("audit verify of the copy found %d problems", len(r.Problems))}
	}
	fmt.Fprintf(out, "  audit verify: every chain and table intact (%d incidents, %d events)\n", r.Incidents, r.Events)
	h, err := db.Holdings(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  holds: %d incidents, %d events, %d users, %d alerts, %d jobs\n", h.Incidents, h.Events, h.Users, h.Alerts, h.Jobs)
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }() // read only
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close() // the copy's failure is the one to report
		_ = os.Remove(to)
		return err
	}
	if err := out.Sync(); err != nil {
		_ = out.Close() // the copy's failure is the one to report
		_ = os.Remove(to)
		return err
	}
	return out.Close()
}
