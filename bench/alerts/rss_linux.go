package main

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
)

// processRSS reads VmRSS and VmHWM from /proc/<pid>/status; false when
// unreadable.
func processRSS(pid int) (rss, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return rss{}, false
	}
	return parseStatus(b)
}

// parseStatus reads the VmRSS and VmHWM lines ("VmRSS:	  12345 kB").
func parseStatus(b []byte) (rss, bool) {
	var r rss
	var found bool
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		f := strings.Fields(val)
		if len(f) != 2 || f[1] != "kB" {
			return rss{}, false
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || n < 0 || n > 1<<50 { // kB; larger would overflow bytes
			return rss{}, false
		}
		if key == "VmRSS" {
			r.rss, found = n<<10, true
		} else {
			r.hwm = n << 10
		}
	}
	return r, found
}
