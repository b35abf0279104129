package engine

// SetClaimJitter fixes the spread of the outage backoff (0.5 is none), so
// tests can expect exact times.
func SetClaimJitter(e *Engine, f func() float64) { e.claimJitter = f }
