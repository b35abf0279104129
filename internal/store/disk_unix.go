//go:build unix

package store

import (
	"path/filepath"
	"syscall"
)

// FreeBytes is the space left to unprivileged writers on the SQLite
// database's file system; -1 on PostgreSQL or when it cannot be read.
func (db *DB) FreeBytes() int64 {
	if db.path == "" {
		return -1
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(db.path), &st); err != nil {
		return -1
	}
	return int64(st.Bavail) * int64(st.Bsize)
}
