// Package outbox sends every outgoing message of the product the same
// way: a Delivery row (what it is about, where it goes, what to render)
// with its Attempts, written in the transaction of the change that causes
// it, and one durable job ("outbox.deliver") that sends it through notify,
// retries what notify says may pass, and dead-letters the rest.
//
// # Lifecycle
//
// A caller builds Deliveries and turns them into Writes with Plan (the job
// of each due at its DueAt) or Outbox.PlanNow (due-now ones are sent right
// after the commit by SendNow, their job held by this process for a grace
// as the safety net: due then, or at once when a restart finds this
// process gone). The Writes go into the effects of the caller's own
// transaction; the store writes them with one helper, or alone with
// WriteOutbox when there is no other change. Planning the same delivery
// ID twice writes it once, so a job that plans may run again.
//
// Sending a delivery: its kind's Renderer prepares the message (or says
// Skip), the message goes out through the notifier (or, for a Document,
// the mailer) behind one deliverylimit.Limiter, and the attempt and the
// new state are recorded in one write. A destination that is saturated or
// failing (circuit breaker open) snoozes the job: no attempt counted, no
// worker waiting. A failure notify.Retryable says may pass is retried with
// the engine's backoff; any other, and the last one, settles the delivery
// failed and its job dead (listed by /api/v1/jobs/dead, its error
// prefixed by the delivery's kind). Sent, skipped and failed are final.
//
// # How to add a kind
//
//  1. Pick a name (e.g. "notice_email") and add it to outboxKinds in
//     internal/app/outbox_kinds_test.go, which checks the server
//     registers exactly the kinds listed.
//  2. Write a Renderer: Prepare(ctx, d) loads what d.Subject and
//     d.Payload name and returns the Message to send (Text for a channel
//     message to d.Target, Doc for an email document); Skip(reason) when
//     it is no longer wanted; Fail(err) when it can never be made. Any
//     other error is retried. Prepare runs again on every attempt, so it
//     renders what is true at send time.
//  3. Optionally implement Settler: Settled(ctx, d) runs after the final
//     state is recorded (a timeline event, a parent's status) and again
//     on the next run until it returns nil, so it must be idempotent.
//  4. Register it with Outbox.Handle(name, renderer) in internal/app
//     before the engine runs (see Status.RegisterKinds), and plan deliveries of that kind with a stable ID (derived
//     from what they deliver) where the caller may plan twice.
package outbox
