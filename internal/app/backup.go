package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/audit"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// BackupConfig schedules backups of a SQLite database.
type BackupConfig struct {
	Dir   string        // where backups go; none are taken when empty
	Every time.Duration // 24 h when zero
	Keep  int           // how many to keep, newest first; 7 when zero
}

const backupPrefix, backupSuffix = "firebreak-", ".db"

// BackupNow writes a verified backup into the backup directory and removes
// the oldest beyond Keep. A backup that fails its checks is removed and
// reported; the ones kept are never touched by a failed one.
func (a *App) BackupNow(ctx context.Context) (string, error) {
	b := a.cfg.Backup
	if b.Dir == "" {
		return "", fmt.Errorf("no backup directory is configured")
	}
	name := backupPrefix + a.cfg.Now().UTC().Format("20060102T150405Z") + backupSuffix
	path := filepath.Join(b.Dir, name)
	if err := a.DB.Backup(ctx, path); err != nil {
		return "", err
	}
	if err := verifyBackup(ctx, path); err != nil {
		_ = os.Remove(path) // a backup that failed its check is removed; its failure is the one to report
		return "", err
	}
	keep := b.Keep
	if keep <= 0 {
		keep = 7
	}
	entries, err := os.ReadDir(b.Dir)
	if err != nil {
		return path, err
	}
	var old []string
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, backupPrefix) && strings.HasSuffix(n, backupSuffix) && !e.IsDir() {
			old = append(old, n)
		}
	}
	// The names sort by time.
	slices.Sort(old)
	for len(old) > keep {
		if err := os.Remove(filepath.Join(b.Dir, old[0])); err != nil {
			return path, err
		}
		old = old[1:]
	}
	return path, nil
}

// verifyBackup opens a copy and checks it as `firebreak backup` does.
func verifyBackup(ctx context.Context, path string) error {
	db, err := store.Open(ctx, path, store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("open backup %s: %w", path, err)
	}
	defer func() { _ = db.Close() }() // read only: the check's result is what matters
	if err := db.IntegrityCheck(ctx); err != nil {
		return fmt.Errorf("backup %s: %w", path, err)
	}
	r, err := audit.Verify(ctx, db)
	if err != nil {
		return fmt.Errorf("backup %s: audit verify: %w", path, err)
	}
	if !r.OK() {
		return fmt.Errorf("backup %s: audit verify found %d problems, the first: %s", path, len(r.Problems), r.Problems[0])
	}
	return nil
}

// runBackups takes a backup every Every until ctx ends.
func (a *App) runBackups(ctx context.Context) {
	every := a.cfg.Backup.Every
	if every <= 0 {
		every = 24 * time.Hour
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if path, err := a.BackupNow(ctx); err != nil {
				a.cfg.Logger.Error("scheduled backup failed", "err", err)
			} else {
				a.cfg.Logger.Info("backup written and verified", "path", path)
			}
		}
	}
}
