package engine

import (
	"context"
	"encoding/json"
	"time"
)

// Job is one durable piece of future work: a delivery, an escalation
// step, a retry. Kind picks the Handler; Args are its JSON arguments.
type Job struct {
	ID   string          `json:"id"`
	Kind string          `json:"kind"`
	Args json.RawMessage `json:"args"`
	// RunAt is when the job is due; zero means now.
	RunAt time.Time `json:"run_at"`
	// Attempt counts the runs before this one: 0 on the first.
	Attempt int `json:"attempt"`
	// MaxAttempts bounds the runs before the job is dead-lettered; zero
	// means DefaultMaxAttempts.
	MaxAttempts int `json:"max_attempts"`
	// Holder, on a job being written, leases it at once to that owner
	// (an Engine's Owner) until RunAt, and makes it due now: the holder
	// does the work right after the commit (a page sent inline) and the
	// job is the safety net. If the holder dies first, its job is claimed
	// when the lease runs out, or at once when a restarted engine finds
	// the holder gone. Empty writes a pending job due at RunAt.
	Holder    string `json:"-"`
	State     State  `json:"state"`
	LastError string `json:"last_error,omitempty"`
	// leaseEnd is when the lease of a held job (Take) ends; zero for a
	// claimed job, whose lease starts with its run.
	leaseEnd time.Time
}

// State is where a job stands.
type State string

const (
	Pending State = "pending" // waiting for RunAt
	Running State = "running" // claimed by a worker until its lease ends
	Dead    State = "dead"    // failed for good; kept, with LastError, for people to see
)

// DefaultMaxAttempts is how often a failing job runs before it is dead.
const DefaultMaxAttempts = 8

// Store keeps jobs. The store package implements it on SQLite and
// PostgreSQL; it also writes jobs inside the transactions of other changes
// (an incident event, a new queue entry), which is what makes them durable
// "in the same transaction as the event that caused it".
type Store interface {
	// Enqueue stores jobs in a transaction of its own.
	Enqueue(ctx context.Context, jobs ...Job) error
	// Claim leases up to limit jobs due at now to worker until now+lease:
	// pending jobs with RunAt <= now, and running jobs whose lease ended
	// (their worker died). Earliest RunAt first. On PostgreSQL concurrent
	// claimers never get the same job (FOR UPDATE SKIP LOCKED).
	Claim(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]Job, error)
	// Complete removes a finished job.
	Complete(ctx context.Context, id string) error
	// Retry puts a failed job back to pending at runAt with one more
	// attempt counted and errText kept.
	Retry(ctx context.Context, id string, runAt time.Time, errText string) error
	// Snooze puts a running job back to pending at runAt, its attempts
	// and last error unchanged (Snooze: the handler did not run).
	Snooze(ctx context.Context, id string, runAt time.Time) error
	// Bury marks a job dead with errText.
	Bury(ctx context.Context, id string, now time.Time, errText string) error
	// NextRunAt is the earliest RunAt of a pending job (or lease end of a
	// running one); ok is false when there is none.
	NextRunAt(ctx context.Context) (t time.Time, ok bool, err error)
	// LeaseOwners lists the owners of the running jobs' leases. The
	// engine calls it at start to find leases of processes that are gone.
	LeaseOwners(ctx context.Context) ([]string, error)
	// Release makes pending again, due at once, the running jobs leased
	// by these owners, and returns how many.
	Release(ctx context.Context, owners []string) (int, error)
	// DeadJobs lists dead-lettered jobs, newest first.
	DeadJobs(ctx context.Context, limit int) ([]Job, error)
}
