package config

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

func TestOutboundAllow(t *testing.T) {
	t.Parallel()
	f, err := Parse([]byte("outbound:\n  allow:\n    - 10.20.0.0/16\n    - 127.0.0.1\n    - Hooks.Corp.Example.\n    - '::1'\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := f.OutboundPolicy()
	want := []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16"), netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
	if !slices.Equal(p.Allow, want) || !slices.Equal(p.AllowHosts, []string{"hooks.corp.example"}) {
		t.Fatalf("policy %+v", p)
	}
	if err := p.CheckAddr("", netip.MustParseAddr("10.20.3.4")); err != nil {
		t.Fatal(err)
	}
	if err := p.CheckAddr("", netip.MustParseAddr("10.21.3.4")); err == nil {
		t.Fatal("10.21.3.4 is outside the allowed network")
	}
	if d := (File{}).OutboundPolicy(); len(d.Allow) != 0 || len(d.AllowHosts) != 0 {
		t.Fatalf("default policy %+v", d)
	}

	tests := []struct{ name, in, err string }{
		{"bad CIDR", "outbound:\n  allow:\n    - 10.20.0.0/16\n    - 10.0.0.0/33\n",
			`[4:7] outbound.allow[1]: "10.0.0.0/33" is not a CIDR (expected one such as 10.20.0.0/16)`},
		{"host bits", "outbound:\n  allow: [10.20.1.0/16]\n",
			`[2:11] outbound.allow[0]: "10.20.1.0/16" has bits set past its prefix length (did you mean 10.20.0.0/16?)`},
		{"not a host", "outbound:\n  allow:\n    - 'http://hooks.example'\n",
			`[3:7] outbound.allow[0]: "http://hooks.example" is not a CIDR (expected one such as 10.20.0.0/16)`},
		{"numeric name", "outbound:\n  allow:\n    - '2130706433'\n",
			`[3:7] outbound.allow[0]: "2130706433" is not a CIDR (10.20.0.0/16), an address or a host name`},
		{"empty", "outbound:\n  allow:\n    - ''\n",
			`[3:7] outbound.allow[0]: is empty (expected a CIDR such as 10.20.0.0/16, an address or a host name)`},
		{"twice", "outbound:\n  allow:\n    - hooks.example\n    - HOOKS.example\n",
			`[4:7] outbound.allow[1]: hooks.example is listed twice`},
		{"unknown key", "outbound:\n  alow: [10.0.0.0/8]\n", `[2:3] unknown field "alow"`},
		{"timeout not a duration", "outbound:\n  timeout: 10\n", `[2:12] outbound.timeout: "10" is not a duration (expected one such as 10s)`},
		{"timeout too short", "outbound:\n  allow: [10.0.0.0/8]\n  timeout: 500ms\n", `[3:12] outbound.timeout: 500ms is out of range (expected 1s to 1m0s)`},
		{"timeout too long", "outbound:\n  timeout: 2m\n", `[2:12] outbound.timeout: 2m is out of range (expected 1s to 1m0s)`},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.in))
		if err == nil || err.Error() != tt.err {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.err)
		}
	}
}

func TestOutboundTimeout(t *testing.T) {
	f, err := Parse([]byte("outbound:\n  timeout: 3s\n"))
	if err != nil {
		t.Fatal(err)
	}
	if d := f.OutboundTimeout(); d != 3*time.Second {
		t.Fatalf("OutboundTimeout = %s, want 3s", d)
	}
	if d := (File{}).OutboundTimeout(); d != 0 {
		t.Fatalf("default OutboundTimeout = %s, want 0 (the channels' 10s)", d)
	}
}
