//go:build !linux

package main

import (
	"os/exec"
	"time"
)

// dieWithParent: only Linux can tie a child's life to its parent's; elsewhere
// the deferred stop is all there is.
func dieWithParent(*exec.Cmd) {}

// processCPU: another process's CPU time is read from Linux's /proc only.
func processCPU(int) (time.Duration, bool) { return 0, false }
