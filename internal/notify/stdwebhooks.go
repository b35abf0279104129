package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// The Standard Webhooks (standardwebhooks.com) headers, sent beside ours on
// every signed webhook so that a receiver can use an off-the-shelf verifier.
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// StandardSecretPrefix marks a secret written in the Standard Webhooks form:
// the prefix, then the key in standard base64.
const StandardSecretPrefix = "whsec_"

// StandardKey is the HMAC key of the webhook-signature header for a
// contact's secret: the decoded key when the secret is written as
// whsec_<base64>, else the secret's bytes as written (the key of
// X-Firebreak-Signature too), so every secret has a Standard Webhooks form
// (StandardSecret) to give a verifier.
func StandardKey(secret string) []byte {
	if rest, ok := strings.CutPrefix(secret, StandardSecretPrefix); ok {
		if key, err := base64.StdEncoding.DecodeString(rest); err == nil {
			return key
		}
	}
	return []byte(secret)
}

// StandardSecret is the secret as a Standard Webhooks verifier takes it:
// whsec_ followed by the base64 of StandardKey(secret).
func StandardSecret(secret string) string {
	return StandardSecretPrefix + base64.StdEncoding.EncodeToString(StandardKey(secret))
}

// validStandardSecret refuses a secret that claims the whsec_ form but is
// not base64, or whose key is too short: a verifier would decode it to
// something else than what we sign with.
func validStandardSecret(secret string) error {
	rest, ok := strings.CutPrefix(secret, StandardSecretPrefix)
	if !ok {
		return nil
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return errs.E(errs.Invalid, "secret", "a signing key written as whsec_… must be followed by standard base64")
	}
	if len(key) < MinKeyBytes {
		return errs.E(errs.Invalid, "secret", "the webhook signing key must be at least %d bytes once decoded", MinKeyBytes)
	}
	return nil
}

// StandardID is the webhook-id of a message: its ID (the idempotency key,
// the same on every retry), or one made from the body when it has none.
func StandardID(messageID string, body []byte) string {
	if messageID != "" {
		return messageID
	}
	sum := sha256.Sum256(body)
	return "msg_" + hex.EncodeToString(sum[:12])
}

// SignStandard returns the webhook-signature value:
// "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)).
func SignStandard(key []byte, id, timestamp string, body []byte) string {
	return "v1," + base64.StdEncoding.EncodeToString(standardMAC(key, id, timestamp, body))
}

func standardMAC(key []byte, id, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// VerifyStandard checks the Standard Webhooks headers as a receiver should:
// a timestamp within tolerance (DefaultTolerance when zero or less) and one
// of the space-separated v1, signatures equal to SignStandard, compared in
// constant time. Its errors are those of VerifySignature.
func VerifyStandard(key []byte, id, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	if id == "" || timestamp == "" || signature == "" {
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
	want := standardMAC(key, id, timestamp, body)
	for v := range strings.FieldsSeq(signature) {
		b64, ok := strings.CutPrefix(v, "v1,")
		if !ok {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return verifyErr(ErrSignatureInvalid)
}
