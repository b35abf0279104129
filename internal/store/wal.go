package store

import (
	"context"
	"os"
	"sync"
	"time"
)

// DefaultWALLimit is the WAL size past which the group-commit leader
// truncates it. Passive checkpoints copy frames into the database without
// blocking anyone, but the WAL file only restarts from its beginning when
// no reader still uses it; under a steady stream of reads and writes (an
// alert storm) that moment never comes and the file grows by tens of MB a
// second. A TRUNCATE checkpoint waits for the readers in flight (they are
// short) and resets the file.
const DefaultWALLimit = 32 << 20

// walGuard decides, after a batch commits, whether the WAL is past its
// limit, and truncates it on the write connection: between two batches the
// leader holds the only write connection, so no writer contends, and the
// callers that arrive meanwhile queue into the next batch.
type walGuard struct {
	path  string // the -wal file
	limit int64
	log   func(msg string, args ...any)

	mu        sync.Mutex
	lastCheck time.Time
	size      int64 // last size seen, for metrics
}

// checkEvery bounds how often the file is looked at: a stat per batch is
// cheap but needless at thousands of batches a second.
const walCheckEvery = 50 * time.Millisecond

// after runs after a batch has committed, in the leader, before the next
// batch starts.
func (w *walGuard) after(g *groupCommit) {
	if w == nil {
		return
	}
	now := time.Now()
	w.mu.Lock()
	if now.Sub(w.lastCheck) < walCheckEvery {
		w.mu.Unlock()
		return
	}
	w.lastCheck = now
	w.mu.Unlock()
	fi, err := os.Stat(w.path)
	if err != nil {
		return
	}
	w.setSize(fi.Size())
	if fi.Size() <= w.limit {
		return
	}
	// busy_timeout bounds the wait for readers; what cannot be done now
	// is done after a later batch.
	var busy, logFrames, done int64
	err = g.db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done)
	if err != nil || busy != 0 {
		w.log("WAL past its limit and not truncated yet", "bytes", fi.Size(), "limit", w.limit, "busy", busy, "err", err)
		return
	}
	if fi, err := os.Stat(w.path); err == nil {
		w.setSize(fi.Size())
	}
}

func (w *walGuard) setSize(n int64) {
	w.mu.Lock()
	w.size = n
	w.mu.Unlock()
}

// WALBytes is the size of the SQLite WAL file as last seen (0 on
// PostgreSQL), for the metrics.
func (db *DB) WALBytes() int64 {
	if db.group == nil || db.group.wal == nil {
		return 0
	}
	if fi, err := os.Stat(db.group.wal.path); err == nil {
		db.group.wal.setSize(fi.Size())
	}
	db.group.wal.mu.Lock()
	defer db.group.wal.mu.Unlock()
	return db.group.wal.size
}
