// Package engine runs durable jobs: every future action of the server (a
// notification, an escalation step, a retry) is a row in the jobs table,
// claimed and run by a pool of workers.
//
// # Delivery: at least once
//
// A job is removed only after its handler returned nil, so a crash between
// the handler's effect and that removal runs it again. Handlers must be
// idempotent, or at least harmless to repeat: a duplicate page is
// acceptable, a lost one is not.
//
// # Written with their cause
//
// The store writes jobs inside the transaction of the change that causes
// them (an incident event, a queue entry), so either both are committed or
// neither is: no event without its notification, no notification for an
// event that was rolled back. After the commit the store calls Notify and a
// worker starts at once; other nodes see the job within Options.Poll.
//
// # Leases
//
// Claiming a job leases it to this process until now+Lease; the handler's
// context ends before the lease does. A job whose lease ended without an
// outcome (its process died) is claimable again. A lease names its owner
// by host, PID and process start, so Run first releases the leases of
// processes known to be gone and work interrupted by a crash resumes at
// start instead of a lease later: on a single-node server (SQLite, whose
// lock file admits one process: SingleNode) every lease but its own; on
// PostgreSQL those of this host's dead PIDs and of an earlier process with
// our PID. Other nodes' leases run out. On PostgreSQL several nodes claim
// concurrently; FOR UPDATE SKIP LOCKED keeps their claims disjoint.
//
// A job written with a Holder is leased from the start: the holder does
// the work right after the commit (a page sent inline) and the job is the
// safety net, due when the holder is found gone or its lease runs out.
//
// # Failures
//
// A handler error retries the job after a backoff (1s, 2s, 4s… up to 5
// minutes, ±20% jitter) or after the delay given with RetryAfter. After
// MaxAttempts runs, or at once when the error is wrapped by Permanent, the
// job is dead: kept with its last error for people to see (Store.DeadJobs)
// and logged at Warn. A job of a kind with no handler is dead at once; a
// panicking handler counts as a failed run. A handler that cannot start
// its work yet (its destination is saturated, its circuit breaker open)
// returns Snooze(d): the job is due again after d, no attempt counted,
// and no worker waits meanwhile.
//
// # Timing
//
// When nothing is due the loop sleeps until the earliest due time, at most
// Poll, so a scheduled job starts within milliseconds of its time. All
// decisions use Options.Now, and sleeps use time.NewTimer, so tests drive
// the engine with a fake clock (RunDue) or in a testing/synctest bubble.
//
// # Why not River
//
// River is the model for this package, but does not fit our store. Our
// SQLite writes go through one connection that group-commits concurrent
// transactions with a savepoint per caller; River's SQLite driver wants to
// run its own transactions and brings its own schema and migrations. We
// need jobs written inside our own transactions on both backends, in our
// own migrations. And River promotes scheduled jobs to runnable on a
// maintenance interval (5 s by default), so a job due at a time starts up
// to seconds late; an escalation timer should not. What we need (claim,
// lease, retry, bury) is a few hundred lines.
package engine
