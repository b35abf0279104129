package auth

import (
	"sync"
	"time"
)

// TokenTTL bounds how long a node trusts an API token it looked up. A
// revocation, a deactivation or a role change made through this node takes
// effect at once (the cache is dropped); one made through another node
// takes effect here within TokenTTL.
const TokenTTL = 5 * time.Second

// maxCachedTokens bounds the cache; past it, it starts over.
const maxCachedTokens = 1024

// tokenCache spares each API request a database read for its token. It is
// keyed by the token's hash, never by the secret itself.
type tokenCache struct {
	mu      sync.Mutex
	gen     uint64 // bumped by every change: a lookup begun before it is not kept
	entries map[string]cachedPrincipal
}

type cachedPrincipal struct {
	p     Principal
	until time.Time
}

func (c *tokenCache) get(hash string, now time.Time) (p Principal, gen uint64, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if ok && now.Before(e.until) {
		return e.p, c.gen, true
	}
	return Principal{}, c.gen, false
}

// put keeps what a lookup begun at generation gen found, unless a token
// or user changed since: the lookup may have read the old rows.
func (c *tokenCache) put(hash string, p Principal, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= maxCachedTokens {
		c.entries = make(map[string]cachedPrincipal)
	}
	c.entries[hash] = cachedPrincipal{p: p, until: now.Add(TokenTTL)}
}

// forget drops every entry, after a token or a user changed.
func (c *tokenCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.entries = nil
}
