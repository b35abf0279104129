package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Webhook headers; see the package documentation for the scheme.
const (
	HeaderTimestamp = "X-Firebreak-Timestamp"
	HeaderSignature = "X-Firebreak-Signature"
	HeaderMessageID = "X-Firebreak-Message-Id"
)

// DefaultTolerance is how far a webhook timestamp may be from the
// receiver's clock when VerifySignature is given none.
const DefaultTolerance = 5 * time.Minute

// WebhookPayload is the JSON body of a generic webhook.
type WebhookPayload struct {
	ID       string            `json:"id"`
	Kind     string            `json:"kind"` // Message.What: "Page", "Stakeholder update"…
	Title    string            `json:"title"`
	Body     string            `json:"body"`
	Severity string            `json:"severity"`
	URL      string            `json:"url"`
	AckURL   string            `json:"ack_url,omitempty"` // pages only
	Fields   map[string]string `json:"fields"`
	Time     time.Time         `json:"time"`
}

// Webhook posts signed JSON to a generic HTTP receiver.
type Webhook struct {
	HTTPConfig
	Now func() time.Time // the signing clock; time.Now when nil
}

var _ Notifier = (*Webhook)(nil)

// Notify posts m to t.Address, signed with t.Secret.
func (w *Webhook) Notify(ctx context.Context, t Target, m Message) (Result, error) {
	a := newAttempt(KindWebhook, t)
	if t.Kind != KindWebhook {
		return a.fail(0, "", false, nil, "not a webhook target")
	}
	if err := t.Validate(); err != nil {
		return a.fail(0, "", false, err, err.Error())
	}
	fields := m.Fields
	if fields == nil {
		fields = map[string]string{}
	}
	body, err := json.Marshal(WebhookPayload{
		ID: m.ID, Kind: m.What(), Title: m.Title, Body: m.Body, Severity: m.Severity,
		URL: m.URL, AckURL: m.AckURL, Fields: fields, Time: m.Time.UTC(),
	})
	if err != nil {
		return a.fail(0, "", false, err, "cannot encode the payload")
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	ts := strconv.FormatInt(now().Unix(), 10)
	h := http.Header{}
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderSignature, Sign([]byte(t.Secret), ts, body))
	if m.ID != "" {
		h.Set(HeaderMessageID, m.ID)
	}
	// The Standard Webhooks set beside ours, so off-the-shelf verifiers work.
	id := StandardID(m.ID, body)
	h.Set(HeaderWebhookID, id)
	h.Set(HeaderWebhookTimestamp, ts)
	h.Set(HeaderWebhookSignature, SignStandard(StandardKey(t.Secret), id, ts, body))
	r, err := w.post(ctx, a, t.Address, h, body)
	if err != nil {
		return a.result(0, ""), err
	}
	return a.classify(r)
}

// Sign returns the X-Firebreak-Signature value for body sent at timestamp
// (unix seconds, as sent in X-Firebreak-Timestamp):
// "v1=" + hex(HMAC-SHA256(key, timestamp + "." + body)).
func Sign(key []byte, timestamp string, body []byte) string {
	return "v1=" + hex.EncodeToString(mac(key, timestamp, body))
}

func mac(key []byte, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Signature verification failures; VerifySignature wraps them in an
// *errs.Error with code Unauthorized.
var (
	ErrSignatureMissing = errors.New("missing signature or timestamp")
	ErrSignatureInvalid = errors.New("signature does not match")
	ErrTimestampInvalid = errors.New("timestamp is not unix seconds")
	ErrTimestampSkew    = errors.New("timestamp outside the tolerance (replayed or clock skew)")
)

// VerifySignature checks a webhook request as a receiver should: the
// timestamp must be within tolerance of now (DefaultTolerance when zero
// or less), and one of the comma-separated v1= values in signature must
// equal Sign(key, timestamp, body), compared in constant time. body is the
// raw request body, exactly as received.
func VerifySignature(key []byte, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	if timestamp == "" || signature == "" {
		return verifyErr(ErrSignatureMissing)
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return verifyErr(ErrTimestampInvalid)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return verifyErr(ErrTimestampSkew)
	}
	want := mac(key, timestamp, body)
	for v := range strings.SplitSeq(signature, ",") {
		hexsig, ok := strings.CutPrefix(strings.TrimSpace(v), "v1=")
		if !ok {
			continue
		}
		got, err := hex.DecodeString(hexsig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return verifyErr(ErrSignatureInvalid)
}

func verifyErr(cause error) error {
	return &verifyError{e: errs.E(errs.Unauthorized, "signature", "webhook %s", cause), cause: cause}
}

// verifyError is an *errs.Error for the edges that also matches its
// sentinel with errors.Is.
type verifyError struct {
	e     *errs.Error
	cause error
}

func (v *verifyError) Error() string   { return v.e.Error() }
func (v *verifyError) Unwrap() []error { return []error{v.e, v.cause} }
