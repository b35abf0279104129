package triage

import (
	"context"
	"sync"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
)

// IntegrationTTL bounds how long a node trusts an integration it looked up
// by its token. A change made through this node (disabled, its secret
// replaced by configuration) takes effect at once; one made through
// another node takes effect here within IntegrationTTL.
const IntegrationTTL = 5 * time.Second

// maxCachedTokens bounds the cache; past it, it starts over.
const maxCachedTokens = 1024

// tokenCache spares each webhook delivery a database read for its token.
type tokenCache struct {
	mu      sync.Mutex
	gen     uint64 // bumped by every change: a lookup begun before it is not kept
	entries map[string]cachedIntegration
}

type cachedIntegration struct {
	it    Integration
	until time.Time
}

func (c *tokenCache) get(hash string, now time.Time) (it Integration, gen uint64, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if ok && now.Before(e.until) {
		return e.it, c.gen, true
	}
	return Integration{}, c.gen, false
}

// put keeps what a lookup begun at generation gen found, unless an
// integration changed since: the lookup may have read the old row.
func (c *tokenCache) put(hash string, it Integration, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= maxCachedTokens {
		c.entries = make(map[string]cachedIntegration)
	}
	c.entries[hash] = cachedIntegration{it: it, until: now.Add(IntegrationTTL)}
}

// forget drops every entry, after an integration changed.
func (c *tokenCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.entries = nil
}

// integrationByToken returns the integration a webhook secret belongs to,
// from the cache while it is fresh. Errors (not found included) are not
// kept: an integration created since is found at once.
func (s *Service) integrationByToken(ctx context.Context, secret string) (Integration, error) {
	hash := auth.HashToken(secret)
	now := s.now()
	it, gen, ok := s.tokens.get(hash, now)
	if ok {
		return it, nil
	}
	it, err := s.store.IntegrationByToken(ctx, hash)
	if err == nil {
		s.tokens.put(hash, it, gen, now)
	}
	return it, err
}
