package web

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParseTrustedProxies(t *testing.T) {
	t.Parallel()
	got, err := ParseTrustedProxies(" 10.0.0.0/8, 192.0.2.7 ,::1,2001:db8::/32,, 172.16.5.4/12")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.0.2.7/32", "::1/128", "2001:db8::/32", "172.16.0.0/12"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i, p := range got {
		if p.String() != want[i] {
			t.Errorf("prefix %d: %s, want %s", i, p, want[i])
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "localhost", "10.0.0", "fe80::1%eth0", "10.0.0.1:80"} {
		if _, err := ParseTrustedProxies(bad); err == nil || !strings.Contains(err.Error(), "CIDR prefix") {
			t.Errorf("ParseTrustedProxies(%q): %v, want an error naming what is expected", bad, err)
		}
	}
	if p, err := ParseTrustedProxies(""); err != nil || len(p) != 0 {
		t.Errorf("empty: %v %v", p, err)
	}
}

func TestForwardedClient(t *testing.T) {
	t.Parallel()
	trusted, _ := ParseTrustedProxies("127.0.0.0/8, 10.0.0.0/8")
	peer := netip.MustParseAddr("127.0.0.1")
	for _, tt := range []struct {
		name   string
		values []string
		want   string
	}{
		{"no header", nil, "127.0.0.1"},
		{"one hop", []string{"203.0.113.7"}, "203.0.113.7"},
		{"a client's own claim before it is not believed", []string{"198.51.100.1, 203.0.113.7"}, "203.0.113.7"},
		{"trusted hops are skipped", []string{"203.0.113.7, 10.1.2.3", "127.0.0.5"}, "203.0.113.7"},
		{"a hop with a port", []string{"[2001:db8::1]:4711"}, "2001:db8::1"},
		{"v4 in v6", []string{"::ffff:203.0.113.7"}, "203.0.113.7"},
		{"garbage stops the walk at the last good hop", []string{"203.0.113.7, junk, 10.0.0.1"}, "10.0.0.1"},
		{"garbage only", []string{"unknown"}, "127.0.0.1"},
		{"every hop trusted", []string{"10.0.0.9, 10.0.0.1"}, "10.0.0.9"},
	} {
		if got := forwardedClient(peer, tt.values, trusted); got.String() != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	for _, tt := range []struct {
		values []string
		want   bool
	}{
		{nil, false}, {[]string{"https"}, true}, {[]string{"HTTPS "}, true}, {[]string{"http"}, false},
		{[]string{"https, http"}, false}, {[]string{"http", "https"}, true},
	} {
		if got := forwardedHTTPS(tt.values); got != tt.want {
			t.Errorf("forwardedHTTPS(%q) = %v", tt.values, got)
		}
	}
}

// FuzzForwardedClient: whatever a client writes in X-Forwarded-For, the
// client found is the peer or an address written there, never a trusted
// proxy unless every hop is one, and nothing panics.
func FuzzForwardedClient(f *testing.F) {
	for _, s := range []string{"203.0.113.7", "198.51.100.1, 203.0.113.7, 10.0.0.1", "[::1]:80", "junk", ",,,", "::ffff:10.0.0.1"} {
		f.Add(s)
	}
	trusted, _ := ParseTrustedProxies("127.0.0.0/8, 10.0.0.0/8")
	peer := netip.MustParseAddr("127.0.0.1")
	f.Fuzz(func(t *testing.T, header string) {
		got := forwardedClient(peer, []string{header}, trusted)
		if !got.IsValid() {
			t.Fatalf("forwardedClient(%q) is not an address", header)
		}
		if got == peer {
			return
		}
		found := false
		for _, h := range strings.Split(header, ",") {
			if a, ok := hopAddr(strings.TrimSpace(h)); ok && a == got {
				found = true
			}
		}
		if !found {
			t.Fatalf("forwardedClient(%q) = %s: neither the peer nor a hop", header, got)
		}
	})
}
