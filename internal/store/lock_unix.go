//go:build unix

package store

import (
	"os"
	"syscall"
)

// flock takes an exclusive advisory lock without waiting. The kernel drops
// it when the process dies, however it dies, so a kill -9 never leaves a
// stale lock behind.
func flock(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

func funlock(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
