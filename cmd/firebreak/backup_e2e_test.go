package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

// A backup taken while incidents are being declared holds every incident
// acknowledged before it started, passes its own checks, restores into a
// new data directory, and a server started on the restore serves them.
func TestBackupUnderWriteLoadRestores(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, "--data-dir", dir)
	c := srv.client()
	ctx, stop := context.WithCancel(t.Context())
	var acked sync.Map // ref → title, acknowledged
	var n atomic.Int64
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				title := fmt.Sprintf("load w%d #%d", w, i)
				inc, err := c.Declare(ctx, httpapi.DeclareBody{Title: title}, "")
				if err != nil {
					return
				}
				acked.Store(inc.Ref, title)
				n.Add(1)
			}
		})
	}
	// Let the load get going; what is acknowledged before the backup
	// starts must be in it.
	for n.Load() < 50 {
		if ctx.Err() != nil {
			t.Fatal("the load stopped")
		}
		time.Sleep(5 * time.Millisecond)
	}
	before := map[string]string{}
	acked.Range(func(k, v any) bool { before[k.(string)] = v.(string); return true })
	file := filepath.Join(t.TempDir(), "backup.db")
	out, stderr, code := runCLI(t, "backup", "--data-dir", dir, "--to", file)
	stop()
	wg.Wait()
	if code != 0 || !strings.Contains(out, "integrity_check: ok") || !strings.Contains(out, "audit verify: every chain and table intact") {
		t.Fatalf("backup under load: exit %d\n%s\n%s", code, out, stderr)
	}
	if _, _, code := runCLI(t, "backup", "--data-dir", dir, "--to", file); code == 0 {
		t.Fatal("a backup over an existing file was allowed")
	}
	srv.stop(t)

	restored := filepath.Join(t.TempDir(), "restored")
	out, stderr, code = runCLI(t, "restore", "--from", file, "--data-dir", restored)
	if code != 0 || !strings.Contains(out, "Restored into") {
		t.Fatalf("restore: exit %d\n%s\n%s", code, out, stderr)
	}
	if _, _, code := runCLI(t, "restore", "--from", file, "--data-dir", restored); code == 0 {
		t.Fatal("a restore over an existing database was allowed")
	}
	if _, err := os.Stat(filepath.Join(restored, "firebreak.db")); err != nil {
		t.Fatal(err)
	}
	back := startServer(t, "--data-dir", restored)
	got := map[string]string{}
	for _, inc := range listAll(t, back.client()) {
		got[inc.Ref] = inc.Title
	}
	for ref, title := range before {
		if got[ref] != title {
			t.Errorf("%s (%q) was acknowledged before the backup started but the restore has %q", ref, title, got[ref])
		}
	}
	t.Logf("%d incidents acknowledged before the backup, %d in the restore, %d declared in all", len(before), len(got), n.Load())
	if out, _, code := runCLI(t, "audit", "verify", "--data-dir", restored); code != 0 {
		t.Fatalf("audit verify of the restore: exit %d\n%s", code, out)
	}
	back.stop(t)
}
