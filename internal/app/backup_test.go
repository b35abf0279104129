package app_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// Scheduled backups are named by time, verified, and only the newest Keep
// stay.
func TestScheduledBackupsKeepTheNewest(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "backups")
	clock := storetest.NewClock(time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC))
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: storetest.SQLiteDSN(t), BootstrapToken: adminToken, Version: "test", Now: clock.Now,
		Backup: app.BackupConfig{Dir: dir, Keep: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	c := client.New(a.URL(), adminToken)
	var paths []string
	for i := range 3 {
		if _, err := c.Declare(ctx, httpapi.DeclareBody{Title: "backed up"}, ""); err != nil {
			t.Fatal(err)
		}
		p, err := a.BackupNow(ctx)
		if err != nil {
			t.Fatalf("backup %d: %v", i, err)
		}
		paths = append(paths, filepath.Base(p))
		clock.Advance(time.Hour)
	}
	if paths[0] != "firebreak-20261206T010000Z.db" {
		t.Fatalf("first backup named %s", paths[0])
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, e := range entries {
		kept = append(kept, e.Name())
	}
	if !slices.Equal(kept, paths[1:]) {
		t.Fatalf("kept %v, want the newest two %v", kept, paths[1:])
	}
	if _, err := a.BackupNow(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.BackupNow(ctx); err == nil {
		t.Fatal("a second backup in the same second overwrote the first")
	}
}
