package engine

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// A lease names its owner "host/pid/start/suffix": the host name, the
// process ID, when the process started (Unix milliseconds) and a random
// suffix, so two engines in one process differ. From it a restarted node
// tells which leases were held by a process of its own host that is gone,
// and releases them at once instead of waiting for them to run out.

// processStart is when this process started, as far as the engine can
// tell: it tells an earlier process that had the same PID (a container
// restarted as PID 1) from this one.
var processStart = time.Now()

// newOwner returns a lease owner name for an engine of this process.
func newOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 3)
	rand.Read(b)
	return fmt.Sprintf("%s/%d/%d/%s", host, os.Getpid(), processStart.UnixMilli(), hex.EncodeToString(b))
}

// owner is a parsed lease owner name.
type owner struct {
	host  string
	pid   int
	start int64
}

// parseOwner reads a name made by newOwner; ok is false for anything else
// (names of older versions: their leases run out as before).
func parseOwner(s string) (owner, bool) {
	parts := strings.Split(s, "/")
	if len(parts) < 4 {
		return owner{}, false
	}
	n := len(parts)
	pid, err1 := strconv.Atoi(parts[n-3])
	start, err2 := strconv.ParseInt(parts[n-2], 10, 64)
	if err1 != nil || err2 != nil || pid <= 0 {
		return owner{}, false
	}
	return owner{host: strings.Join(parts[:n-3], "/"), pid: pid, start: start}, true
}

// deadOwner reports whether the process that owns a lease is known to be
// gone: it ran on this host and its PID is not alive, or its PID is ours
// but it started earlier (an earlier incarnation of this process). A lease
// of another host, or of a live process here, is left to run out: only its
// owner, or the end of the lease, may release it.
func deadOwner(name string) bool {
	o, ok := parseOwner(name)
	if !ok {
		return false
	}
	host, err := os.Hostname()
	if err != nil || o.host != host {
		return false
	}
	if o.pid == os.Getpid() {
		return o.start != processStart.UnixMilli()
	}
	return !processAlive(o.pid)
}
