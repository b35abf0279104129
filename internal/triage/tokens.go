package triage

import (
	"context"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/lookupcache"
)

// IntegrationTTL bounds how long a node trusts an integration it looked up
// by its token. A change made through this node (disabled, its secret
// replaced by configuration) takes effect at once; one made through
// another node takes effect here within IntegrationTTL.
const IntegrationTTL = 5 * time.Second

// tokenCache spares each webhook delivery a database read for its token.
type tokenCache = lookupcache.Cache[Integration]

// integrationByToken returns the integration a webhook secret belongs to,
// from the cache while it is fresh. Errors (not found included) are not
// kept: an integration created since is found at once.
func (s *Service) integrationByToken(ctx context.Context, secret string) (Integration, error) {
	hash := auth.HashToken(secret)
	now := s.now()
	it, gen, ok := s.tokens.Get(hash, now)
	if ok {
		return it, nil
	}
	it, err := s.store.IntegrationByToken(ctx, hash)
	if err == nil {
		s.tokens.Put(hash, it, gen, now.Add(IntegrationTTL))
	}
	return it, err
}
