package engine

import (
	"log/slog"
	randv2 "math/rand/v2"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// outage is the claim loop's view of a failing database. While claims
// fail it doubles the wait from Poll up to maxClaimBackoff, so a database
// that is down is neither hammered nor logged about every Poll: one
// warning when claims start failing, one line when they work again
// (saying for how long they failed), and the backoff starts over.
//
// Each wait is the doubling ±20% (never above maxClaimBackoff): the nodes
// of a cluster lose the database together, and without the spread they
// would all retry in the same instant, again and again, and all claim at
// once the moment it is back.
type outage struct {
	log    *slog.Logger
	now    func() time.Time
	poll   time.Duration
	jitter func() float64 // in [0, 1); nil is math/rand/v2
	since  time.Time      // the first failed claim of this outage
	wait   time.Duration  // the current backoff, before the spread; 0 while claims work
}

// failed records a failed claim and returns how long to wait before the
// next one.
func (o *outage) failed(err error) time.Duration {
	if o.wait == 0 {
		o.since = o.now()
		o.wait = o.poll
		d := o.spread(o.wait)
		if errs.CodeOf(err) == errs.Unavailable {
			o.log.Warn("database unreachable: claiming jobs backs off until it answers", "retry_in", d, "max_retry_in", maxClaimBackoff, "err", err)
		} else {
			o.log.Error("claim jobs failed: backing off until a claim works", "retry_in", d, "max_retry_in", maxClaimBackoff, "err", err)
		}
		return d
	}
	o.wait = min(o.wait*2, maxClaimBackoff)
	d := o.spread(o.wait)
	o.log.Debug("claim jobs still failing", "retry_in", d, "err", err)
	return d
}

// spread is d ±20%, at most maxClaimBackoff.
func (o *outage) spread(d time.Duration) time.Duration {
	f := o.jitter
	if f == nil {
		f = randv2.Float64
	}
	return min(time.Duration(float64(d)*(0.8+0.4*f())), maxClaimBackoff)
}

// ok records a claim that worked.
func (o *outage) ok() {
	if o.wait == 0 {
		return
	}
	o.log.Info("database reachable again: claiming jobs resumes", "down_for", o.now().Sub(o.since).Round(time.Millisecond))
	o.wait = 0
}
