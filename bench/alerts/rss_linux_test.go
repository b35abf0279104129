package main

import (
	"os"
	"testing"
)

func TestParseStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		want     rss
		ok       bool
	}{
		{"both", "Name:\tfirebreak\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t9\n", rss{rss: 100 << 20, hwm: 200 << 20}, true},
		{"no peak", "VmRSS:\t1 kB\n", rss{rss: 1024}, true},
		{"kernel thread: no VmRSS", "Name:\tkthreadd\nThreads:\t1\n", rss{}, false},
		{"other unit", "VmRSS:\t1 MB\n", rss{}, false},
		{"not a number", "VmRSS:\tmany kB\n", rss{}, false},
		{"negative", "VmRSS:\t-5 kB\n", rss{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseStatus([]byte(tc.in))
			if ok != tc.ok || got != tc.want {
				t.Errorf("parseStatus: %+v %v, want %+v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestProcessRSS reads this test's own process, which is resident.
func TestProcessRSS(t *testing.T) {
	t.Parallel()
	r, ok := processRSS(os.Getpid())
	if !ok || r.rss <= 0 || r.hwm < r.rss {
		t.Fatalf("own RSS: %+v %v", r, ok)
	}
	if _, ok := processRSS(-1); ok {
		t.Fatal("a process that cannot exist was read")
	}
}

func FuzzParseStatus(f *testing.F) {
	f.Add([]byte("VmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n"))
	f.Add([]byte("VmRSS:\t9223372036854775807 kB\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, ok := parseStatus(b); ok && (r.rss < 0 || r.hwm < 0) {
			t.Fatalf("negative size from %q: %+v", b, r)
		}
	})
}
