// Package outbound is the one way Firebreak makes an HTTP request to an
// address someone typed in: a webhook contact, a Slack or Teams URL, an
// update subscription, anything later.
//
// Such a URL is chosen by a user, so without a guard any viewer could make
// the server call its own loopback ports, the private network behind it or
// the cloud metadata service, and read what they answer. The Client's
// dialer refuses those addresses. It checks the address it actually
// connects to — after DNS, for every connection, so for every redirect —
// which covers a name that resolves to 127.0.0.1 and DNS rebinding, not
// only literal addresses. CheckURL refuses what can be refused before
// anything is sent (a literal 10.0.0.1 or 169.254.169.254, localhost), so
// a bad address is rejected when it is entered.
//
// Refused unless the Policy allows them: loopback, unspecified and "this
// network" (0.0.0.0/8), private (RFC 1918) and unique-local (fc00::/7),
// shared CGNAT space (100.64.0.0/10), link-local, multicast, broadcast and
// reserved ranges, cloud metadata addresses (169.254.169.254,
// fd00:ec2::254, 100.100.100.200, 168.63.129.16), and IPv6 forms that
// carry one of those (IPv4-mapped, NAT64, 6to4). An administrator allows a
// private receiver by CIDR or by host name (policy file: outbound.allow).
//
// Requests never go through a proxy from the environment: a proxy would
// connect on our behalf, out of the dialer's sight.
package outbound

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
)

// Policy says which otherwise refused destinations may be reached.
type Policy struct {
	// Allow lists networks that may be reached even though they are
	// private, loopback or otherwise refused (outbound.allow CIDRs).
	Allow []netip.Prefix
	// AllowHosts lists host names that may be reached whatever they
	// resolve to (outbound.allow names), lower case without a final dot.
	AllowHosts []string
	// Resolver looks host names up; net.DefaultResolver when nil. Tests
	// map names to addresses with it.
	Resolver Resolver
}

// Resolver is what the dialer needs of DNS; *net.Resolver implements it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// RefusedError is a destination the policy does not allow. Its text names
// the address and why, never the URL (which may hold a token).
type RefusedError struct {
	Addr   string // the address or name refused
	Reason string // "a loopback address"
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refused: %s is %s (outbound.allow can permit it)", e.Addr, e.Reason)
}

// AllowsHost reports whether host is on the host allow-list.
func (p Policy) AllowsHost(host string) bool {
	h := normalHost(host)
	return h != "" && slices.Contains(p.AllowHosts, h)
}

// CheckAddr refuses ip unless it is a public address, is in an allowed
// network, or host (the name it was reached by; "" for none) is allowed.
func (p Policy) CheckAddr(host string, ip netip.Addr) error {
	if p.AllowsHost(host) {
		return nil
	}
	ip = ip.WithZone("").Unmap()
	for _, n := range p.Allow {
		if n.Contains(ip) {
			return nil
		}
	}
	if reason, bad := Blocked(ip); bad {
		return &RefusedError{Addr: ip.String(), Reason: reason}
	}
	return nil
}

func (p Policy) resolver() Resolver {
	if p.Resolver != nil {
		return p.Resolver
	}
	return net.DefaultResolver
}

// normalHost lower-cases a host name and drops one final dot.
func normalHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// ParseAllow reads one outbound.allow entry: a CIDR ("10.20.0.0/16"), a
// single address ("10.20.0.5", "::1") or a host name
// ("hooks.internal.example.com"). A CIDR must not have host bits set.
func ParseAllow(s string) (netip.Prefix, string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return netip.Prefix{}, "", fmt.Errorf("is empty (expected a CIDR such as 10.20.0.0/16, an address or a host name)")
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil || p.Addr().Zone() != "" {
			return netip.Prefix{}, "", fmt.Errorf("%q is not a CIDR (expected one such as 10.20.0.0/16)", s)
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		if p.Masked() != p {
			return netip.Prefix{}, "", fmt.Errorf("%q has bits set past its prefix length (did you mean %s?)", s, p.Masked())
		}
		return p, "", nil
	}
	if ip, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		if ip.Zone() != "" {
			return netip.Prefix{}, "", fmt.Errorf("%q: an address with a zone cannot be allowed", s)
		}
		ip = ip.Unmap()
		return netip.PrefixFrom(ip, ip.BitLen()), "", nil
	}
	h := normalHost(s)
	if !validHostName(h) || numericHost(h) {
		return netip.Prefix{}, "", fmt.Errorf("%q is not a CIDR (10.20.0.0/16), an address or a host name", s)
	}
	return netip.Prefix{}, h, nil
}

// validHostName checks DNS name syntax: labels of 1–63 letters, digits,
// hyphens and underscores, not starting or ending with a hyphen, 253 bytes
// in all.
func validHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// numericHost reports whether every label of h is a number in the forms
// inet_aton accepts (decimal, 0-prefixed octal, 0x hexadecimal): "127.1",
// "2130706433", "0x7f.0.0.1". A system resolver turns those into
// addresses, so they are addresses, not names.
func numericHost(h string) bool {
	if h == "" {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		digits := label
		if x, ok := strings.CutPrefix(strings.ToLower(label), "0x"); ok {
			digits = x
			if digits == "" {
				continue // "0x" alone is 0 to inet_aton
			}
			if strings.Trim(digits, "0123456789abcdef") != "" {
				return false
			}
			continue
		}
		if digits == "" || strings.Trim(digits, "0123456789") != "" {
			return false
		}
	}
	return true
}

// LoopbackPolicy allows loopback (127.0.0.0/8 and ::1) and nothing else
// that is refused: the policy of tests with receivers on this host.
func LoopbackPolicy() Policy {
	return Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
}
