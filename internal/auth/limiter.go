package auth

import (
	"sync"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Sign-in throttling: after MaxFailures failed attempts for a key (a
// username, a remote address) within FailureWindow of the first, the key is
// refused until that window ends, whatever the password.
const (
	MaxFailures   = 5
	FailureWindow = 15 * time.Minute
	// maxLimiterKeys bounds the limiter's memory. A locked address cannot add
	// usernames, so filling it takes thousands of addresses.
	maxLimiterKeys = 100_000
)

// Limiter counts failed sign-ins per key in memory. Each node counts its
// own; that is enough to make online guessing slow. It is safe for
// concurrent use.
type Limiter struct {
	now       func() time.Time
	mu        sync.Mutex
	keys      map[string]*failures
	lastPrune time.Time
}

type failures struct {
	start time.Time // first failure of the window
	n     int
}

// NewLimiter returns an empty limiter on the clock now.
func NewLimiter(now func() time.Time) *Limiter {
	return &Limiter{now: now, keys: map[string]*failures{}}
}

// Attempt refuses with errs.RateLimited if any key is locked. Otherwise it
// counts the attempt as a failure for every key at once, before the password
// is checked, so parallel guesses cannot slip past the limit; the caller
// takes the count back with Forgive or Reset when the attempt succeeds.
func (l *Limiter) Attempt(keys ...string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.prune(now)
	var retry time.Time
	for _, k := range keys {
		if f := l.live(k, now); f != nil && f.n >= MaxFailures {
			if end := f.start.Add(FailureWindow); end.After(retry) {
				retry = end
			}
		}
	}
	if !retry.IsZero() {
		wait := max(retry.Sub(now).Round(time.Second), time.Second)
		e := errs.E(errs.RateLimited, "", "too many failed sign-in attempts; try again after %s (in %s)", retry.UTC().Format(time.RFC3339), wait)
		e.RetryAfter = retry.Sub(now)
		return e
	}
	for _, k := range keys {
		f := l.live(k, now)
		if f == nil {
			l.makeRoom()
			f = &failures{start: now}
			l.keys[k] = f
		}
		f.n++
	}
	return nil
}

// Forgive takes back one counted attempt for key: the attempt succeeded, or
// failed for reasons that were not a guess.
func (l *Limiter) Forgive(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f := l.keys[key]; f != nil && f.n > 0 {
		f.n--
	}
}

// Reset forgets every failure of key.
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, key)
}

// live returns key's failures in the current window, dropping an ended one.
func (l *Limiter) live(key string, now time.Time) *failures {
	f := l.keys[key]
	if f != nil && !now.Before(f.start.Add(FailureWindow)) {
		delete(l.keys, key)
		return nil
	}
	return f
}

// prune drops ended windows, at most once a window so the sweep is cheap
// when amortised over the attempts.
func (l *Limiter) prune(now time.Time) {
	if now.Sub(l.lastPrune) < FailureWindow && len(l.keys) < maxLimiterKeys {
		return
	}
	l.lastPrune = now
	for k, f := range l.keys {
		if !now.Before(f.start.Add(FailureWindow)) {
			delete(l.keys, k)
		}
	}
}

// makeRoom evicts the oldest window when the limiter is full after pruning.
func (l *Limiter) makeRoom() {
	if len(l.keys) < maxLimiterKeys {
		return
	}
	var oldest string
	var at time.Time
	for k, f := range l.keys {
		if oldest == "" || f.start.Before(at) {
			oldest, at = k, f.start
		}
	}
	delete(l.keys, oldest)
}
