package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/firebreak-ir/firebreak/internal/deliverylimit"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/outbox"
	"github.com/firebreak-ir/firebreak/internal/store"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// receiver is a webhook endpoint on loopback that answers each request
// to a path with the next status of the path's script (200 once the
// script is used up).
type receiver struct {
	mu     sync.Mutex
	script map[string][]int
	got    []string // titles accepted
	srv    *httptest.Server
}

func newReceiver(t *testing.T, script map[string][]int) *receiver {
	r := &receiver{script: script}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var p notify.WebhookPayload
		if err := decodeJSON(req, &p); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		path := strings.TrimPrefix(req.URL.Path, "/")
		if s := r.script[path]; len(s) > 0 {
			code := s[0]
			r.script[path] = s[1:]
			if code != http.StatusOK {
				http.Error(w, "no", code)
				return
			}
		}
		r.got = append(r.got, p.Title)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) titles() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

func (r *receiver) target(path string) notify.Target {
	return notify.Target{Kind: notify.KindWebhook, Address: r.srv.URL + "/" + path, Secret: "0123456789abcdef-outbox"}
}

// world is a store, an engine on a fake clock, and an outbox over both.
type world struct {
	t      *testing.T
	ctx    context.Context
	db     *store.DB
	clock  *storetest.Clock
	engine *engine.Engine
	outbox *outbox.Outbox
	reg    *prometheus.Registry
}

func setup(t *testing.T, lim *deliverylimit.Limiter) *world {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	db, err := store.Open(context.Background(), storetest.SQLiteDSN(t), store.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w := &world{t: t, ctx: context.Background(), db: db, clock: clock, reg: prometheus.NewRegistry()}
	wh := &notify.Webhook{HTTPConfig: notify.HTTPConfig{Outbound: outbound.LoopbackPolicy(), Timeout: 20 * time.Second}, Now: clock.Now}
	w.outbox = outbox.New(outbox.Deps{Store: db, Notifier: notify.Mux{notify.KindWebhook: wh}, Limiter: lim, Now: clock.Now, Registry: w.reg})
	w.engine = engine.New(db, engine.Options{Now: clock.Now, Backoff: func(int) time.Duration { return time.Minute }})
	return w
}

// start registers the outbox on the engine (after the kinds).
func (w *world) start() { w.outbox.Register(w.engine) }

func (w *world) run() {
	w.t.Helper()
	if _, err := w.engine.RunDue(w.ctx); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) plan(ds ...outbox.Delivery) {
	w.t.Helper()
	if err := w.outbox.Write(w.ctx, outbox.Plan(w.clock.Now(), ds...)); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) delivery(id string) outbox.Delivery {
	w.t.Helper()
	d, err := w.db.OutboxDelivery(w.ctx, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return d
}

func (w *world) attempts(id string) []outbox.Attempt {
	w.t.Helper()
	as, err := w.db.OutboxAttempts(w.ctx, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return as
}

// jobGone says the delivery's job was settled (it deletes the job if not:
// call it last).
func (w *world) jobGone(id string) bool {
	return errs.CodeOf(w.db.Complete(w.ctx, id)) == errs.NotFound
}

// text renders the delivery's payload as the title.
var text = outbox.RendererFunc(func(_ context.Context, d outbox.Delivery) (outbox.Message, error) {
	return outbox.Text(notify.Message{ID: d.ID, Title: "about " + d.Subject.ID, Body: string(d.Payload)}), nil
})

func msg(id string, t notify.Target) outbox.Delivery {
	return outbox.Delivery{ID: id, Kind: "test_text", Subject: outbox.Subject{Kind: "thing", ID: id}, Target: t}
}

func TestRetryThenSuccess(t *testing.T) {
	t.Parallel()
	r := newReceiver(t, map[string][]int{"a": {503}})
	w := setup(t, nil)
	w.outbox.Handle("test_text", text)
	w.start()
	w.plan(msg("d1", r.target("a")))
	w.run()
	if d := w.delivery("d1"); d.State != outbox.Pending || d.Attempts != 1 || !strings.Contains(d.LastError, "503") {
		t.Fatalf("after a 503: %+v", d)
	}
	w.clock.Advance(time.Minute)
	w.run()
	d := w.delivery("d1")
	if d.State != outbox.Sent || d.Attempts != 2 || d.SentAt == nil || d.LastError != "" {
		t.Fatalf("after the retry: %+v", d)
	}
	as := w.attempts("d1")
	if len(as) != 2 || as[0].OK || as[0].StatusCode != 503 || !as[1].OK || as[1].StatusCode != 200 || as[1].N != 2 {
		t.Fatalf("attempts %+v", as)
	}
	if got := r.titles(); len(got) != 1 || got[0] != "about d1" {
		t.Fatalf("received %q", got)
	}
	if !w.jobGone("d1") {
		t.Fatal("the sent delivery's job is still there")
	}
	if n, m := counted(t, w.reg, "test_text", "retry"), counted(t, w.reg, "test_text", "sent"); n != 1 || m != 1 {
		t.Fatalf("counted %v retries and %v sent", n, m)
	}
}

// counted is firebreak_outbox_deliveries_total{kind,outcome}.
func counted(t *testing.T, reg *prometheus.Registry, kind, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "firebreak_outbox_deliveries_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["kind"] == kind && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func decodeJSON(r *http.Request, v any) error { return json.NewDecoder(r.Body).Decode(v) }

func TestPermanentFailureIsDeadWithItsKind(t *testing.T) {
	t.Parallel()
	r := newReceiver(t, map[string][]int{"a": {400}})
	w := setup(t, nil)
	w.outbox.Handle("test_text", text)
	w.start()
	w.plan(msg("d1", r.target("a")))
	w.run()
	d := w.delivery("d1")
	if d.State != outbox.Failed || d.Attempts != 1 || !strings.Contains(d.LastError, "400") {
		t.Fatalf("after a 400: %+v", d)
	}
	dead, _, err := w.db.ListDeadJobs(w.ctx, engine.Dead, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].ID != "d1" || dead[0].Kind != outbox.JobDeliver || !strings.HasPrefix(dead[0].LastError, "test_text: ") ||
		!strings.Contains(dead[0].LastError, "400") {
		t.Fatalf("dead jobs %+v", dead)
	}
	// Nothing more is sent: the job is dead, not pending.
	w.clock.Advance(time.Hour)
	w.run()
	if d := w.delivery("d1"); d.Attempts != 1 {
		t.Fatalf("a failed delivery was tried again: %+v", d)
	}
	// Retried by an administrator: the delivery is pending again and sent.
	if err := w.db.RetryDeadJob(w.ctx, "d1"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.engine.RunDue(w.ctx); err != nil {
		t.Fatal(err)
	}
	// The retried job is due at the store's clock.
	if d := w.delivery("d1"); d.State != outbox.Sent || d.Attempts != 2 {
		t.Fatalf("after retrying the dead job: %+v", d)
	}
}

func TestTheLastAttemptFailsTheDelivery(t *testing.T) {
	t.Parallel()
	r := newReceiver(t, map[string][]int{"a": {503, 503, 503, 503, 503, 503, 503, 503}})
	w := setup(t, nil)
	w.outbox.Handle("test_text", text)
	w.start()
	w.plan(msg("d1", r.target("a")))
	w.run()
	for range engine.DefaultMaxAttempts - 1 {
		if d := w.delivery("d1"); d.State != outbox.Pending {
			t.Fatalf("before the last attempt: %+v", d)
		}
		w.clock.Advance(time.Minute)
		w.run()
	}
	if d := w.delivery("d1"); d.State != outbox.Failed || d.Attempts != engine.DefaultMaxAttempts {
		t.Fatalf("after the last attempt: %+v", d)
	}
	dead, _, _ := w.db.ListDeadJobs(w.ctx, engine.Dead, 10)
	if len(dead) != 1 || !strings.HasPrefix(dead[0].LastError, "test_text: ") {
		t.Fatalf("dead %+v", dead)
	}
}

func TestSkip(t *testing.T) {
	t.Parallel()
	r := newReceiver(t, nil)
	w := setup(t, nil)
	w.outbox.Handle("test_skip", outbox.RendererFunc(func(context.Context, outbox.Delivery) (outbox.Message, error) {
		return outbox.Message{}, outbox.Skip("the subscriber left")
	}))
	w.start()
	d := msg("d1", r.target("a"))
	d.Kind = "test_skip"
	w.plan(d)
	w.run()
	got := w.delivery("d1")
	if got.State != outbox.Skipped || got.LastError != "the subscriber left" || got.Attempts != 0 {
		t.Fatalf("skipped delivery %+v", got)
	}
	if len(w.attempts("d1")) != 0 || len(r.titles()) != 0 || !w.jobGone("d1") {
		t.Fatal("a skipped delivery was sent, or its job kept")
	}
}

func TestPrepareFailAndUnknownKind(t *testing.T) {
	t.Parallel()
	r := newReceiver(t, nil)
	w := setup(t, nil)
	w.outbox.Handle("test_fail", outbox.RendererFunc(func(context.Context, outbox.Delivery) (outbox.Message, error) {
		return outbox.Message{}, outbox.Fail(errors.New("no relay"))
	}))
	w.start()
	a, b := msg("d1", r.target("a")), msg("d2", r.target("a"))
	a.Kind, b.Kind = "test_fail", "test_unknown"
	w.plan(a, b)
	w.run()
	if d := w.delivery("d1"); d.State != outbox.Failed || d.LastError != "no relay" {
		t.Fatalf("failed in Prepare: %+v", d)
	}
	if d := w.delivery("d2"); d.State != outbox.Failed || !strings.Contains(d.LastError, "no renderer") {
		t.Fatalf("unknown kind: %+v", d)
	}
	dead, _, _ := w.db.ListDeadJobs(w.ctx, engine.Dead, 10)
	if len(dead) != 2 {
		t.Fatalf("dead %+v", dead)
	}
}

// settler fails its first n Settled calls.
type settler struct {
	outbox.Renderer
	fails atomic.Int32
	calls atomic.Int32
	seen  chan outbox.Delivery
}

func (s *settler) Settled(_ context.Context, d outbox.Delivery) error {
	s.calls.Add(1)
	if s.fails.Add(-1) >= 0 {
		return errors.New("timeline busy")
	}
	s.seen <- d
	return nil
}

func TestSettledIsRepeatedUntilNil(t *testing.T) {
	t.Parallel()
	r := newReceiver(t, nil)
	w := setup(t, nil)
	s := &settler{Renderer: text, seen: make(chan outbox.Delivery, 1)}
	s.fails.Store(2)
	w.outbox.Handle("test_text", s)
	w.start()
	w.plan(msg("d1", r.target("a")))
	w.run()
	if d := w.delivery("d1"); d.State != outbox.Sent || s.calls.Load() != 1 {
		t.Fatalf("after the send: %+v, %d calls", d, s.calls.Load())
	}
	for range 2 {
		w.clock.Advance(time.Minute)
		w.run()
	}
	if s.calls.Load() != 3 {
		t.Fatalf("Settled called %d times, want 3", s.calls.Load())
	}
	d := <-s.seen
	if d.State != outbox.Sent || d.Attempts != 1 {
		t.Fatalf("Settled got %+v", d)
	}
	if len(r.titles()) != 1 || len(w.attempts("d1")) != 1 {
		t.Fatalf("sent %d times", len(r.titles()))
	}
	if !w.jobGone("d1") {
		t.Fatal("the job stayed after Settled returned nil")
	}
}

func TestInlineSendWithJobSafetyNet(t *testing.T) {
	t.Parallel()
	r := newReceiver(t, map[string][]int{"b": {503}})
	w := setup(t, nil)
	w.outbox.Handle("test_text", text)
	w.start()
	now := w.clock.Now()
	later := msg("later", r.target("c"))
	later.DueAt = now.Add(time.Hour)
	wr := w.outbox.PlanNow(now, msg("ok", r.target("a")), msg("flaky", r.target("b")), later)
	if err := w.outbox.Write(w.ctx, wr); err != nil {
		t.Fatal(err)
	}
	ids := wr.IDs(now)
	res := w.outbox.SendNow(w.ctx, append(ids, "later")...)
	if len(res) != 3 || res[0].Err != nil || res[0].Delivery.State != outbox.Sent || res[1].Err == nil ||
		!notify.Retryable(res[1].Err) || res[1].Delivery.State != outbox.Pending || res[2].Delivery.Attempts != 0 {
		t.Fatalf("inline results %+v", res)
	}
	if !w.jobGone("ok") {
		t.Fatal("the job of the delivery sent inline is still there")
	}
	// The flaky one's job is held for the grace: not run before it ends.
	w.clock.Advance(5 * time.Second)
	w.run()
	if d := w.delivery("flaky"); d.Attempts != 1 {
		t.Fatalf("run during the grace: %+v", d)
	}
	w.clock.Advance(time.Minute)
	w.run()
	if d := w.delivery("flaky"); d.State != outbox.Sent || d.Attempts != 2 {
		t.Fatalf("after the grace: %+v", d)
	}
	// A process that died before its inline send: the held job sends it.
	crashed := msg("crashed", r.target("d"))
	if err := w.outbox.Write(w.ctx, w.outbox.PlanNow(w.clock.Now(), crashed)); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(time.Minute)
	w.run()
	if d := w.delivery("crashed"); d.State != outbox.Sent {
		t.Fatalf("the safety net did not send it: %+v", d)
	}
	if got := len(r.titles()); got != 3 {
		t.Fatalf("received %d", got)
	}
}

// TestHangingReceiverHoldsOnlyItsOwnSlots proves the per-destination
// limit: a loopback webhook that never answers takes its destination's
// slots, and no more, while deliveries to another receiver still arrive.
func TestHangingReceiverHoldsOnlyItsOwnSlots(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var inFlight, most atomic.Int32
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		defer inFlight.Add(-1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hanging.Close)
	t.Cleanup(func() { close(release) }) // runs before Close: the handlers return
	good := newReceiver(t, nil)

	lim := deliverylimit.New(deliverylimit.Options{Workers: 8, PerDestination: 2, Retry: 20 * time.Millisecond})
	w := setup(t, lim)
	// A real clock: the engine runs its own loop here.
	clock := time.Now
	wh := &notify.Webhook{HTTPConfig: notify.HTTPConfig{Outbound: outbound.LoopbackPolicy(), Timeout: time.Minute}, Now: clock}
	w.outbox = outbox.New(outbox.Deps{Store: w.db, Notifier: wh, Limiter: lim})
	w.engine = engine.New(w.db, engine.Options{Workers: 8, Poll: 10 * time.Millisecond})
	w.outbox.Handle("test_text", text)
	w.start()
	ctx, cancel := context.WithCancel(w.ctx)
	done := make(chan error, 1)
	go func() { done <- w.engine.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})

	var ds []outbox.Delivery
	target := notify.Target{Kind: notify.KindWebhook, Address: hanging.URL + "/x", Secret: "0123456789abcdef-outbox"}
	for i := range 6 {
		ds = append(ds, msg(fmt.Sprintf("hang-%d", i), target))
	}
	if err := w.outbox.Write(w.ctx, outbox.Plan(time.Now(), ds...)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the hanging receiver to hold its slots", func() bool { return inFlight.Load() == 2 })
	var more []outbox.Delivery
	for i := range 5 {
		more = append(more, msg(fmt.Sprintf("good-%d", i), good.target("g")))
	}
	if err := w.outbox.Write(w.ctx, outbox.Plan(time.Now(), more...)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every delivery to the other receiver", func() bool {
		for i := range 5 {
			if d := w.delivery(fmt.Sprintf("good-%d", i)); d.State != outbox.Sent {
				return false
			}
		}
		return true
	})
	for i := range 5 {
		if d := w.delivery(fmt.Sprintf("good-%d", i)); d.Attempts != 1 {
			t.Fatalf("good-%d: %+v", i, d)
		}
	}
	if n := len(good.titles()); n != 5 {
		t.Fatalf("the other receiver got %d", n)
	}
	// The hanging destination never got more than its two slots, and the
	// deliveries it could not take were put back, not attempted.
	if m := most.Load(); m != 2 {
		t.Fatalf("%d requests at once to the hanging receiver, want 2", m)
	}
	for i := range 6 {
		if d := w.delivery(fmt.Sprintf("hang-%d", i)); d.State != outbox.Pending || d.Attempts != 0 {
			t.Fatalf("hang-%d: %+v", i, d)
		}
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
