package engine

import (
	"log/slog"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// outage is the claim loop's view of a failing database. While claims
// fail it doubles the wait from Poll up to maxClaimBackoff, so a database
// that is down is neither hammered nor logged about every Poll: one
// warning when claims start failing, one line when they work again
// (saying for how long they failed), and the backoff starts over.
type outage struct {
	log   *slog.Logger
	now   func() time.Time
	poll  time.Duration
	since time.Time     // the first failed claim of this outage
	wait  time.Duration // the current backoff; 0 while claims work
}

// failed records a failed claim and returns how long to wait before the
// next one.
func (o *outage) failed(err error) time.Duration {
	if o.wait == 0 {
		o.since = o.now()
		o.wait = o.poll
		if errs.CodeOf(err) == errs.Unavailable {
			o.log.Warn("database unreachable: claiming jobs backs off until it answers", "retry_in", o.wait, "max_retry_in", maxClaimBackoff, "err", err)
		} else {
			o.log.Error("claim jobs failed: backing off until a claim works", "retry_in", o.wait, "max_retry_in", maxClaimBackoff, "err", err)
		}
		return o.wait
	}
	o.wait = min(o.wait*2, maxClaimBackoff)
	o.log.Debug("claim jobs still failing", "retry_in", o.wait, "err", err)
	return o.wait
}

// ok records a claim that worked.
func (o *outage) ok() {
	if o.wait == 0 {
		return
	}
	o.log.Info("database reachable again: claiming jobs resumes", "down_for", o.now().Sub(o.since).Round(time.Millisecond))
	o.wait = 0
}
