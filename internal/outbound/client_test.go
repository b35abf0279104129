package outbound_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/outbound"
)

// receiver is a loopback HTTP server that counts what reaches it.
type receiver struct {
	*httptest.Server
	hits atomic.Int32
}

func newReceiver(t *testing.T, h http.HandlerFunc) *receiver {
	t.Helper()
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		if h != nil {
			h(w, req)
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) port() string {
	_, p, _ := net.SplitHostPort(r.Listener.Addr().String())
	return p
}

// names maps host names to addresses, as a DNS server would.
type names map[string][]netip.Addr

func (n names) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := n[strings.ToLower(strings.TrimSuffix(host, "."))]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

var (
	lo4      = netip.MustParseAddr("127.0.0.1")
	loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
)

func get(t *testing.T, c *http.Client, url string) (*http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

// TestClientRefusesLoopback: with no allow-list, every way of writing the
// loopback receiver's address is refused by the dialer — the receiver
// counts nothing — and the error says why; allow-listed, the same
// receiver is reached.
func TestClientRefusesLoopback(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	port := rcv.port()
	res := names{"receiver.test": {lo4}, "rebound.test": {lo4}}
	c := outbound.Client(outbound.Policy{Resolver: res})
	tests := []struct{ url, want string }{
		{"http://127.0.0.1:" + port + "/hook", "refused: 127.0.0.1 is a loopback address (outbound.allow can permit it)"},
		{"http://localhost:" + port + "/hook", "refused: 127.0.0.1 is a loopback address (outbound.allow can permit it)"},
		{"http://receiver.test:" + port + "/hook", "refused: 127.0.0.1 is a loopback address (outbound.allow can permit it)"},
		{"http://[::1]:" + port + "/hook", "refused: ::1 is a loopback address (outbound.allow can permit it)"},
		{"http://0.0.0.0:" + port + "/hook", "refused: 0.0.0.0 is an unspecified address (outbound.allow can permit it)"},
		{"http://[::ffff:127.0.0.1]:" + port + "/hook", "refused: 127.0.0.1 is a loopback address (outbound.allow can permit it)"},
		{"http://2130706433:" + port + "/hook", "refused: 2130706433 is a numeric address in a form other than a dotted quad (outbound.allow can permit it)"},
	}
	for _, tt := range tests {
		_, err := get(t, c, tt.url)
		var refused *outbound.RefusedError
		if !errors.As(err, &refused) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("GET %s: %v; want a refusal containing %q", tt.url, err, tt.want)
		}
	}
	// Each request above came back with its refusal before any
	// connection was made: nothing can still be on its way.
	if n := rcv.hits.Load(); n != 0 {
		t.Fatalf("the receiver got %d requests", n)
	}

	allowed := outbound.Client(outbound.Policy{Allow: loopback, Resolver: res})
	for _, u := range []string{"http://127.0.0.1:" + port + "/", "http://receiver.test:" + port + "/"} {
		resp, err := get(t, allowed, u)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("allow-listed GET %s: %v", u, err)
		}
	}
	if n := rcv.hits.Load(); n != 2 {
		t.Fatalf("the allow-listed receiver got %d requests, want 2", n)
	}

	// A host name on the allow-list is reached whatever it resolves to.
	byName := outbound.Client(outbound.Policy{AllowHosts: []string{"receiver.test"}, Resolver: res})
	if _, err := get(t, byName, "http://receiver.test:"+port+"/"); err != nil {
		t.Fatalf("allow-listed name: %v", err)
	}
	if _, err := get(t, byName, "http://rebound.test:"+port+"/"); err == nil {
		t.Fatal("a name not on the list, resolving to loopback, was reached")
	}
	if n := rcv.hits.Load(); n != 3 {
		t.Fatalf("the receiver got %d requests, want 3", n)
	}
}

// TestClientDialsTheCheckedAddress: a name with one refused and one
// allowed address is connected to the allowed one only.
func TestClientDialsTheCheckedAddress(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	other := netip.MustParseAddr("127.0.0.2")
	// Allow only 127.0.0.1: the name also resolves to 127.0.0.2 (refused)
	// and 10.0.0.1 (refused, never dialled).
	p := outbound.Policy{Allow: []netip.Prefix{netip.PrefixFrom(lo4, 32)},
		Resolver: names{"mixed.test": {netip.MustParseAddr("10.0.0.1"), other, lo4}}}
	if _, err := get(t, outbound.Client(p), "http://mixed.test:"+rcv.port()+"/"); err != nil {
		t.Fatal(err)
	}
	if rcv.hits.Load() != 1 {
		t.Fatal("not reached")
	}
}

// TestClientRedirects: a redirect from an allowed receiver to a refused
// address is not followed, whether the address is written in the
// Location (refused before the request) or behind a name (refused when
// dialled); the second receiver gets nothing.
func TestClientRedirects(t *testing.T) {
	t.Parallel()
	inner := newReceiver(t, nil)
	var target atomic.Value
	outer := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.Load().(string), http.StatusFound)
	})
	p := outbound.Policy{AllowHosts: []string{"outer.test"}, Resolver: names{"outer.test": {lo4}, "inner.test": {lo4}}}
	c := outbound.Client(p)
	for _, loc := range []string{
		"http://127.0.0.1:" + inner.port() + "/",
		"http://inner.test:" + inner.port() + "/",
		"http://169.254.169.254/latest/meta-data/",
	} {
		target.Store(loc)
		_, err := get(t, c, "http://outer.test:"+outer.port()+"/start")
		var refused *outbound.RefusedError
		if !errors.As(err, &refused) {
			t.Errorf("redirect to %s: %v; want a refusal", loc, err)
		}
	}
	if outer.hits.Load() != 3 || inner.hits.Load() != 0 {
		t.Fatalf("outer %d, inner %d requests; want 3 and 0", outer.hits.Load(), inner.hits.Load())
	}
	// Allowed both ways, the redirect is followed.
	target.Store("http://inner.test:" + inner.port() + "/")
	p.AllowHosts = append(p.AllowHosts, "inner.test")
	if resp, err := get(t, outbound.Client(p), "http://outer.test:"+outer.port()+"/start"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("allowed redirect: %v", err)
	}
	if inner.hits.Load() != 1 {
		t.Fatalf("inner got %d requests after an allowed redirect", inner.hits.Load())
	}
}

// TestClientIgnoresProxyEnvironment: HTTP_PROXY would make a proxy
// connect on our behalf, out of the dialer's sight; it is not used.
func TestClientIgnoresProxyEnvironment(t *testing.T) {
	proxy := newReceiver(t, nil)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)
	rcv := newReceiver(t, nil)
	p := outbound.Policy{AllowHosts: []string{"direct.test"}, Resolver: names{"direct.test": {lo4}}}
	if _, err := get(t, outbound.Client(p), "http://direct.test:"+rcv.port()+"/"); err != nil {
		t.Fatal(err)
	}
	if rcv.hits.Load() != 1 || proxy.hits.Load() != 0 {
		t.Fatalf("receiver %d, proxy %d requests; want 1 and 0", rcv.hits.Load(), proxy.hits.Load())
	}
}

// TestExporterClient: the client for the operator's own collector reaches
// that collector's host, on loopback or a private address, and refuses
// everything else as any guarded client does: another internal host, a
// redirect away from the collector.
func TestExporterClient(t *testing.T) {
	t.Parallel()
	other := newReceiver(t, nil)
	collector := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/away" {
			http.Redirect(w, r, "http://other.test:"+other.port()+"/", http.StatusFound)
		}
	})
	for _, tc := range []struct {
		endpoint, host string
		res            names
	}{
		// Allowed by name: the same address reached by another name is not.
		{"http://collector.test:" + collector.port(), "collector.test", names{"collector.test": {lo4}, "other.test": {lo4}}},
		// Allowed by address: that address only.
		{"http://127.0.0.1:" + collector.port(), "127.0.0.1", names{"other.test": {netip.MustParseAddr("127.0.0.2")}}},
	} {
		c, err := outbound.ExporterClient(outbound.Policy{Resolver: tc.res}, tc.endpoint)
		if err != nil {
			t.Fatal(err)
		}
		if resp, err := get(t, c, tc.endpoint+"/v1/traces"); err != nil || resp.StatusCode != 200 {
			t.Errorf("%s: the collector was not reached: %v", tc.endpoint, err)
		}
		var refused *outbound.RefusedError
		if _, err := get(t, c, "http://other.test:"+other.port()+"/"); !errors.As(err, &refused) {
			t.Errorf("%s: another loopback host: %v; want a refusal", tc.endpoint, err)
		}
		if tc.host == "collector.test" {
			if _, err := get(t, c, tc.endpoint+"/away"); !errors.As(err, &refused) {
				t.Errorf("%s: a redirect to another internal host: %v; want a refusal", tc.endpoint, err)
			}
		}
	}
	if other.hits.Load() != 0 {
		t.Fatalf("the other receiver was reached %d times", other.hits.Load())
	}
	if _, err := outbound.ExporterClient(outbound.Policy{}, "not a url"); err == nil {
		t.Fatal("an endpoint without a host was accepted")
	}
}
