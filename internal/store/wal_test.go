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
