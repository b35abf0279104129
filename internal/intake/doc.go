// Package intake turns the bodies senders post to Firebreak's webhooks into
// normalised alerts: Alertmanager (webhook version 4), Grafana unified
// alerting (version 1) and Firebreak's own generic JSON format. Parsers are
// pure functions from bytes to a Batch; they know nothing of HTTP, storage
// or routing.
//
// # Batch policy
//
// A body that is not the format at all (not JSON, not an object, the wrong
// version, a malformed envelope) is one error, an *errs.Error with code
// Invalid, and nothing in it is accepted. Inside a well-formed body, each
// alert stands alone: a malformed alert is reported as Problems (its index
// in the body's list, the field relative to the alert, and a message) and
// left out, and every other alert is accepted. The webhook handler stores
// the accepted alerts and then answers 400 listing the problems, the way
// Alertmanager's own API does, or 2xx when there are none; a sender that
// retries on 4xx would only resend the alerts already stored, which dedup
// absorbs.
//
// # Strictness
//
// The generic format is ours, so it is decoded strictly: an unknown field is
// a problem naming its path, and sizes are bounded. Alertmanager's and
// Grafana's payloads are theirs and grow between releases (Alertmanager
// 0.32 added notification_reason, 0.34 routeLabels), so unknown fields there
// are ignored; the fields we use are checked, and the version is pinned so
// a future format change fails loudly instead of half-parsing.
package intake
