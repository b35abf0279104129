package outbound

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

func TestBlocked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr, reason string // reason "" means allowed
	}{
		{"127.0.0.1", "a loopback address"},
		{"127.255.255.254", "a loopback address"},
		{"::1", "a loopback address"},
		{"::ffff:127.0.0.1", "a loopback address"},
		{"0.0.0.0", "an unspecified address"},
		{"::", "an unspecified address"},
		{"0.1.2.3", "a \"this network\" address"},
		{"10.0.0.1", "a private address"},
		{"172.16.5.4", "a private address"},
		{"172.31.255.255", "a private address"},
		{"192.168.1.1", "a private address"},
		{"::ffff:10.0.0.1", "a private address"},
		{"fd12:3456::1", "a private address"},
		{"fc00::1", "a private address"},
		{"169.254.169.254", "a cloud metadata address"},
		{"169.254.170.2", "a cloud metadata address"},
		{"fd00:ec2::254", "a cloud metadata address"},
		{"100.100.100.200", "a cloud metadata address"},
		{"168.63.129.16", "a cloud metadata address"},
		{"::ffff:169.254.169.254", "a cloud metadata address"},
		{"169.254.1.1", "a link-local address"},
		{"fe80::1", "a link-local address"},
		{"fe80::1%eth0", "a link-local address"},
		{"100.64.0.1", "a shared (CGNAT) address"},
		{"100.127.255.255", "a shared (CGNAT) address"},
		{"224.0.0.1", "a multicast address"},
		{"239.1.2.3", "a multicast address"},
		{"ff02::1", "a multicast address"},
		{"ff0e::1", "a multicast address"},
		{"255.255.255.255", "a reserved or broadcast address"},
		{"240.0.0.1", "a reserved or broadcast address"},
		{"192.0.0.170", "a reserved (IETF protocol) address"},
		{"198.18.0.1", "a reserved (benchmarking) address"},
		{"::127.0.0.1", "an IPv4-compatible address"},
		{"64:ff9b::7f00:1", "an address carrying 127.0.0.1, a loopback address"},
		{"64:ff9b::a9fe:a9fe", "an address carrying 169.254.169.254, a cloud metadata address"},
		{"2002:0a00:0001::1", "an address carrying 10.0.0.1, a private address"},
		{"64:ff9b:1::1", "a local NAT64 address"},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", "a Teredo tunnel address"},
		{"fec0::1", "a site-local address"},
		{"100::1", "a discard-only address"},
		// Public addresses pass.
		{"93.184.215.14", ""},
		{"8.8.8.8", ""},
		{"100.63.255.255", ""},
		{"100.128.0.0", ""},
		{"172.32.0.1", ""},
		{"169.253.255.255", ""},
		{"2606:4700::1111", ""},
		{"64:ff9b::808:808", ""},  // NAT64 of 8.8.8.8
		{"2002:0808:0808::1", ""}, // 6to4 of 8.8.8.8
		{"::ffff:8.8.8.8", ""},
	}
	for _, tt := range tests {
		ip := netip.MustParseAddr(tt.addr)
		reason, bad := Blocked(ip)
		if bad != (tt.reason != "") || reason != tt.reason {
			t.Errorf("Blocked(%s) = %q, %v; want %q", tt.addr, reason, bad, tt.reason)
		}
	}
	if _, bad := Blocked(netip.Addr{}); !bad {
		t.Error("the zero Addr passes")
	}
}

func TestCheckAddr(t *testing.T) {
	t.Parallel()
	p := Policy{Allow: []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16"), netip.MustParsePrefix("::1/128")}, AllowHosts: []string{"hooks.corp.example"}}
	tests := []struct {
		host, addr, err string
	}{
		{"", "10.20.3.4", ""},
		{"", "::ffff:10.20.3.4", ""},
		{"", "10.21.0.1", "refused: 10.21.0.1 is a private address (outbound.allow can permit it)"},
		{"", "::1", ""},
		{"", "127.0.0.1", "refused: 127.0.0.1 is a loopback address (outbound.allow can permit it)"},
		{"hooks.corp.example", "127.0.0.1", ""},
		{"HOOKS.corp.example.", "169.254.169.254", ""},
		{"other.corp.example", "169.254.169.254", "refused: 169.254.169.254 is a cloud metadata address (outbound.allow can permit it)"},
		{"other.corp.example", "93.184.215.14", ""},
	}
	for _, tt := range tests {
		err := p.CheckAddr(tt.host, netip.MustParseAddr(tt.addr))
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || err.Error() != tt.err) {
			t.Errorf("CheckAddr(%q, %s) = %v; want %q", tt.host, tt.addr, err, tt.err)
		}
	}
}

func TestParseAllow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, prefix, host, err string
	}{
		{in: "10.20.0.0/16", prefix: "10.20.0.0/16"},
		{in: "127.0.0.0/8", prefix: "127.0.0.0/8"},
		{in: "::1/128", prefix: "::1/128"},
		{in: "::ffff:10.0.0.0/104", prefix: "10.0.0.0/8"},
		{in: "10.20.0.5", prefix: "10.20.0.5/32"},
		{in: "[::1]", prefix: "::1/128"},
		{in: "fd00:ec2::254", prefix: "fd00:ec2::254/128"},
		{in: "Hooks.Corp.Example.", host: "hooks.corp.example"},
		{in: "localhost", host: "localhost"},
		{in: "", err: "is empty (expected a CIDR such as 10.20.0.0/16, an address or a host name)"},
		{in: "10.20.1.0/16", err: `"10.20.1.0/16" has bits set past its prefix length (did you mean 10.20.0.0/16?)`},
		{in: "10.20.0.0/33", err: `"10.20.0.0/33" is not a CIDR (expected one such as 10.20.0.0/16)`},
		{in: "fe80::1%eth0", err: `"fe80::1%eth0": an address with a zone cannot be allowed`},
		{in: "2130706433", err: `"2130706433" is not a CIDR (10.20.0.0/16), an address or a host name`},
		{in: "hooks corp", err: `"hooks corp" is not a CIDR (10.20.0.0/16), an address or a host name`},
		{in: "-bad.example", err: `"-bad.example" is not a CIDR (10.20.0.0/16), an address or a host name`},
		{in: "http://hooks.example", err: `"http://hooks.example" is not a CIDR (expected one such as 10.20.0.0/16)`},
	}
	for _, tt := range tests {
		p, h, err := ParseAllow(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseAllow(%q) error = %v; want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseAllow(%q): %v", tt.in, err)
			continue
		}
		gotPrefix := ""
		if p.IsValid() {
			gotPrefix = p.String()
		}
		if gotPrefix != tt.prefix || h != tt.host {
			t.Errorf("ParseAllow(%q) = %q, %q; want %q, %q", tt.in, gotPrefix, h, tt.prefix, tt.host)
		}
	}
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	var none Policy
	loop := Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	tests := []struct {
		p   Policy
		url string
		err string // "" accepted
	}{
		{none, "https://hooks.slack.com/services/T0/B0/XYZ", ""},
		{none, "https://93.184.215.14/hook", ""},
		{none, "https://[2606:4700::1111]/hook", ""},
		{none, "http://resolves-anywhere.example:8080/x", ""},
		{none, "http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is a cloud metadata address (outbound.allow can permit it)"},
		{none, "http://10.0.0.1/hook", "refused: 10.0.0.1 is a private address (outbound.allow can permit it)"},
		{none, "http://[fd00:ec2::254]/latest", "refused: fd00:ec2::254 is a cloud metadata address (outbound.allow can permit it)"},
		{none, "http://127.0.0.1:8080/", "refused: 127.0.0.1 is a loopback address (outbound.allow can permit it)"},
		{none, "http://[::1]:8080/", "refused: ::1 is a loopback address (outbound.allow can permit it)"},
		{none, "http://[::ffff:127.0.0.1]:8080/", "refused: 127.0.0.1 is a loopback address (outbound.allow can permit it)"},
		{none, "http://0.0.0.0:8080/", "refused: 0.0.0.0 is an unspecified address (outbound.allow can permit it)"},
		{none, "http://localhost:8080/", "refused: localhost is a loopback name (outbound.allow can permit it)"},
		{none, "http://LOCALHOST.:8080/", "refused: localhost is a loopback name (outbound.allow can permit it)"},
		{none, "http://app.localhost/", "refused: app.localhost is a loopback name (outbound.allow can permit it)"},
		{none, "http://2130706433/", "refused: 2130706433 is a numeric address in a form other than a dotted quad (outbound.allow can permit it)"},
		{none, "http://127.1/", "refused: 127.1 is a numeric address in a form other than a dotted quad (outbound.allow can permit it)"},
		{none, "http://0x7f.0.0.1/", "refused: 0x7f.0.0.1 is a numeric address in a form other than a dotted quad (outbound.allow can permit it)"},
		{none, "http://[fe80::1%25eth0]/", "refused: fe80::1 is a link-local address (outbound.allow can permit it)"},
		{none, "ftp://example.com/", "not an http or https URL"},
		{none, "http:///path", "the URL has no host"},
		{none, "http://exa mple.com/", "not a valid URL"},
		{loop, "http://127.0.0.1:8080/", ""},
		{loop, "http://localhost:8080/", ""},
		{loop, "http://10.0.0.1/", "refused: 10.0.0.1 is a private address (outbound.allow can permit it)"},
		{Policy{AllowHosts: []string{"localhost"}}, "http://localhost:1/", ""},
	}
	for _, tt := range tests {
		err := tt.p.CheckURL(tt.url)
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || err.Error() != tt.err) {
			t.Errorf("CheckURL(%q) = %v; want %q", tt.url, err, tt.err)
		}
	}
}

// FuzzCheckURL: CheckURL never panics, never echoes a URL's path or query
// (they hold tokens), and never accepts a URL whose literal host is an
// address Blocked refuses.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:80/x", "https://[fd00:ec2::254]/", "http://0x7f.1/", "http://localhost./",
		"https://hooks.slack.com/services/T/B/secret", "http://[::ffff:169.254.169.254]/", "http://%31%32%37.0.0.1/", "http://[fe80::1%25en0]:1/", "http://10.0.0.1/tok3n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		err := Policy{}.CheckURL(raw)
		if err != nil && strings.Contains(raw, "/tok3n") && strings.Contains(err.Error(), "tok3n") {
			t.Fatalf("error %q echoes the path", err)
		}
		if err != nil {
			return
		}
		h := hostOf(raw)
		if ip, perr := netip.ParseAddr(h); perr == nil {
			if _, bad := Blocked(ip); bad {
				t.Fatalf("CheckURL accepted %q (host %s)", raw, ip)
			}
		}
	})
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
