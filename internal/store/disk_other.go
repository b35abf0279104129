//go:build !unix

package store

// FreeBytes is unknown here: -1.
func (db *DB) FreeBytes() int64 { return -1 }
