package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// Log is the global log a checkpointer reads; *store.DB implements it.
type Log interface {
	// GlobalHorizon is the highest global sequence number below which no
	// event can still appear.
	GlobalHorizon(ctx context.Context) (int64, error)
	EachEventHash(ctx context.Context, after, upTo int64, fn func(store.GlobalEvent) error) error
}

var _ Log = (*store.DB)(nil)

// DefaultEvery is how often the server takes a checkpoint.
const DefaultEvery = 15 * time.Minute

// Checkpointer signs checkpoints of the global log: each extends the head
// of the one before it with the events committed since, so a rewrite of
// history already checkpointed never enters a later checkpoint either.
// Each is appended to File, logged, and POSTed to Webhook when set.
type Checkpointer struct {
	Log    Log
	Key    ed25519.PrivateKey
	File   string // the JSON-lines checkpoint file; none when ""
	Hook   string // a URL each checkpoint is POSTed to as JSON; none when ""
	Logger *slog.Logger
	Now    func() time.Time
	// Every is the period of Run; DefaultEvery when zero.
	Every time.Duration
	// Timer waits d for Run; time.NewTimer's when nil. Tests drive Run
	// with their own clock through it.
	Timer func(d time.Duration) (<-chan time.Time, func() bool)
	// Client posts to Hook; when nil, the project's outbound client.
	Client *http.Client

	mu     sync.Mutex
	last   *Checkpoint
	loaded bool
}

// Take signs a checkpoint of every event committed so far, then writes it
// to the file, the log and the webhook. It fails only when no checkpoint
// could be made or written to the file; a webhook that fails is logged,
// and the next checkpoint, which covers everything this one does, goes to
// it again.
func (c *Checkpointer) Take(ctx context.Context) (Checkpoint, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	log := c.logger()
	if !c.loaded {
		last, err := c.resume()
		if err != nil {
			return Checkpoint{}, err
		}
		c.last, c.loaded = last, true
	}
	var h Head
	var n int64 = 1
	if c.last != nil {
		h, n = c.last.HeadOf(), c.last.Number+1
	}
	upTo, err := c.Log.GlobalHorizon(ctx)
	if err != nil {
		return Checkpoint{}, err
	}
	if upTo < h.LastGlobalSeq {
		return Checkpoint{}, fmt.Errorf("audit checkpoint: the global log ends at %d, before checkpoint #%d at %d: events were removed, or this is another database than the checkpoint file's", upTo, c.last.Number, h.LastGlobalSeq)
	}
	err = c.Log.EachEventHash(ctx, h.LastGlobalSeq, upTo, func(e store.GlobalEvent) error {
		h = h.Next(e)
		return nil
	})
	if err != nil {
		return Checkpoint{}, err
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	cp := Sign(c.Key, n, h, now())
	if c.File != "" {
		if err := AppendCheckpoint(c.File, cp); err != nil {
			return Checkpoint{}, err
		}
	}
	c.last = &cp
	log.InfoContext(ctx, "audit checkpoint", "number", cp.Number, "head", cp.Head, "events", cp.Events,
		"last_global_seq", cp.LastGlobalSeq, "time", cp.Time.Format(time.RFC3339Nano), "key_id", cp.KeyID, "signature", cp.Signature)
	if c.Hook != "" {
		if err := c.post(ctx, cp); err != nil {
			log.WarnContext(ctx, "audit checkpoint not delivered to the webhook; the next one covers it", "number", cp.Number, "err", err)
		}
	}
	return cp, nil
}

// resume finds the last checkpoint of the file signed with this key, so
// numbering and the head continue from it.
func (c *Checkpointer) resume() (*Checkpoint, error) {
	if c.File == "" {
		return nil, nil
	}
	cps, err := ReadCheckpointFile(c.File)
	if err != nil {
		return nil, err
	}
	pub := c.Key.Public().(ed25519.PublicKey)
	for i := len(cps) - 1; i >= 0; i-- {
		if cps[i].Check(pub) == nil {
			return &cps[i], nil
		}
	}
	return nil, nil
}

// post sends cp to the webhook. The outbound client is made here and
// nowhere else in this package.
func (c *Checkpointer) post(ctx context.Context, cp Checkpoint) error {
	if c.Client == nil {
		c.Client = notify.NewHTTPClient()
	}
	body, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Hook, bytes.NewReader(body))
	if err != nil {
		return errors.New("cannot build the request (check the URL)")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Firebreak")
	resp, err := c.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10)) // drained so the connection is reused; the status code decides
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("the webhook answered %s", resp.Status)
	}
	return nil
}

// Run takes a checkpoint now and every Every until ctx ends. A failed
// checkpoint is logged and tried again at the next tick.
func (c *Checkpointer) Run(ctx context.Context) {
	every := c.Every
	if every <= 0 {
		every = DefaultEvery
	}
	timer := c.Timer
	if timer == nil {
		timer = func(d time.Duration) (<-chan time.Time, func() bool) {
			t := time.NewTimer(d)
			return t.C, t.Stop
		}
	}
	for {
		if _, err := c.Take(ctx); err != nil && ctx.Err() == nil {
			c.logger().ErrorContext(ctx, "audit checkpoint failed", "err", err)
		}
		tick, stop := timer(every)
		select {
		case <-ctx.Done():
			stop()
			return
		case <-tick:
		}
	}
}

func (c *Checkpointer) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}
