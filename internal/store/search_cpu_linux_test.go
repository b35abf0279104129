package store

import (
	"os"
	"strconv"
	"strings"
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

// backendCPU is the CPU time process pid has run, from its schedstat (in
// nanoseconds, unlike stat's ticks of 10 ms): a PostgreSQL backend's on
// the same machine, so a search's cost on the server is measured too.
func backendCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/schedstat")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, false
	}
	ns, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0, false
	}
	return time.Duration(ns), true
}
