package engine

import (
	"sync"
	"time"
)

// Held jobs: a job whose work should start the moment its transaction
// commits (a new queue entry's page) can be written already leased to
// this engine (Hold) and handed to it after the commit (Take). It then
// runs without a claim: no write transaction and no wait for the loop's
// next claim between the commit and the handler, which on SQLite are two
// more turns of the group commit behind the intake's writes. The stored
// job is the safety net, as for any Holder: if this process dies first,
// a restarted engine releases it (SingleNode), or its lease runs out.

// heldQueue holds the jobs handed over by Take until the loop starts them.
type heldQueue struct {
	mu   sync.Mutex
	jobs []heldJob
	on   bool // Run is running: it starts what is handed over
}

type heldJob struct {
	job   Job
	until time.Time // the end of its lease
}

// Hold returns j leased to this engine for one Lease from now, for a
// writer to store and then hand over with Take after the commit; ok is
// false, and j unchanged, when the engine is not running or has no worker
// free for it: the job is then written as usual and claimed in its turn
// (held jobs jumping a queue of claimed ones would starve them).
// j must have its ID.
func (e *Engine) Hold(j Job) (Job, bool) {
	e.held.mu.Lock()
	ok := e.held.on && int(e.busy.Load())+len(e.held.jobs) < e.workers && j.ID != ""
	e.held.mu.Unlock()
	if !ok {
		return j, false
	}
	j.Holder, j.RunAt = e.worker, e.now().Add(e.lease)
	return j, true
}

// Take runs jobs Hold returned, once the transaction that stored them
// has committed. It never blocks. A job the engine cannot start before
// half its lease has passed is left to the claim, at its lease's end.
func (e *Engine) Take(jobs ...Job) {
	if len(jobs) == 0 {
		return
	}
	now := e.now()
	e.held.mu.Lock()
	for _, j := range jobs {
		until := j.RunAt
		// As claimed now: its lag is measured from the handover.
		j.RunAt, j.State, j.Holder, j.leaseEnd = now, Running, "", until
		e.held.jobs = append(e.held.jobs, heldJob{job: j, until: until})
	}
	e.held.mu.Unlock()
	select {
	case e.handed <- struct{}{}:
	default:
	}
}

// takeHeld removes up to n held jobs to start now. It drops the jobs
// whose lease is more than half over: the loop's own claim takes them
// when it ends, and starting them now could run them twice.
func (e *Engine) takeHeld(n int) []Job {
	e.held.mu.Lock()
	defer e.held.mu.Unlock()
	if n <= 0 || len(e.held.jobs) == 0 {
		return nil
	}
	now := e.now()
	var out []Job
	i := 0
	for ; i < len(e.held.jobs) && len(out) < n; i++ {
		h := e.held.jobs[i]
		if h.until.Sub(now) < e.lease/2 {
			e.log.Warn("held job left to its lease's end", "kind", h.job.Kind, "id", h.job.ID)
			continue
		}
		out = append(out, h.job)
	}
	rest := copy(e.held.jobs, e.held.jobs[i:])
	clear(e.held.jobs[rest:])
	e.held.jobs = e.held.jobs[:rest]
	return out
}

// holding marks whether Run is there to start held jobs; when it stops,
// what is still held waits for its lease to end (or for a restart).
func (e *Engine) holding(on bool) {
	e.held.mu.Lock()
	e.held.on = on
	if !on {
		clear(e.held.jobs)
		e.held.jobs = e.held.jobs[:0]
	}
	e.held.mu.Unlock()
}
