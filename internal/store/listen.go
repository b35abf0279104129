package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// LiveSink hears what a Listener hears.
type LiveSink interface {
	// Changed is called for each change committed by any node, this one
	// included, in commit order per connection; it must not block long.
	Changed(ctx context.Context, c Change)
	// Resync is called when changes may have been missed (the listener
	// reconnected): whoever shows them should refresh.
	Resync()
}

// ListenOptions configure a Listener.
type ListenOptions struct {
	Logger *slog.Logger
	// Backoff is the wait before reconnect attempt n (1, 2, …);
	// DefaultListenBackoff when nil.
	Backoff func(n int) time.Duration
	// Probe is how long the connection may stay silent before it is
	// pinged, so a dead peer is noticed; 30s when zero.
	Probe time.Duration
}

// DefaultListenBackoff waits 250ms, then twice as long each time, up to 10s.
func DefaultListenBackoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	if n > 6 {
		return 10 * time.Second
	}
	return min(250*time.Millisecond<<(n-1), 10*time.Second)
}

// Listener keeps one dedicated PostgreSQL connection LISTENing on the
// store's channel and feeds what it hears to a sink. A dropped connection
// is dialled again with backoff; notifications sent meanwhile are lost, so
// after each reconnect the sink is told to resync.
type Listener struct {
	dial    func(ctx context.Context) (feed, error)
	sink    LiveSink
	log     *slog.Logger
	backoff func(int) time.Duration
	probe   time.Duration
	pid     atomic.Uint32 // the listening backend, for tests
	on      atomic.Bool   // listening now
	started chan struct{}
	once    sync.Once
}

// feed is one listening connection.
type feed interface {
	// next waits for the next notification's payload, at most d; ok is
	// false when d passed first.
	next(ctx context.Context, d time.Duration) (payload string, ok bool, err error)
	ping(ctx context.Context) error
	close()
	pid() uint32
}

// Listener returns a listener of this store's changes for sink. It is nil
// on SQLite, where one process serves and nothing crosses nodes.
func (db *DB) Listener(sink LiveSink, opt ListenOptions) *Listener {
	if !db.dialect.postgres() {
		return nil
	}
	dsn, channel := db.dsn, db.channel
	return newListener(func(ctx context.Context) (feed, error) { return dialFeed(ctx, dsn, channel) }, sink, opt)
}

func newListener(dial func(context.Context) (feed, error), sink LiveSink, opt ListenOptions) *Listener {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Backoff == nil {
		opt.Backoff = DefaultListenBackoff
	}
	if opt.Probe <= 0 {
		opt.Probe = 30 * time.Second
	}
	return &Listener{dial: dial, sink: sink, log: opt.Logger, backoff: opt.Backoff, probe: opt.Probe, started: make(chan struct{})}
}

// Started is closed once the first attempt to listen has succeeded or
// failed, so a server can wait until cross-node updates are on.
func (l *Listener) Started() <-chan struct{} { return l.started }

// Listening reports whether the listener is connected and listening now.
func (l *Listener) Listening() bool { return l.on.Load() }

// Run listens until ctx ends.
func (l *Listener) Run(ctx context.Context) {
	defer l.once.Do(func() { close(l.started) })
	defer l.on.Store(false)
	dials, fails := 0, 0
	for ctx.Err() == nil {
		dials++
		f, err := l.dial(ctx)
		if err != nil {
			l.once.Do(func() { close(l.started) })
			if ctx.Err() != nil {
				return
			}
			fails++
			wait := l.backoff(fails)
			// One warning an outage (a lost connection has warned already);
			// each retry after it only at debug, as the job claimer does.
			level := slog.LevelDebug
			if fails == 1 {
				level = slog.LevelWarn
			}
			l.log.Log(ctx, level, "live updates from other nodes are off: cannot listen; retrying", "err", err, "attempt", fails, "retry_in", wait)
			if !sleep(ctx, wait) {
				return
			}
			continue
		}
		if fails > 0 || dials > 1 {
			l.log.Info("live updates from other nodes are on again", "attempts", fails+1)
		}
		fails = 0
		l.pid.Store(f.pid())
		l.on.Store(true)
		l.once.Do(func() { close(l.started) })
		if dials > 1 {
			// What was committed while we were not listening is lost.
			l.sink.Resync()
		}
		err = l.receive(ctx, f)
		l.on.Store(false)
		f.close()
		if ctx.Err() != nil {
			return
		}
		l.log.Warn("live updates from other nodes: lost the listening connection; reconnecting", "err", err)
		fails = 1
		if !sleep(ctx, l.backoff(fails)) {
			return
		}
	}
}

// receive hands each notification to the sink until the connection fails.
func (l *Listener) receive(ctx context.Context, f feed) error {
	for {
		payload, ok, err := f.next(ctx, l.probe)
		if err != nil {
			return err
		}
		if !ok {
			// Silence: make sure the other end is still there.
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := f.ping(pctx)
			cancel()
			if err != nil {
				return fmt.Errorf("probe: %w", err)
			}
			continue
		}
		c, err := parseChange(payload)
		if err != nil {
			l.log.Warn("live updates: ignored a notification", "err", err)
			continue
		}
		l.sink.Changed(ctx, c)
	}
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// pgFeed is a dedicated pgx connection (not one of the pool's: it is held
// for as long as it listens).
type pgFeed struct{ c *pgx.Conn }

func dialFeed(ctx context.Context, dsn, channel string) (feed, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	cfg.RuntimeParams["application_name"] = "firebreak-live"
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := pgx.ConnectConfig(dctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("listen: connect: %w", err)
	}
	if _, err := c.Exec(dctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		_ = c.Close(context.Background()) // the LISTEN failure is the one to report
		return nil, fmt.Errorf("listen: %w", err)
	}
	return &pgFeed{c: c}, nil
}

func (f *pgFeed) next(ctx context.Context, d time.Duration) (string, bool, error) {
	wctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	n, err := f.c.WaitForNotification(wctx)
	if err != nil {
		// Our own deadline passing leaves the connection usable (pgx
		// keeps it open on a timeout); anything else ends it.
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil && !f.c.IsClosed() {
			return "", false, nil
		}
		return "", false, err
	}
	return n.Payload, true, nil
}

func (f *pgFeed) ping(ctx context.Context) error { return f.c.Ping(ctx) }

func (f *pgFeed) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = f.c.Close(ctx) // the connection is being dropped either way
}

func (f *pgFeed) pid() uint32 { return f.c.PgConn().PID() }
