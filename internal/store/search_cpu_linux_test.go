package store

import (
	"syscall"
	"time"
)

// threadCPU is the CPU time the calling OS thread has used; with the
// goroutine locked to its thread it is what a query cost that goroutine
// (SQLite runs in the caller), however busy the machine is.
func threadCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
