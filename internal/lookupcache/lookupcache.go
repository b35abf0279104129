// Package lookupcache keeps, for a few seconds, what a node looked up by a
// secret's hash (an API token's principal, a webhook token's integration),
// so a request does not read the database for it every time.
//
// It is safe against a lookup racing a change: Forget, called after a
// change commits, drops every entry and bumps a generation, and Put keeps
// a lookup's result only if no Forget came between the Get that missed and
// the Put, since that lookup may have read the old rows. A change made
// through another node is seen here once the entry's time is up.
package lookupcache

import (
	"sync"
	"time"
)

// MaxEntries bounds a cache; past it, it starts over.
const MaxEntries = 1024

// Cache maps keys (a secret's hash, never the secret) to values until
// each one's time is up. The zero Cache is empty and ready.
type Cache[V any] struct {
	mu      sync.Mutex
	gen     uint64 // bumped by every Forget: a lookup begun before it is not kept
	entries map[string]entry[V]
}

type entry[V any] struct {
	v     V
	until time.Time
}

// Get returns the value kept for key while it is fresh at now, and the
// generation to hand to Put after a miss.
func (c *Cache[V]) Get(key string, now time.Time) (v V, gen uint64, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if ok && now.Before(e.until) {
		return e.v, c.gen, true
	}
	var zero V
	return zero, c.gen, false
}

// Put keeps v for key until until, if it was looked up at generation gen
// and nothing changed since (no Forget).
func (c *Cache[V]) Put(key string, v V, gen uint64, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= MaxEntries {
		c.entries = make(map[string]entry[V])
	}
	c.entries[key] = entry[V]{v: v, until: until}
}

// Forget drops every entry, after a change to what the cache holds has
// committed.
func (c *Cache[V]) Forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.entries = nil
}
