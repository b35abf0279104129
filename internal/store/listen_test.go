package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// chanSink hands what a listener hears to the test.
type chanSink struct {
	changes chan Change
	resyncs chan struct{}
}

func newChanSink() *chanSink {
	return &chanSink{changes: make(chan Change, 64), resyncs: make(chan struct{}, 64)}
}

func (s *chanSink) Changed(_ context.Context, c Change) { s.changes <- c }
func (s *chanSink) Resync()                             { s.resyncs <- struct{}{} }

// next waits for the next change, at most 10s (a bound on a positive
// signal, not a speed requirement).
func (s *chanSink) next(t *testing.T) Change {
	t.Helper()
	select {
	case c := <-s.changes:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no change heard within 10s")
		return Change{}
	}
}

func TestLiveChannel(t *testing.T) {
	for _, tc := range []struct{ schema, want string }{
		{"public", "firebreak:public"},
		{"fbt_0a1b2c3d4e5f", "firebreak:fbt_0a1b2c3d4e5f"},
		{strings.Repeat("s", 53), "firebreak:" + strings.Repeat("s", 53)},
	} {
		if got := liveChannel(tc.schema); got != tc.want {
			t.Errorf("liveChannel(%q) = %q, want %q", tc.schema, got, tc.want)
		}
	}
	long := liveChannel(strings.Repeat("s", 54))
	if len(long) > 63 || !strings.HasPrefix(long, "firebreak:") || long == liveChannel(strings.Repeat("t", 54)) {
		t.Errorf("a long schema's channel %q is too long or not its own", long)
	}
}

func TestParseChange(t *testing.T) {
	for _, tc := range []struct {
		payload string
		want    Change
		err     string
	}{
		{`{"id":"abc","v":3,"type":"incident.updated","actor":"ann"}`, Change{IncidentID: "abc", Version: 3, Type: "incident.updated", Actor: "ann"}, ""},
		{`{"id":"abc","v":1,"type":"incident.declared"}`, Change{IncidentID: "abc", Version: 1, Type: "incident.declared"}, ""},
		{`{"v":3}`, Change{}, "no incident or version"},
		{`{"id":"abc","v":0}`, Change{}, "no incident or version"},
		{`hello`, Change{}, "decode change"},
		{`{"type":"acknowledge","actor":"ann","q":{"inc":["a","b"]}}`, Change{Type: "acknowledge", Actor: "ann", Queue: &QueueChange{Linked: []string{"a", "b"}}}, ""},
		{`{"type":"alerts","q":{"pub":true}}`, Change{Type: "alerts", Queue: &QueueChange{Public: true}}, ""},
		{`{"type":"alerts","q":{"all":true}}`, Change{Type: "alerts", Queue: &QueueChange{All: true}}, ""},
		{`{"q":{"pub":true}}`, Change{}, "queue change with no action"},
		{`{"id":"abc","v":2,"type":"alerts","q":{}}`, Change{}, "with an incident"},
	} {
		got, err := parseChange(tc.payload)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseChange(%q) error %v, want one saying %q", tc.payload, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseChange(%q) = %+v, %v; want %+v", tc.payload, got, err, tc.want)
		}
	}
}

func FuzzParseChange(f *testing.F) {
	f.Add(`{"id":"abc","v":3,"type":"incident.updated","actor":"ann"}`)
	f.Add(`{"id":"","v":-1}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, payload string) {
		c, err := parseChange(payload)
		if err == nil && c.Queue == nil && (c.IncidentID == "" || c.Version < 1) {
			t.Fatalf("accepted %q as %+v", payload, c)
		}
		if err == nil && c.Queue != nil && (c.Type == "" || c.IncidentID != "") {
			t.Fatalf("accepted %q as %+v", payload, c)
		}
	})
}

// fakeFeed is a connection the test drops at will.
type fakeFeed struct {
	n       uint32
	payload chan string
	drop    chan error
}

func (f *fakeFeed) next(ctx context.Context, d time.Duration) (string, bool, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case p := <-f.payload:
		return p, true, nil
	case err := <-f.drop:
		return "", false, err
	case <-t.C:
		return "", false, nil
	case <-ctx.Done():
		return "", false, ctx.Err()
	}
}
func (f *fakeFeed) ping(context.Context) error { return nil }
func (f *fakeFeed) close()                     {}
func (f *fakeFeed) pid() uint32                { return f.n }

// TestListenerBackoff: failed dials wait the backoff, growing; a drop is
// dialled again after the first step; each reconnect tells the sink to
// resync, the first connection does not.
func TestListenerBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		start := time.Now()
		var dials []time.Duration
		feeds := make(chan *fakeFeed, 8)
		failFirst := 0
		dial := func(context.Context) (feed, error) {
			dials = append(dials, time.Since(start))
			if failFirst > 0 {
				failFirst--
				return nil, errors.New("connection refused")
			}
			f := &fakeFeed{n: uint32(len(dials)), payload: make(chan string, 1), drop: make(chan error, 1)}
			feeds <- f
			return f, nil
		}
		sink := newChanSink()
		backoff := func(n int) time.Duration { return time.Duration(n) * time.Second }
		logs := &levelCounter{}
		l := newListener(dial, sink, ListenOptions{Backoff: backoff, Probe: time.Hour, Logger: slog.New(logs)})
		go l.Run(ctx)
		<-l.Started()
		f := <-feeds
		synctest.Wait()
		if len(sink.resyncs) != 0 {
			t.Fatal("the first connection asked for a resync")
		}
		if !l.Listening() {
			t.Fatal("not listening on its first connection")
		}
		f.payload <- `{"id":"i1","v":2,"type":"incident.updated","actor":"ann"}`
		if c := <-sink.changes; c.IncidentID != "i1" || c.Version != 2 {
			t.Fatalf("heard %+v", c)
		}

		// The connection drops, and the database is down for two more
		// dials: 1s after the drop, then 2s and 3s apart.
		failFirst = 2
		dropped := time.Since(start)
		f.drop <- errors.New("terminating connection due to administrator command")
		synctest.Wait() // asleep before the first redial
		if l.Listening() {
			t.Error("listening while the connection is down")
		}
		f = <-feeds
		<-sink.resyncs
		if l.pid.Load() != f.n {
			t.Errorf("pid %d, want the new feed's %d", l.pid.Load(), f.n)
		}
		want := []time.Duration{0, dropped + time.Second, dropped + 3*time.Second, dropped + 6*time.Second}
		if fmt.Sprint(dials) != fmt.Sprint(want) {
			t.Errorf("dialled at %v, want %v", dials, want)
		}
		// One warning for the outage (the lost connection), the failed
		// redials at debug, one line when it listens again.
		if w, i, d := logs.counts(); w != 1 || i != 1 || d != 2 {
			t.Errorf("logged %d warnings, %d info, %d debug lines for one outage; want 1, 1, 2", w, i, d)
		}
		f.payload <- `not json`
		f.payload <- `{"id":"i1","v":3,"type":"incident.updated"}`
		if c := <-sink.changes; c.Version != 3 {
			t.Fatalf("after a bad payload, heard %+v", c)
		}
		cancel()
		synctest.Wait()
		if l.Listening() {
			t.Error("listening after Run returned")
		}
		if len(sink.resyncs) != 0 {
			t.Errorf("%d more resyncs than reconnects", len(sink.resyncs))
		}
	})
}

// pgPair opens two stores on one fresh PostgreSQL schema: two nodes.
func pgPair(t *testing.T) (a, b *DB) {
	t.Helper()
	if os.Getenv(postgresEnv) == "" {
		t.Skip(postgresEnv + " is not set: PostgreSQL tests skipped")
	}
	dsn := freshPostgres(t)
	open := func() *DB {
		db, err := Open(context.Background(), dsn, Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	return open(), open()
}

func listen(t *testing.T, db *DB, opt ListenOptions) (*Listener, *chanSink) {
	t.Helper()
	sink := newChanSink()
	l := db.Listener(sink, opt)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	<-l.Started()
	if l.pid.Load() == 0 {
		t.Fatal("the listener did not connect")
	}
	return l, sink
}

func incidents(db *DB, prefix string) *incident.Service {
	n := 0
	return incident.NewService(db, anyUser{}, incident.DefaultPolicy(), time.Now, func() string { n++; return fmt.Sprintf("%s-%d", prefix, n) })
}

// TestListenerHearsAnotherNode: a change committed through one store
// reaches the listener of another on the same database; a write that
// rolls back, and a store in another schema, announce nothing to it.
func TestListenerHearsAnotherNode(t *testing.T) {
	t.Parallel()
	a, b := pgPair(t)
	if l := (&DB{dialect: dialect{name: "sqlite"}}).Listener(newChanSink(), ListenOptions{}); l != nil {
		t.Fatal("a SQLite store has a listener")
	}
	// A short probe: the connection's silences time out and are pinged
	// all along, which must leave it listening (no resync below).
	_, sink := listen(t, a, ListenOptions{Probe: 20 * time.Millisecond})
	ctx := context.Background()
	svc := incidents(b, "node-b")
	inc, err := svc.Declare(ctx, "ann", incident.DeclareInput{Title: "Phishing wave", Severity: "SEV3", Source: incident.SourceInternal})
	if err != nil {
		t.Fatal(err)
	}
	if c := sink.next(t); c != (Change{IncidentID: inc.ID, Version: 1, Type: incident.EvDeclared, Actor: "ann"}) {
		t.Fatalf("heard %+v after the declaration of %s", c, inc.ID)
	}

	// The same ID again: the write fails after its events were inserted
	// and announced, and rolls back with the announcement.
	dup := incident.NewService(b, anyUser{}, incident.DefaultPolicy(), time.Now, func() string { return inc.ID })
	if _, err := dup.Declare(ctx, "mallory", incident.DeclareInput{Title: "Twin", Severity: "SEV3", Source: incident.SourceInternal}); err == nil {
		t.Fatal("a second incident with the same ID was declared")
	}
	// Another Firebreak in another schema of the same database.
	other, err := Open(ctx, freshPostgres(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := incidents(other, "elsewhere").Declare(ctx, "eve", incident.DeclareInput{Title: "Not ours", Severity: "SEV3", Source: incident.SourceInternal}); err != nil {
		t.Fatal(err)
	}
	// Then a note through node b: notifications arrive in commit order,
	// so hearing it next proves neither of the above was heard.
	if _, err := svc.AddEntry(ctx, incident.Command{Actor: incident.Viewer{User: "bob"}, Ref: inc.Ref}, incident.KindNote, "Blocked the sender domain.", nil); err != nil {
		t.Fatal(err)
	}
	c := sink.next(t)
	if c.IncidentID != inc.ID || c.Version != 2 || c.Actor != "bob" || c.Type == "" {
		t.Fatalf("heard %+v, want version 2 of %s by bob", c, inc.ID)
	}
	// A change of the triage queue, announced after its commit; one
	// naming too many incidents for a notification asks for a refresh.
	if err := b.AnnounceQueue(ctx, "acknowledge", "bob", true, []string{inc.ID}); err != nil {
		t.Fatal(err)
	}
	if c := sink.next(t); !reflect.DeepEqual(c, Change{Type: "acknowledge", Actor: "bob", Queue: &QueueChange{Public: true, Linked: []string{inc.ID}}}) {
		t.Fatalf("heard %+v (queue %+v) after the queue's change", c, c.Queue)
	}
	if err := b.AnnounceQueue(ctx, "alerts", "bob", false, slices.Repeat([]string{inc.ID}, maxPayload/len(inc.ID))); err != nil {
		t.Fatal(err)
	}
	if c := sink.next(t); !reflect.DeepEqual(c, Change{Type: "alerts", Actor: "bob", Queue: &QueueChange{All: true}}) {
		t.Fatalf("heard %+v (queue %+v) after a change of too many entries to name", c, c.Queue)
	}
	if len(sink.resyncs) != 0 {
		t.Error("the listener reconnected: a probe broke its connection")
	}
}

// TestListenerReconnects: when the listening backend is terminated, the
// listener dials again, asks for a resync, and hears changes again.
func TestListenerReconnects(t *testing.T) {
	t.Parallel()
	a, b := pgPair(t)
	l, sink := listen(t, a, ListenOptions{Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
	first := l.pid.Load()
	var killed bool
	if err := b.read.QueryRow(`SELECT pg_terminate_backend($1)`, int32(first)).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminate the listener's backend %d: %v, %v", first, killed, err)
	}
	select {
	case <-sink.resyncs:
	case <-time.After(10 * time.Second):
		t.Fatal("no resync within 10s of the listener's backend being terminated")
	}
	if p := l.pid.Load(); p == first || p == 0 {
		t.Fatalf("listening on backend %d, want a new one (was %d)", p, first)
	}
	inc, err := incidents(b, "after").Declare(context.Background(), "ann", incident.DeclareInput{Title: "After the drop", Severity: "SEV3", Source: incident.SourceInternal})
	if err != nil {
		t.Fatal(err)
	}
	if c := sink.next(t); c.IncidentID != inc.ID {
		t.Fatalf("heard %+v, want the declaration of %s", c, inc.ID)
	}
}

// levelCounter is a slog handler counting records by level.
type levelCounter struct {
	mu                sync.Mutex
	warn, info, debug int
}

func (h *levelCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h *levelCounter) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *levelCounter) WithGroup(string) slog.Handler            { return h }
func (h *levelCounter) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case r.Level >= slog.LevelWarn:
		h.warn++
	case r.Level >= slog.LevelInfo:
		h.info++
	default:
		h.debug++
	}
	return nil
}

func (h *levelCounter) counts() (warn, info, debug int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.warn, h.info, h.debug
}
