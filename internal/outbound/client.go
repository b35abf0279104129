package outbound

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/firebreak-ir/firebreak/internal/telemetry"
)

// MaxRedirects is how many redirects a Client follows; each is checked.
const MaxRedirects = 3

// Client returns an HTTP client whose every connection goes through the
// policy's check: the dialer resolves the host itself, refuses each
// address the policy does not allow, and connects only to a checked
// address (checked once more, as a number, by the socket's Control hook).
// It uses no proxy. Redirects are followed up to MaxRedirects, each target
// checked by CheckURL before it is requested and by the dialer when it is
// connected to. Each request carries its trace (traceparent) and is a
// client span when traced. Set no Timeout on it; bound each request by its context.
func Client(p Policy) *http.Client {
	return &http.Client{Transport: telemetry.Transport(Transport(p)), CheckRedirect: p.CheckRedirect}
}

// ExporterClient is the guarded client for sending to a receiver the
// operator configured (the OTLP collector at endpoint): p with endpoint's
// host allowed, since collectors usually sit on loopback or the private
// network, and everything else — a redirect elsewhere, a proxy from the
// environment — refused as for any other request. Its requests are not
// traced: the exporter's own requests would make spans to export.
func ExporterClient(p Policy, endpoint string) (*http.Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("%q is not a URL with a host", endpoint)
	}
	prefix, host, err := ParseAllow(u.Hostname())
	if err != nil {
		return nil, fmt.Errorf("endpoint host: %w", err)
	}
	if host != "" {
		p.AllowHosts = append(slices.Clone(p.AllowHosts), host)
	} else {
		p.Allow = append(slices.Clone(p.Allow), prefix)
	}
	return &http.Client{Transport: Transport(p), CheckRedirect: p.CheckRedirect}, nil
}

// Transport is the guarded transport under Client, for a client that
// needs its own redirect rule.
func Transport(p Policy) *http.Transport {
	return &http.Transport{
		Proxy:             nil, // never the environment's: it would connect out of our sight
		DialContext:       p.DialContext,
		ForceAttemptHTTP2: true,
		MaxIdleConns:      100,
		// Pages in a storm go to one receiver many at a time (the engine
		// runs up to 128 jobs): with net/http's default of 2 idle per
		// host, or the 4 here before, every wave after the first dialled
		// again (and shook hands again): 13% of the CPU in the paging bench at
		// 1,000 alerts/s. Idle ones still close after IdleConnTimeout.
		MaxIdleConnsPerHost:    32,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
}

// CheckRedirect is the Client's redirect rule: at most MaxRedirects, each
// to a URL that CheckURL accepts.
func (p Policy) CheckRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects {
		return fmt.Errorf("stopped after %d redirects", MaxRedirects)
	}
	return p.CheckURL(req.URL.String())
}

// DialContext connects to addr ("host:port") if the policy allows the
// address it connects to. A name is resolved here and each of its
// addresses checked; the first allowed one that answers is used. When
// every address is refused, the error is a *RefusedError.
func (p Policy) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		if numericHost(normalHost(host)) && !p.AllowsHost(host) {
			return nil, &RefusedError{Addr: host, Reason: "a numeric address in a form other than a dotted quad"}
		}
		if localhostName(normalHost(host)) {
			// RFC 6761: localhost names are loopback, whatever DNS says.
			ips = []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()}
		} else if ips, err = p.resolver().LookupNetIP(ctx, "ip", host); err != nil {
			return nil, err
		}
	}
	var refused, last error
	for _, ip := range ips {
		if err := p.CheckAddr(host, ip); err != nil {
			refused = cmpOr(refused, err)
			continue
		}
		d := net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: p.control(host)}
		c, err := d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return c, nil
		}
		last = err
		if ctx.Err() != nil {
			break
		}
	}
	switch {
	case last != nil:
		return nil, last
	case refused != nil:
		return nil, refused
	}
	return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
}

// control checks the numeric address the socket is about to connect to,
// whatever path led there.
func (p Policy) control(host string) func(network, address string, c syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("outbound: unexpected dial address %q", address)
		}
		return p.CheckAddr(host, ap.Addr())
	}
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// CheckURL refuses, before anything is sent, a URL the Client would
// refuse for what is written in it: a scheme other than http and https, a
// literal address the policy does not allow (10.0.0.1, 169.254.169.254,
// [fd00:ec2::254]), an address in another numeric form ("2130706433"), and
// localhost names, unless allowed. A host name that resolves to a refused
// address passes here; the Client refuses it when it connects. The error
// is a *RefusedError for a refused destination, and never holds the URL.
func (p Policy) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("not an http or https URL")
	}
	host := u.Hostname()
	if host == "" {
		return errors.New("the URL has no host")
	}
	if p.AllowsHost(host) {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return p.CheckAddr("", ip)
	}
	h := normalHost(host)
	if numericHost(h) {
		return &RefusedError{Addr: host, Reason: "a numeric address in a form other than a dotted quad"}
	}
	if localhostName(h) {
		if p.CheckAddr("", netip.IPv6Loopback()) == nil || p.CheckAddr("", netip.AddrFrom4([4]byte{127, 0, 0, 1})) == nil {
			return nil
		}
		return &RefusedError{Addr: h, Reason: "a loopback name"}
	}
	return nil
}

// localhostName reports whether h (normalised) is localhost or below it.
func localhostName(h string) bool {
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}
