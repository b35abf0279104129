package store

import (
	"context"
	"encoding/binary"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultWALLimit is the WAL size past which the group-commit leader
// restarts it. Passive checkpoints copy frames into the database without
// blocking anyone, but the WAL only starts again from its beginning when
// no reader still uses it; under a steady stream of reads and writes (an
// alert storm) that moment never comes and the file grows by tens of MB a
// second. A RESTART checkpoint waits for the readers in flight (they are
// short) and makes the next commit write from the start of the file.
const DefaultWALLimit = 32 << 20

// walGuard decides, after a batch commits, whether the WAL in use is past
// its limit, and restarts it on the write connection: between two batches
// the leader holds the only write connection, so no writer contends, and
// the callers that arrive meanwhile queue into the next batch.
//
// It restarts (RESTART), not truncates (TRUNCATE): the file keeps its size
// and later commits overwrite its blocks. Appending to a file cut to zero
// had every frame's pwrite extend it (a block allocated per page) and every
// commit's fsync carry the new size through the file system's journal;
// under an alert storm that was most of the writer's system time.
// journal_size_limit still cuts a larger file back when the WAL restarts,
// and a full disk still truncates it (groupCommit.afterFull).
type walGuard struct {
	path  string // the -wal file
	limit int64
	log   func(msg string, args ...any)
	// kick asks the background checkpointer (DB.checkpointer) for a
	// PASSIVE checkpoint now, once the WAL in use passes half the limit:
	// it copies the frames into the database on its own connection while
	// the writer goes on, so the RESTART at the limit finds them copied
	// and has little to copy and sync itself. nil in tests of the guard.
	kick chan struct{}
	// copying is set while the checkpointer runs a checkpoint: a RESTART
	// then would wait for it on the writer's connection (busy_timeout),
	// stalling every grouped writer, so the leader tries after a later
	// batch instead.
	copying atomic.Bool
	kicked  bool // kicked for the WAL in use; only the leader reads and sets it

	mu        sync.Mutex
	lastCheck time.Time
	size      int64 // last size seen, for metrics
}

// checkEvery bounds how often the WAL is looked at: a read per batch is
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
	used, ok := w.inUse()
	if !ok {
		used = fi.Size() // no wal-index to read: the file is an upper bound
	}
	if used <= w.limit/2 {
		w.kicked = false // a new WAL: kick it once past half
		return
	}
	if used <= w.limit {
		// Once per WAL: each checkpoint copies again every page written
		// since the last, and a storm's random index pages are written
		// over and over.
		if !w.kicked && w.kick != nil {
			select {
			case w.kick <- struct{}{}:
				w.kicked = true
			default: // one already asked for
			}
		}
		return
	}
	if w.copying.Load() {
		return // the checkpointer is copying; restart after a later batch
	}
	// busy_timeout bounds the wait for readers; what cannot be done now
	// is done after a later batch.
	var busy, logFrames, done int64
	err = g.db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(RESTART)`).Scan(&busy, &logFrames, &done)
	if err != nil || busy != 0 {
		w.log("WAL past its limit and not restarted yet", "bytes", used, "limit", w.limit, "busy", busy, "err", err)
		return
	}
	if fi, err := os.Stat(w.path); err == nil {
		w.setSize(fi.Size())
	}
}

// inUse is how much of the WAL file holds frames of the current WAL: the
// last valid frame (mxFrame) and page size from the header of the
// wal-index (the -shm file, https://www.sqlite.org/walformat.html), in the
// machine's byte order. The file's size says nothing once the WAL has
// restarted, since it is overwritten from the start, not cut. Read without
// SQLite's locks, so it may be a commit behind: enough to decide when to
// restart.
func (w *walGuard) inUse() (int64, bool) {
	f, err := os.Open(strings.TrimSuffix(w.path, "-wal") + "-shm")
	if err != nil {
		return 0, false
	}
	defer func() { _ = f.Close() }() // read only
	var hdr [24]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return 0, false
	}
	ne := binary.NativeEndian
	if ne.Uint32(hdr[0:]) != walIndexVersion || hdr[12] == 0 { // not an initialised wal-index of this format
		return 0, false
	}
	page := int64(ne.Uint16(hdr[14:]))
	if page == 1 {
		page = 65536 // how the header stores 64 KiB pages
	}
	const walHeader, frameHeader = 32, 24
	return walHeader + int64(ne.Uint32(hdr[16:]))*(frameHeader+page), true
}

// walIndexVersion is the wal-index header's iVersion (3007000).
const walIndexVersion = 3007000

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
