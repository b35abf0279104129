package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Under a steady stream of writes with readers always in flight, the WAL
// stays bounded: past its limit it is truncated between two batches.
// Without that, passive checkpoints copy every frame but the file never
// restarts while readers keep using it, and it grows with every write.
func TestWALStaysBoundedUnderSustainedWrites(t *testing.T) {
	const limit = 2 << 20
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "wal.db"), Options{WALLimit: limit})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.write.Exec(`CREATE TABLE load (n INTEGER PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("x", 8<<10)
	// Readers: one is always inside a read transaction.
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 3 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				var n int64
				db.read.QueryRow(`SELECT count(*) FROM load`).Scan(&n)
			}
		})
	}
	var maxWAL atomic.Int64
	var writers sync.WaitGroup
	var next atomic.Int64
	// 8 writers × 200 rows × 8 KiB ≈ 12.5 MiB of rows: six times the limit.
	for range 8 {
		writers.Go(func() {
			for range 200 {
				n := next.Add(1)
				err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
					_, err := tx.ExecContext(ctx, `INSERT INTO load (n, body) VALUES (?, ?)`, n, body)
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
				if w := db.WALBytes(); w > maxWAL.Load() {
					maxWAL.Store(w)
				}
			}
		})
	}
	writers.Wait()
	close(stop)
	readers.Wait()
	var rows int64
	if err := db.read.QueryRow(`SELECT count(*) FROM load`).Scan(&rows); err != nil || rows != 1600 {
		t.Fatalf("%d rows (%v), want 1600", rows, err)
	}
	// A batch commits at most maxGroup writes past the check: the bound is
	// the limit plus one batch's frames, well under twice the limit here.
	if m := maxWAL.Load(); m > 2*limit {
		t.Fatalf("the WAL reached %d bytes with a limit of %d", m, limit)
	}
	t.Logf("largest WAL seen: %d bytes (limit %d) after %d MiB of rows", maxWAL.Load(), limit, 1600*len(body)>>20)
}

// The guard reads the WAL in use from the wal-index, not from the file's
// size: after a restart the file keeps its size while commits overwrite it
// from the start, and a guard going by the size would restart after every
// batch.
func TestWALInUseAfterRestart(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "wal.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	insert := func(n int) {
		t.Helper()
		body := strings.Repeat("x", 8<<10)
		for i := range n {
			err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO load (body) VALUES (?)`, body+string(rune('a'+i%26)))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := db.write.Exec(`CREATE TABLE load (n INTEGER PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	insert(100)
	w := db.group.wal
	before, ok := w.inUse()
	if !ok || before < 100*8<<10 {
		t.Fatalf("in use after 800 KiB of rows: %d bytes (read: %v)", before, ok)
	}
	var busy, frames, done int64
	if err := db.write.QueryRow(`PRAGMA wal_checkpoint(RESTART)`).Scan(&busy, &frames, &done); err != nil || busy != 0 {
		t.Fatalf("restart: busy %d, %v", busy, err)
	}
	insert(1)
	after, ok := w.inUse()
	fi, err := os.Stat(w.path)
	if err != nil {
		t.Fatal(err)
	}
	if !ok || after >= before/10 || fi.Size() < before {
		t.Fatalf("after a restart and one row: %d bytes in use (read: %v), file %d bytes; before: %d in use", after, ok, fi.Size(), before)
	}
}

// Past half its limit the guard asks the background checkpointer to copy
// the WAL (kick), so the restart at the limit has little left to copy on
// the writer's connection; while that checkpointer copies, the guard does
// not restart (it would wait for it on the writer's connection) and tries
// after a later batch.
func TestWALGuardKicksCheckpointerPastHalf(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "wal.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.write.Exec(`CREATE TABLE load (n INTEGER PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("x", 8<<10)
	for range 100 {
		if _, err := db.write.Exec(`INSERT INTO load (body) VALUES (?)`, body); err != nil {
			t.Fatal(err)
		}
	}
	used, ok := db.group.wal.inUse()
	if !ok || used < 100*8<<10 {
		t.Fatalf("in use after 800 KiB of rows: %d bytes (read: %v)", used, ok)
	}
	// A guard of its own on the same WAL, so the running checkpointer does
	// not take the kicks this test looks for.
	guard := func(limit int64) *walGuard {
		return &walGuard{path: db.group.wal.path, limit: limit, log: func(string, ...any) {}, kick: make(chan struct{}, 1)}
	}
	kicked := func(w *walGuard) bool {
		select {
		case <-w.kick:
			return true
		default:
			return false
		}
	}
	// A reader inside a transaction keeps SQLite from starting the WAL over
	// by itself (after the background checkpointer copied it all), so only
	// the guard restarts it; released before the case that restarts.
	rtx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := rtx.QueryRow(`SELECT count(*) FROM load`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rtx.Rollback() }()
	for _, c := range []struct {
		name    string
		limit   int64
		copying bool
		kick    bool
		restart bool
	}{
		{"under half", 4 * used, false, false, false},
		{"past half", used + used/2, false, true, false},
		{"past the limit, checkpointer copying", used / 2, true, false, false},
		{"past the limit", used / 2, false, false, true},
	} {
		if c.restart {
			_ = rtx.Rollback()
		}
		w := guard(c.limit)
		w.copying.Store(c.copying)
		before, _ := w.inUse()
		w.after(db.group)
		if got := kicked(w); got != c.kick {
			t.Errorf("%s: kicked %v, want %v", c.name, got, c.kick)
		}
		// A restart shows at the next write, which starts the WAL over.
		if _, err := db.write.Exec(`INSERT INTO load (body) VALUES ('y')`); err != nil {
			t.Fatal(err)
		}
		now, _ := w.inUse()
		if restarted := now < before; restarted != c.restart {
			t.Errorf("%s: %d bytes in use after the guard and a write, %d before: restarted %v, want %v", c.name, now, before, restarted, c.restart)
		}
	}
}
