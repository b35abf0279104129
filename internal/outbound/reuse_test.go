package outbound_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/outbound"
)

// TestClientKeepsConnectionsForConcurrentSends: pages sent to one
// receiver many at a time (an alert storm) go over the connections the
// first wave opened, not a new connection (and TLS handshake) per page
// because all but a few were closed after each wave.
func TestClientKeepsConnectionsForConcurrentSends(t *testing.T) {
	t.Parallel()
	const wave, waves = 16, 5
	var conns atomic.Int32
	var (
		mu      sync.Mutex
		release chan struct{} // closed when the wave may be answered
		arrived sync.WaitGroup
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gate := release
		mu.Unlock()
		arrived.Done()
		<-gate // hold every request of a wave open at once
		w.Write([]byte("ok"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := outbound.Client(outbound.Policy{Allow: []netip.Prefix{netip.PrefixFrom(lo4, 32)}})
	for range waves {
		mu.Lock()
		release = make(chan struct{})
		gate := release
		mu.Unlock()
		arrived.Add(wave)
		var done sync.WaitGroup
		for range wave {
			done.Go(func() {
				if _, err := get(t, c, srv.URL); err != nil {
					t.Error(err)
				}
			})
		}
		arrived.Wait()
		close(gate)
		done.Wait()
	}
	if n := conns.Load(); n > wave {
		t.Errorf("%d waves of %d concurrent requests opened %d connections, want at most %d", waves, wave, n, wave)
	}
}
