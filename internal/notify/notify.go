package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/outbound"
)

// DefaultTimeout bounds one delivery attempt when a channel sets none.
const DefaultTimeout = 10 * time.Second

// Message is one page, rendered by every channel in its own format.
type Message struct {
	ID       string            // idempotency key: the same page retried keeps its ID
	Kind     string            // what it is, for people: "Page", "Stakeholder update", "Reminder"…; "Message" when empty
	Title    string            // one line, without the severity: each channel shows Severity its own way
	Body     string            // plain text
	Severity string            // "SEV1", "critical"…; shown, not interpreted
	URL      string            // link to the incident or queue item
	AckURL   string            // signed single-use acknowledgement link
	Fields   map[string]string // extra facts, shown sorted by key
	Time     time.Time         // when the page was raised
	// Headers are extra mail headers (List-Unsubscribe…); email only.
	Headers map[string]string
}

// What returns m.Kind, or "Message" when it is empty: the word a channel
// puts before the message's ID.
func (m Message) What() string {
	if m.Kind == "" {
		return "Message"
	}
	return m.Kind
}

// Notifier delivers a Message to a Target. On failure the error is an
// *Error (see Retryable); the Result is filled as far as the attempt got.
type Notifier interface {
	Notify(ctx context.Context, t Target, m Message) (Result, error)
}

// Result is what the engine records about one attempt.
type Result struct {
	Channel    Kind
	Target     string        // the target, redacted: an address, or scheme://host/…
	StatusCode int           // HTTP status, or SMTP reply code; 0 when none came back
	Response   string        // the status and its reason ("HTTP 202 Accepted"), never a reply's body
	Latency    time.Duration // from the start of the attempt to its end
}

// Error is a failed delivery. Its text never holds a secret.
type Error struct {
	Channel    Kind
	Target     string // redacted
	StatusCode int
	Message    string
	retryable  bool
	err        error // the cause, for errors.Is; its text is not shown
}

func (e *Error) Error() string {
	s := fmt.Sprintf("notify %s %s: %s", e.Channel, e.Target, e.Message)
	if e.StatusCode != 0 {
		s = fmt.Sprintf("notify %s %s: %d: %s", e.Channel, e.Target, e.StatusCode, e.Message)
	}
	return s
}

// Retryable reports whether the same attempt may succeed later.
func (e *Error) Retryable() bool { return e.retryable }

// Unwrap gives the cause, for errors.Is(err, context.DeadlineExceeded).
func (e *Error) Unwrap() error { return e.err }

// NewError is a failed delivery by a channel outside this package (an
// outbox kind that sends itself): target redacted, msg free of secrets,
// cause kept for errors.Is but never shown.
func NewError(kind Kind, target string, status int, retryable bool, cause error, msg string) *Error {
	return &Error{Channel: kind, Target: target, StatusCode: status, Message: msg, retryable: retryable, err: cause}
}

// Retryable reports whether err is a delivery failure worth retrying.
// Errors that are not an *Error (a bug, an invalid target) are not.
func Retryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.retryable
}

// RetryableStatus is the HTTP classification shared by every HTTP channel:
// 408, 429 and 5xx are temporary; everything else that is not 2xx is not.
func RetryableStatus(code int) bool {
	return code == 408 || code == 429 || code >= 500
}

// TargetChecker is a channel that can refuse a target before anything is
// sent to it (an address its outbound policy refuses), with an error
// naming the field.
type TargetChecker interface {
	CheckTarget(t Target) error
}

// Mux sends each Target to the Notifier registered for its Kind.
type Mux map[Kind]Notifier

var _ Notifier = Mux(nil)

// CheckTarget validates t and asks its channel whether it may be sent to,
// so a contact or subscription is refused when it is entered.
func (m Mux) CheckTarget(t Target) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if c, ok := m[t.Kind].(TargetChecker); ok {
		return c.CheckTarget(t)
	}
	return nil
}

// CheckTarget validates t, and asks n whether it may be sent to when n
// can tell (a Mux, an HTTP channel).
func CheckTarget(n Notifier, t Target) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if c, ok := n.(TargetChecker); ok {
		return c.CheckTarget(t)
	}
	return nil
}

// Notify hands t to the Notifier for t.Kind, which validates it.
func (m Mux) Notify(ctx context.Context, t Target, msg Message) (Result, error) {
	n, ok := m[t.Kind]
	if !ok {
		return Result{Channel: t.Kind}, errs.E(errs.Invalid, "kind", "no channel configured for contact kind %q", t.Kind)
	}
	return n.Notify(ctx, t, msg)
}

// attempt carries one delivery's bookkeeping: its start, the redacted
// target and the secrets to scrub from anything shown.
type attempt struct {
	kind    Kind
	target  string
	secrets []string
	start   time.Time
}

func newAttempt(kind Kind, t Target) *attempt {
	return &attempt{kind: kind, target: t.redacted(), secrets: t.secrets(), start: time.Now()}
}

func (a *attempt) result(code int, response string) Result {
	return Result{Channel: a.kind, Target: a.target, StatusCode: code, Response: a.scrub(response), Latency: time.Since(a.start)}
}

// fail builds the Result and *Error for a failure; msg is scrubbed.
func (a *attempt) fail(code int, response string, retryable bool, cause error, msg string) (Result, error) {
	r := a.result(code, response)
	return r, &Error{Channel: a.kind, Target: a.target, StatusCode: code, Message: a.scrub(msg), retryable: retryable, err: cause}
}

// failTransport classifies an error that came before any reply: a
// deadline, a refused or reset connection, a DNS failure.
func (a *attempt) failTransport(ctx context.Context, err error) (Result, error) {
	var msg string
	var refused *outbound.RefusedError
	switch {
	case errors.As(err, &refused):
		// The policy will refuse it next time too.
		return a.fail(0, "", false, err, refused.Error())
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded:
		msg = "timed out"
		err = errors.Join(err, context.DeadlineExceeded)
	case errors.Is(err, context.Canceled):
		msg = "canceled"
	default:
		msg = describeNetError(err)
	}
	return a.fail(0, "", true, err, msg)
}

// describeNetError names a transport failure without the URL that
// *url.Error would print (it may hold a token).
func describeNetError(err error) string {
	var op *net.OpError
	if errors.As(err, &op) {
		return fmt.Sprintf("%s: %v", op.Op, op.Err)
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "lookup " + dns.Name + ": " + dns.Err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timed out"
	}
	return "transport error: " + innermost(err).Error()
}

// innermost unwraps single-cause chains to the root error.
func innermost(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// scrub replaces every secret in s and bounds it to one short line.
func (a *attempt) scrub(s string) string {
	for _, sec := range a.secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
}

// withTimeout bounds ctx by d, or DefaultTimeout.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		d = DefaultTimeout
	}
	return context.WithTimeout(ctx, d)
}
