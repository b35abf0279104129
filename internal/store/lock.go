package store

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ErrLocked is returned by Open with Options.Exclusive when another process
// holds the database.
var ErrLocked = errors.New("the database is in use by another Firebreak process")

// lockPath is the lock file beside a SQLite database file.
func lockPath(dbPath string) string { return dbPath + ".lock" }

// lockFile holds an exclusive lock on a SQLite database for this process's
// life: one SQLite file has one server, or the engine's release of "its"
// running jobs at start would take another live server's jobs and page
// twice. The lock file names the holder's PID for the refusal message.
type lockFile struct {
	f *os.File
}

// acquireLock takes the lock of dbPath without waiting, writing this
// process's PID into the lock file; it names the holder when it is taken.
func acquireLock(dbPath string) (*lockFile, error) {
	p := lockPath(dbPath)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", p, err)
	}
	if err := flock(f); err != nil {
		holder, _ := os.ReadFile(p)
		_ = f.Close() // the lock failure is the one to report
		pid := strings.TrimSpace(string(holder))
		if _, perr := strconv.Atoi(pid); perr != nil || pid == "" {
			pid = "unknown"
		}
		return nil, fmt.Errorf("%w: process %s holds %s; stop it first (two servers on one SQLite file would page everyone twice)", ErrLocked, pid, p)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0) // the pid only tells a second server who holds the lock
	}
	return &lockFile{f: f}, nil
}

// release drops the lock; the file stays (removing it would race a
// process that has just opened it).
func (l *lockFile) release() error {
	if l == nil {
		return nil
	}
	_ = l.f.Truncate(0) // the pid is advisory; unlocking and closing are what count
	return errors.Join(funlock(l.f), l.f.Close())
}
