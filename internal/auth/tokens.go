package auth

import (
	"time"

	"github.com/firebreak-ir/firebreak/internal/lookupcache"
)

// TokenTTL bounds how long a node trusts an API token it looked up. A
// revocation, a deactivation or a role change made through this node takes
// effect at once (the cache is dropped); one made through another node
// takes effect here within TokenTTL.
const TokenTTL = 5 * time.Second

// tokenCache spares each API request a database read for its token. It is
// keyed by the token's hash, never by the secret itself.
type tokenCache = lookupcache.Cache[Principal]
