//go:build !linux

package store

import "time"

// threadCPU: no per-thread figure off Linux; the benchmark leaves it out.
func threadCPU() (time.Duration, bool) { return 0, false }

// backendCPU: no per-process figure off Linux.
func backendCPU(int) (time.Duration, bool) { return 0, false }
