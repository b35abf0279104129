package store

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// A full disk. SQLite needs room to write: to append to the WAL, and for a
// checkpoint to copy the WAL into the database (which may grow it) before
// the WAL can be truncated. On a disk filled by something else, a write
// fails with SQLITE_FULL, and if nothing gives back space the WAL cannot
// shrink either: writes keep failing after space is freed, because the
// WAL takes it again. So SQLite keeps a reserve: a file of a few MiB
// (firebreak.db.reserve) made at start when there is room. When a write
// fails for lack of space the reserve is deleted and the WAL checkpointed
// and truncated at once; writes are then refused (503, retry later) until
// the file system has room for the reserve again plus the minimum free
// space, when the reserve is made again and writes resume, without a
// restart. /readyz fails while writes are refused and whenever free space
// is below the minimum.

const (
	// DefaultDiskReserve is the size of the reserve file.
	DefaultDiskReserve = 8 << 20
	// DefaultDiskMinFree is the free space below which /readyz fails, and
	// which, with the reserve, must be free for writes to resume.
	DefaultDiskMinFree = 16 << 20
	// diskRetryAfter is what a write refused for lack of space tells the
	// sender to wait.
	diskRetryAfter = 5 * time.Second
)

// ReserveFile is the name of the reserve beside a SQLite database file.
func ReserveFile(dbPath string) string { return dbPath + ".reserve" }

// diskGuard keeps the reserve and says whether writes may go on.
type diskGuard struct {
	reservePath string
	reserve     int64
	minFree     int64
	free        func() int64 // bytes free to us; -1 when unknown
	log         *slog.Logger

	mu   sync.Mutex
	full bool // a write failed for lack of space; writes wait for room
}

func newDiskGuard(dbPath string, reserve, minFree int64, free func() int64, log *slog.Logger) *diskGuard {
	if reserve <= 0 {
		reserve = DefaultDiskReserve
	}
	if minFree <= 0 {
		minFree = DefaultDiskMinFree
	}
	return &diskGuard{reservePath: ReserveFile(dbPath), reserve: reserve, minFree: minFree, free: free, log: log}
}

// tick runs about every second (beside the checkpoints): it makes the
// reserve when it is missing and there is room, and lets writes resume
// once it is in place again.
func (d *diskGuard) tick() {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	ok := d.makeReserve()
	if d.full && ok {
		d.full = false
		d.log.Warn("the disk has room again: writes resume", "free_bytes", d.free())
	}
}

// makeReserve makes the reserve file unless it is there; it reports
// whether it is in place. It needs the reserve plus the minimum free
// space, so making it never leaves the disk below the minimum.
func (d *diskGuard) makeReserve() bool {
	if fi, err := os.Stat(d.reservePath); err == nil && fi.Size() >= d.reserve {
		return true
	}
	if free := d.free(); free >= 0 && free < d.reserve+d.minFree {
		return false
	}
	tmp := d.reservePath + ".tmp"
	err := writeZeros(tmp, d.reserve)
	if err == nil {
		err = os.Rename(tmp, d.reservePath)
	}
	if err != nil {
		_ = os.Remove(tmp) // the failure is logged just below
		d.log.Warn("could not make the disk reserve", "file", d.reservePath, "err", err)
		return false
	}
	return true
}

// writeZeros writes n zero bytes to a new file and syncs it: written, not
// sparse, so the space is really taken.
func writeZeros(path string, n int64) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = io.CopyN(f, zeros{}, n)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// failed records that a write failed for lack of space: writes are
// refused from now on, and the reserve is given back so the checkpoint
// that follows can complete. It reports whether the reserve was there.
func (d *diskGuard) failed(err error) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.full {
		d.log.Error("a write failed: the disk holding the database is full; writes are refused until there is room", "err", err, "free_bytes", d.free())
	}
	d.full = true
	rerr := os.Remove(d.reservePath)
	if rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		d.log.Warn("could not give back the disk reserve", "err", rerr)
	}
	return rerr == nil
}

// admit says whether a batch of writes may be tried.
func (d *diskGuard) admit() error {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.full {
		return errDiskFull()
	}
	return nil
}

// ready is nil when writes are not refused and free space is above the
// minimum.
func (d *diskGuard) ready() error {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	full := d.full
	d.mu.Unlock()
	if full {
		return errDiskFull()
	}
	if free := d.free(); free >= 0 && free < d.minFree {
		e := errs.E(errs.Unavailable, "", "%.1f MiB free on the disk holding the database, below the minimum of %.1f MiB", float64(free)/(1<<20), float64(d.minFree)/(1<<20))
		e.RetryAfter = diskRetryAfter
		return e
	}
	return nil
}

// errDiskFull is the answer to a write refused for lack of space.
func errDiskFull() error {
	e := errs.E(errs.Unavailable, "", "the disk holding the database is full: nothing was stored; retry later")
	e.RetryAfter = diskRetryAfter
	return e
}

// isDiskFull reports whether err is a write that failed for lack of
// space: SQLITE_FULL, ENOSPC, or PostgreSQL's disk_full.
func isDiskFull(err error) bool {
	if err == nil {
		return false
	}
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "53100" {
		return true
	}
	return errors.Is(err, syscall.ENOSPC)
}

// diskFullError turns a write's failure for lack of space into the
// answer callers see, and leaves other errors alone.
func diskFullError(err error) error {
	if isDiskFull(err) {
		return fmt.Errorf("%w (%v)", errDiskFull(), err)
	}
	return err
}
