package store

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

// TestDiskFullRecovers: SQLite's max_page_count makes writes fail with
// SQLITE_FULL as a full disk does. The failed write answers Unavailable
// with a retry delay, the reserve file is given back, later writes are
// refused and Ready fails; once the file system has room for the reserve
// and the minimum free space again, the reserve is made again and writes
// resume without reopening the store. (The real thing, a full tmpfs under
// the HTTP API, is cmd/firebreak's TestFullDiskRecovers.)
func TestDiskFullRecovers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "firebreak.db")
	db, err := Open(ctx, path, Options{Exclusive: true, DiskReserve: 1 << 20, DiskMinFree: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var free atomic.Int64
	free.Store(1 << 30)
	db.disk.mu.Lock() // the checkpointer ticks the guard meanwhile
	db.disk.free = free.Load
	db.disk.mu.Unlock()
	if fi, err := os.Stat(ReserveFile(path)); err != nil || fi.Size() != 1<<20 {
		t.Fatalf("reserve file: %v %v", fi, err)
	}
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("Ready before: %v", err)
	}

	var pages int64
	if err := db.write.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, `PRAGMA max_page_count = `+itoa(pages+2)); err != nil {
		t.Fatal(err)
	}
	// From here the disk is as a real fill leaves it: room for the database
	// to go on (above the minimum) but not for a new reserve on top, so the
	// checkpointer's tick, which runs meanwhile, cannot remake the reserve
	// the failed write gives back and resume writes before the checks below.
	free.Store(1<<20 + 1<<19)
	big := `{"pad":"` + strings.Repeat("x", 3000) + `"}`
	var failure error
	for i := 0; i < 200 && failure == nil; i++ {
		failure = db.Enqueue(ctx, engine.Job{Kind: "fill", Args: []byte(big)})
	}
	e, ok := errs.As(failure)
	if !ok || e.Code != errs.Unavailable || e.RetryAfter <= 0 {
		t.Fatalf("a write on a full database: %v, want unavailable with a retry delay", failure)
	}
	db.disk.tick() // as the checkpointer may at any moment
	if _, err := os.Stat(ReserveFile(path)); !os.IsNotExist(err) {
		t.Errorf("the reserve was not given back: %v", err)
	}
	if errs.CodeOf(db.Ready(ctx)) != errs.Unavailable {
		t.Error("Ready passes while writes are refused")
	}
	// Room in the database again, but not yet on the disk: still refused.
	if _, err := db.write.ExecContext(ctx, `PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	db.disk.tick() // 1.5 MiB free: less than reserve + minimum
	if err := db.Enqueue(ctx, engine.Job{Kind: "after"}); errs.CodeOf(err) != errs.Unavailable {
		t.Fatalf("a write before the disk has room: %v, want refused", err)
	}
	free.Store(1 << 30)
	db.disk.tick()
	if err := db.Enqueue(ctx, engine.Job{Kind: "after"}); err != nil {
		t.Fatalf("a write once the disk has room: %v", err)
	}
	if fi, err := os.Stat(ReserveFile(path)); err != nil || fi.Size() != 1<<20 {
		t.Errorf("the reserve was not made again: %v %v", fi, err)
	}
	if err := db.Ready(ctx); err != nil {
		t.Errorf("Ready after: %v", err)
	}
	// Ready also fails whenever free space is below the minimum.
	free.Store(1 << 19)
	if err := db.Ready(ctx); errs.CodeOf(err) != errs.Unavailable {
		t.Errorf("Ready with 0.5 MiB free: %v, want unavailable", err)
	}
}

// TestDiskReserveOnlyWithRoom: the reserve is not made when it would leave
// less than the minimum free; the server still starts.
func TestDiskReserveOnlyWithRoom(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "firebreak.db")
	db, err := Open(context.Background(), path, Options{Exclusive: true, DiskReserve: 1 << 40, DiskMinFree: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := os.Stat(ReserveFile(path)); !os.IsNotExist(err) {
		t.Errorf("a 1 TiB reserve was made: %v", err)
	}
	// Offline opens beside a server leave the reserve alone.
	path2 := filepath.Join(t.TempDir(), "firebreak.db")
	db2, err := Open(context.Background(), path2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if _, err := os.Stat(ReserveFile(path2)); !os.IsNotExist(err) {
		t.Errorf("an offline open made a reserve: %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
