// Package incident is the domain: incidents, severities, roles, the lifecycle
// rules and the event stream that records every change. It is pure: no SQL,
// no HTTP, and time is always passed in.
//
// # How a change is written
//
// Every service that changes an incident or its records beside it (this
// one, notices, duties, triage's jobs) writes the change and all it causes
// the same way:
//
//  1. Decide: load the current state (the incident, and the service's own
//     records beside it) and decide over it. The decision is events (made
//     with Record, which also folds them into the incident's next state),
//     side records (a notice, a duty record, a cadence, deliveries) and
//     jobs for whatever must happen later or elsewhere — or a refusal.
//  2. Write: commit all of it in one store transaction, the events'
//     batch carrying the version the decision was made over.
//  3. Retry: a version conflict means someone else changed that state
//     meanwhile; Retry decides again over the fresh state (one bound,
//     MaxAttempts; a jittered pause; it stops when ctx ends). A caller who
//     named the version they saw gets the conflict instead (Once). (An
//     escalation is decided under its row's lock instead, inside the
//     store's UpdateEscalation: nothing to retry.)
//
// Side effects are jobs in that transaction, never work done after it:
//
//   - Jobs the service decides are part of its write (its Effects or
//     Write type).
//   - Jobs derived from events alone are written by the store in the
//     transaction that appends the events (store.Triggers, wired in app:
//     escalation.IncidentJobs, notices.IncidentJobs, triage.IncidentJobs,
//     tasks.Service.IncidentJobs, duties.AssessmentJobs). A trigger that
//     names its jobs (by what they are about) has each written once.
//   - A job handler that changes state completes its own job in the same
//     transaction (the Effects' DoneJob) and tells the engine so with
//     engine.Completed, so the work and its completion commit together.
//   - The store wakes the job engine after every commit that wrote jobs;
//     services never do.
//
// Handlers are idempotent: a job may run again after a crash before its
// completion was recorded. Observers (Service.Observe) are in-memory live
// notifications for open pages only; they are lost with the process and
// must not carry anything that has to happen.
package incident
