package deliverylimit

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbound"
)

// clock is a test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func mustAcquire(t *testing.T, l *Limiter, dest string) *Ticket {
	t.Helper()
	tk, err := l.Acquire(dest)
	if err != nil {
		t.Fatalf("Acquire(%s): %v", dest, err)
	}
	return tk
}

func busy(t *testing.T, l *Limiter, dest, reason string) time.Duration {
	t.Helper()
	tk, err := l.Acquire(dest)
	var b *BusyError
	if !errors.As(err, &b) {
		if tk != nil {
			tk.Done(Abandoned)
		}
		t.Fatalf("Acquire(%s) = %v, want refused (%s)", dest, err, reason)
	}
	if b.Reason != reason {
		t.Fatalf("Acquire(%s) refused for %s, want %s", dest, b.Reason, reason)
	}
	if d, ok := Busy(err); !ok || d != b.RetryIn || d <= 0 {
		t.Fatalf("Busy(%v) = %s, %v", err, d, ok)
	}
	return b.RetryIn
}

// TestBreakerOpensAndTrials: K failures in a row open the breaker, which
// refuses every delivery for the cool-down, then lets exactly one trial
// through; a failed trial opens it again, a good one closes it.
func TestBreakerOpensAndTrials(t *testing.T) {
	c := newClock()
	reg := prometheus.NewRegistry()
	l := New(Options{FailureThreshold: 3, CoolDown: 30 * time.Second, Now: c.Now, Registry: reg})
	const dest = "https://hooks.example:443"
	gauge := func() float64 {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				if mf.GetName() == "firebreak_delivery_breaker_state" && m.GetLabel()[0].GetValue() == dest {
					return m.GetGauge().GetValue()
				}
			}
		}
		return -1
	}

	// A success between failures resets the count.
	mustAcquire(t, l, dest).Done(Failed)
	mustAcquire(t, l, dest).Done(Failed)
	mustAcquire(t, l, dest).Done(Succeeded)
	mustAcquire(t, l, dest).Done(Failed)
	mustAcquire(t, l, dest).Done(Failed)
	if s := l.State(dest); s != Closed {
		t.Fatalf("after 2 failures in a row: %s, want closed", s)
	}
	mustAcquire(t, l, dest).Done(Failed)
	if s := l.State(dest); s != Open || gauge() != 2 {
		t.Fatalf("after 3 failures in a row: %s (metric %v), want open (2)", s, gauge())
	}
	if in := busy(t, l, dest, "breaker_open"); in != 30*time.Second {
		t.Fatalf("open breaker: retry in %s, want the cool-down 30s", in)
	}
	// Other destinations are not affected.
	mustAcquire(t, l, "https://other.example:443").Done(Succeeded)

	c.Add(29 * time.Second)
	if in := busy(t, l, dest, "breaker_open"); in != time.Second {
		t.Fatalf("1 s before the end of the cool-down: retry in %s", in)
	}
	c.Add(time.Second)
	if s := l.State(dest); s != HalfOpen {
		t.Fatalf("after the cool-down: %s, want half-open", s)
	}
	trial := mustAcquire(t, l, dest)
	busy(t, l, dest, "breaker_open") // one trial at a time
	trial.Done(Failed)
	if s := l.State(dest); s != Open || gauge() != 2 {
		t.Fatalf("after a failed trial: %s, want open", s)
	}
	if in := busy(t, l, dest, "breaker_open"); in != 30*time.Second {
		t.Fatalf("reopened: retry in %s, want 30s", in)
	}

	c.Add(30 * time.Second)
	trial = mustAcquire(t, l, dest)
	if gauge() != 1 {
		t.Fatalf("trial in flight: metric %v, want 1 (half-open)", gauge())
	}
	trial.Done(Succeeded)
	trial.Done(Failed) // a second Done does nothing
	if s := l.State(dest); s != Closed || gauge() != 0 {
		t.Fatalf("after a good trial: %s (metric %v), want closed", s, gauge())
	}
	// Closed again: it takes K new failures to open.
	mustAcquire(t, l, dest).Done(Failed)
	mustAcquire(t, l, dest).Done(Failed)
	mustAcquire(t, l, dest).Done(Abandoned)
	if s := l.State(dest); s != Closed {
		t.Fatalf("2 failures and an abandoned delivery: %s, want closed", s)
	}
	// A trial abandoned (our shutdown) leaves the breaker half-open for the next.
	mustAcquire(t, l, dest).Done(Failed)
	c.Add(30 * time.Second)
	mustAcquire(t, l, dest).Done(Abandoned)
	if s := l.State(dest); s != HalfOpen {
		t.Fatalf("after an abandoned trial: %s, want half-open", s)
	}
	mustAcquire(t, l, dest).Done(Succeeded)
}

// TestSlots: a destination has at most PerDestination deliveries in
// flight, all deliveries together at most Workers less a quarter kept
// in reserve, and a slot is free again once its delivery is done.
func TestSlots(t *testing.T) {
	l := New(Options{Workers: 8, PerDestination: 4})
	if per, total := l.Limits(); per != 2 || total != 6 {
		t.Fatalf("Limits = %d, %d; want 2 per destination (a quarter of 8), 6 in all", per, total)
	}
	a1, a2 := mustAcquire(t, l, "a"), mustAcquire(t, l, "a")
	if in := busy(t, l, "a", "saturated"); in < 500*time.Millisecond || in > 1500*time.Millisecond {
		t.Fatalf("saturated: retry in %s, want 1 s ±50%%", in)
	}
	b1, b2 := mustAcquire(t, l, "b"), mustAcquire(t, l, "b")
	c1, c2 := mustAcquire(t, l, "c"), mustAcquire(t, l, "c")
	busy(t, l, "d", "reserve")
	a1.Done(Succeeded)
	mustAcquire(t, l, "d").Done(Succeeded)
	for _, tk := range []*Ticket{a2, b1, b2, c1, c2} {
		tk.Done(Succeeded)
	}
	if len(l.dests) != 0 {
		t.Fatalf("%d destinations remembered with nothing to remember", len(l.dests))
	}
	if per, total := New(Options{}).Limits(); per != DefaultPerDestination || total != 24 {
		t.Fatalf("default Limits = %d, %d; want 4, 24", per, total)
	}
	if per, total := New(Options{Workers: 1}).Limits(); per != 1 || total != 1 {
		t.Fatalf("Limits of one worker = %d, %d; want 1, 1", per, total)
	}
}

func TestDestination(t *testing.T) {
	for _, tc := range []struct {
		target notify.Target
		want   string
	}{
		{notify.Target{Kind: notify.KindWebhook, Address: "https://Hooks.Example/x/SECRETTOKEN"}, "https://hooks.example:443"},
		{notify.Target{Kind: notify.KindWebhook, Address: "https://hooks.example:443/y"}, "https://hooks.example:443"},
		{notify.Target{Kind: notify.KindWebhook, Address: "http://127.0.0.1:8080/y?token=abc"}, "http://127.0.0.1:8080"},
		{notify.Target{Kind: notify.KindWebhook, Address: "http://[::1]/"}, "http://[::1]:80"},
		{notify.Target{Kind: notify.KindSlack, Address: "https://hooks.slack.com/services/T/B/X"}, "https://hooks.slack.com:443"},
		{notify.Target{Kind: notify.KindSlack, Secret: "xoxb-1", Channel: "#ops"}, "slack:api"},
		{notify.Target{Kind: notify.KindEmail, Address: "Ann@Example.COM"}, "smtp:example.com"},
		{notify.Target{Kind: notify.KindWebhook, Address: "::bad"}, "webhook:invalid"},
	} {
		if got := Destination(tc.target); got != tc.want {
			t.Errorf("Destination(%s) = %q, want %q", tc.target.Address, got, tc.want)
		}
		if strings.Contains(Destination(tc.target), "SECRET") || strings.Contains(Destination(tc.target), "token") {
			t.Errorf("Destination(%s) shows the token", tc.target.Address)
		}
	}
}

// fakeChannel answers with err after release is closed.
type fakeChannel struct {
	err     error
	calls   int
	mu      sync.Mutex
	release chan struct{}
}

func (f *fakeChannel) Notify(ctx context.Context, t notify.Target, m notify.Message) (notify.Result, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	if f.release != nil {
		<-f.release
	}
	return notify.Result{Channel: t.Kind}, f.err
}

// TestWrap: the wrapped notifier refuses at once, without sending, a
// delivery to a destination whose slots are taken or whose breaker is
// open, and counts 4xx answers as a live receiver.
func TestWrap(t *testing.T) {
	c := newClock()
	l := New(Options{Workers: 32, PerDestination: 1, FailureThreshold: 2, Now: c.Now})
	target := notify.Target{Kind: notify.KindWebhook, Address: "http://127.0.0.1:9/hook"}
	dest := Destination(target)

	hang := &fakeChannel{release: make(chan struct{})}
	n := l.Wrap(hang)
	done := make(chan error)
	go func() {
		_, err := n.Notify(context.Background(), target, notify.Message{})
		done <- err
	}()
	for l.inFlightTo(dest) != 1 {
		time.Sleep(time.Millisecond)
	}
	if _, err := n.Notify(context.Background(), target, notify.Message{}); err == nil {
		t.Fatal("a second delivery to a saturated destination was let through")
	} else if _, ok := Busy(err); !ok || notify.Retryable(err) {
		t.Fatalf("refusal = %v; want a BusyError, not a retryable delivery failure", err)
	}
	hang.mu.Lock()
	calls := hang.calls
	hang.mu.Unlock()
	if calls != 1 {
		t.Fatalf("the channel was called %d times, want 1", calls)
	}
	close(hang.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// The HTTP channels' errors: a 503 and a time-out are failures of the
	// receiver, a 410 is an answer.
	for _, tc := range []struct {
		status int
		want   State
	}{{410, Closed}, {503, Closed}, {0, Open}} {
		_, wantErr := realError(t, tc.status)
		_, err := l.Wrap(&fakeChannel{err: wantErr}).Notify(context.Background(), target, notify.Message{})
		if !errors.Is(err, wantErr) {
			t.Fatalf("error %v not passed through", err)
		}
		if s := l.State(dest); s != tc.want {
			t.Fatalf("after a %d: %s, want %s", tc.status, s, tc.want)
		}
	}
	if _, err := n.Notify(context.Background(), target, notify.Message{}); err == nil || !strings.Contains(err.Error(), "circuit breaker open") {
		t.Fatalf("open breaker: %v", err)
	}
}

// realError gets the *notify.Error a webhook channel returns for an
// answer with status (0: a refused connection).
func realError(t *testing.T, status int) (notify.Result, error) {
	t.Helper()
	srv := newStatusServer(t, status)
	w := &notify.Webhook{HTTPConfig: notify.NewHTTPConfig(loopbackPolicy(), "test"), Now: time.Now}
	res, err := w.Notify(context.Background(), notify.Target{Kind: notify.KindWebhook, Address: srv + "/hook", Secret: strings.Repeat("k", 32)}, notify.Message{ID: "m1", Title: "t"})
	if err == nil {
		t.Fatalf("status %d: no error", status)
	}
	return res, err
}

func (l *Limiter) inFlightTo(dest string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if d := l.dests[dest]; d != nil {
		return d.inFlight
	}
	return 0
}

func loopbackPolicy() outbound.Policy {
	return outbound.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
}

// newStatusServer is a loopback receiver answering status, or, for 0, the
// address of a closed port.
func newStatusServer(t *testing.T, status int) string {
	t.Helper()
	if status == 0 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return "http://" + addr
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
