package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// TrustedProxies are the reverse proxies allowed to say who the client is
// and whether it came over HTTPS (X-Forwarded-For, X-Forwarded-Proto).
// From any other peer those headers are a client's say-so and are ignored.
type TrustedProxies []netip.Prefix

// ParseTrustedProxies reads a comma-separated list of CIDR prefixes or
// single addresses (10.0.0.0/8, 192.0.2.7, ::1).
func ParseTrustedProxies(s string) (TrustedProxies, error) {
	var out TrustedProxies
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or a CIDR prefix such as 10.0.0.0/8", f)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("%q is not an address or a CIDR prefix such as 10.0.0.0/8", f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Contains reports whether a is one of the proxies.
func (t TrustedProxies) Contains(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

type forwardedKey struct{}

// TrustForwarded wraps the whole site. When the immediate peer is a
// trusted proxy, the client's address (the nearest untrusted hop of
// X-Forwarded-For) becomes the request's RemoteAddr — the address rate
// limits count — and X-Forwarded-Proto says whether it came over HTTPS.
// From any other peer both are ignored. Either way the X-Forwarded-*
// headers are removed, so nothing further in reads a client's say-so by
// mistake. The Host header is never trusted: absolute URLs come from the
// public URL.
func TrustForwarded(next http.Handler, trusted TrustedProxies) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header
		xff, proto := h.Values("X-Forwarded-For"), h.Values("X-Forwarded-Proto")
		if len(xff) == 0 && len(proto) == 0 && h.Get("X-Forwarded-Host") == "" && h.Get("Forwarded") == "" {
			next.ServeHTTP(w, r)
			return
		}
		r2 := r.Clone(r.Context())
		for _, k := range []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port", "Forwarded"} {
			r2.Header.Del(k)
		}
		peer, ok := remoteAddr(r.RemoteAddr)
		if ok && trusted.Contains(peer) {
			if c := forwardedClient(peer, xff, trusted); c != peer {
				r2.RemoteAddr = net.JoinHostPort(c.String(), "0")
			}
			if forwardedHTTPS(proto) {
				r2 = r2.WithContext(context.WithValue(r2.Context(), forwardedKey{}, true))
			}
		}
		next.ServeHTTP(w, r2)
	})
}

// remoteAddr is the address of a RemoteAddr (host:port).
func remoteAddr(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(s)
	return a.Unmap(), err == nil
}

// forwardedClient walks X-Forwarded-For from the nearest hop back while
// the hops are trusted proxies, and returns the first that is not: the
// client as the outermost trusted proxy saw it. Anything before it was
// written by the client and is not believed. A hop that does not parse
// ends the walk at the last good one.
func forwardedClient(peer netip.Addr, values []string, trusted TrustedProxies) netip.Addr {
	var hops []string
	for _, v := range values {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := hopAddr(strings.TrimSpace(hops[i]))
		if !ok {
			break
		}
		client = a
		if !trusted.Contains(a) {
			break
		}
	}
	return client
}

// hopAddr reads one X-Forwarded-For entry: an address, with or without a
// port ("192.0.2.1", "192.0.2.1:4711", "[2001:db8::1]:4711").
func hopAddr(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Zone() == "" {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// forwardedHTTPS reads X-Forwarded-Proto: the value the nearest proxy
// wrote (the last one) says whether the request came over HTTPS.
func forwardedHTTPS(values []string) bool {
	if len(values) == 0 {
		return false
	}
	parts := strings.Split(values[len(values)-1], ",")
	return strings.EqualFold(strings.TrimSpace(parts[len(parts)-1]), "https")
}

// overHTTPS reports whether the request came over HTTPS: to us directly,
// or to a trusted proxy in front of us.
func overHTTPS(r *http.Request) bool {
	on, _ := r.Context().Value(forwardedKey{}).(bool)
	return r.TLS != nil || on
}
