package contacts

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/notify"
)

// Messages people cause by hand — a verification code when a contact is
// added or a code resent, a test page — are limited per person and per
// address, so nobody can mail-bomb or flood an outside address through
// Firebreak: at most SendLimit of each kind within SendWindow.
const (
	SendLimit  = 5
	SendWindow = 15 * time.Minute
	// maxSendKeys bounds the limiter's memory; the oldest key goes first.
	maxSendKeys = 50_000
)

// Kinds of limited sends.
const (
	sendVerify = "verification" // adding a contact, resending its code
	sendTest   = "test"         // a test page
)

// sendLimiter counts limited sends per key in memory, as a sliding
// window: each key keeps the times of its last SendLimit sends. Each node
// counts its own. It is safe for concurrent use.
type sendLimiter struct {
	mu   sync.Mutex
	keys map[string][]time.Time
}

func newSendLimiter() *sendLimiter { return &sendLimiter{keys: map[string][]time.Time{}} }

// take counts one send of kind by user to t at now, or refuses with
// errs.RateLimited (and how long to wait) when the user or the address
// already had SendLimit within SendWindow. A refused send is not counted.
func (l *sendLimiter) take(now time.Time, kind, user string, t notify.Target) error {
	keys := []string{kind + "\x00user\x00" + user, kind + "\x00target\x00" + targetKey(t)}
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		ts := live(l.keys[k], now)
		l.keys[k] = ts
		if len(ts) >= SendLimit {
			wait = max(wait, ts[0].Add(SendWindow).Sub(now))
		}
	}
	if wait > 0 {
		wait = wait.Round(time.Second)
		if wait <= 0 {
			wait = time.Second
		}
		e := errs.E(errs.RateLimited, "", "too many %s messages: at most %d every %d minutes per person and per address; try again in %s",
			kind, SendLimit, int(SendWindow/time.Minute), wait)
		e.RetryAfter = wait
		return e
	}
	for _, k := range keys {
		if len(l.keys[k]) == 0 {
			l.makeRoom(now)
		}
		l.keys[k] = append(l.keys[k], now)
	}
	return nil
}

// live drops the times that left the window.
func live(ts []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(ts) && !now.Before(ts[i].Add(SendWindow)) {
		i++
	}
	return ts[i:]
}

// makeRoom drops ended windows when the limiter is full, then the key
// whose last send is oldest if it still is.
func (l *sendLimiter) makeRoom(now time.Time) {
	if len(l.keys) < maxSendKeys {
		return
	}
	var oldest string
	var at time.Time
	for k, ts := range l.keys {
		ts = live(ts, now)
		if len(ts) == 0 {
			delete(l.keys, k)
			continue
		}
		if last := ts[len(ts)-1]; oldest == "" || last.Before(at) {
			oldest, at = k, last
		}
	}
	if len(l.keys) >= maxSendKeys && oldest != "" {
		delete(l.keys, oldest)
	}
}

// targetKey names an address without keeping it: a webhook URL or bot
// token is a secret, so only its hash is held.
func targetKey(t notify.Target) string {
	addr := strings.TrimSpace(t.Address)
	switch {
	case t.Kind == notify.KindEmail:
		addr = strings.ToLower(addr)
	case t.Kind == notify.KindSlack && addr == "":
		addr = t.Channel + "\x00" + t.Secret // a channel of the token's workspace
	}
	h := sha256.Sum256([]byte(string(t.Kind) + "\x00" + addr))
	return hex.EncodeToString(h[:16])
}
