// Package notify delivers a page — a Message — to one contact method — a
// Target — over email, a signed generic webhook, Slack or Microsoft Teams.
//
// Every channel implements Notifier. A delivery returns a Result (the
// status the far end answered with its reason, the latency — never the
// body of an HTTP reply, which whoever runs the receiver chose) and, on
// failure, an *Error whose Retryable method follows
// Alertmanager's convention: network errors, timeouts, HTTP 408, 429 and
// 5xx, and SMTP 4xx replies are worth retrying; other HTTP 4xx and SMTP 5xx
// replies are not. No error carries a secret: URLs are shown as
// scheme://host/…, and tokens, HMAC keys and passwords are scrubbed from
// anything the far end echoes back.
//
// Every send runs under a bounded timeout (DefaultTimeout unless set), and
// HTTP clients never follow a redirect to another host. Every HTTP request
// goes through package outbound's guard under HTTPConfig.Outbound:
// loopback, private, link-local and metadata addresses are refused unless
// allowed, after DNS, on every connection; such a refusal is permanent.
//
// # Webhook signatures
//
// The generic webhook POSTs the Message as JSON
//
//	{"id":"…","title":"…","body":"…","severity":"…","url":"…","ack_url":"…",
//	 "fields":{"k":"v"},"time":"2026-11-27T03:12:00Z"}
//
// with these headers:
//
//	Content-Type:          application/json
//	X-Firebreak-Message-Id: <Message.ID, the idempotency key>
//	X-Firebreak-Timestamp: <unix seconds when the request was signed>
//	X-Firebreak-Signature: v1=<hex(HMAC-SHA256(key, timestamp + "." + raw body))>
//
// A receiver recomputes the HMAC over the exact bytes it received, prefixed
// by the timestamp header and a dot, compares in constant time, and rejects
// a timestamp further than a tolerance (five minutes by default) from its
// own clock, so a captured request cannot be replayed later; within the
// window it drops duplicates by X-Firebreak-Message-Id. The signature header
// may hold several comma-separated v1= values while a key is rotated; one
// match is enough. VerifySignature does all of this.
package notify
