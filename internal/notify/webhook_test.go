package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// captured is one request as the receiver saw it.
type captured struct {
	ts, sig, id string
	body        []byte
}

func TestWebhookSignedDeliveryAndReplay(t *testing.T) {
	t.Parallel()
	key := []byte(hmacKey)
	got := make(chan captured, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts, sig := r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature)
		if err := VerifySignature(key, ts, sig, body, time.Now(), time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want a JSON POST", http.StatusBadRequest)
			return
		}
		got <- captured{ts: ts, sig: sig, id: r.Header.Get(HeaderMessageID), body: body}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	m := testMessage()
	res, err := (&Webhook{HTTPConfig: loopHTTP}).Notify(context.Background(), Target{Kind: KindWebhook, Address: srv.URL + "/hooks/" + hookToken, Secret: hmacKey}, m)
	if err != nil {
		t.Fatalf("Notify: %v", err)
	}
	if res.StatusCode != 204 || res.Channel != KindWebhook || res.Target != srv.URL+"/…" || res.Latency <= 0 {
		t.Errorf("result = %+v", res)
	}
	c := <-got
	if c.id != m.ID {
		t.Errorf("%s = %q", HeaderMessageID, c.id)
	}

	// The payload, decoded strictly, is the documented shape.
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.DisallowUnknownFields()
	var p WebhookPayload
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("payload: %v", err)
	}
	want := WebhookPayload{ID: m.ID, Kind: "Page", Title: m.Title, Body: m.Body, Severity: m.Severity, URL: m.URL, AckURL: m.AckURL, Fields: m.Fields, Time: m.Time}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("payload = %+v\nwant %+v", p, want)
	}
	var raw map[string]any
	_ = json.Unmarshal(c.body, &raw)
	for _, k := range []string{"id", "kind", "title", "body", "severity", "url", "ack_url", "fields", "time"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("payload lacks %q", k)
		}
	}

	now := time.Now()
	sec, _ := strconv.ParseInt(c.ts, 10, 64)
	shifted := strconv.FormatInt(sec+1, 10)
	cases := []struct {
		name string
		key  []byte
		ts   string
		sig  string
		body []byte
		now  time.Time
		want error
	}{
		{"replayed ten minutes later", key, c.ts, c.sig, c.body, now.Add(10 * time.Minute), ErrTimestampSkew},
		{"from the future", key, c.ts, c.sig, c.body, now.Add(-10 * time.Minute), ErrTimestampSkew},
		{"body altered", key, c.ts, c.sig, append(bytes.Clone(c.body), ' '), now, ErrSignatureInvalid},
		{"timestamp altered", key, shifted, c.sig, c.body, now, ErrSignatureInvalid},
		{"wrong key", []byte("another-key-0123456789"), c.ts, c.sig, c.body, now, ErrSignatureInvalid},
		{"no v1 prefix", key, c.ts, c.sig[3:], c.body, now, ErrSignatureInvalid},
		{"missing", key, "", c.sig, c.body, now, ErrSignatureMissing},
		{"not a number", key, "yesterday", c.sig, c.body, now, ErrTimestampInvalid},
	}
	for _, tc := range cases {
		err := VerifySignature(tc.key, tc.ts, tc.sig, tc.body, tc.now, time.Minute)
		if !errors.Is(err, tc.want) || errs.CodeOf(err) != errs.Unauthorized {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	// Key rotation: one matching value among several is enough.
	if err := VerifySignature(key, c.ts, "v1=00ff,"+c.sig, c.body, now, 0); err != nil {
		t.Errorf("rotated signature: %v", err)
	}
}

// TestSignatureVector pins the scheme to an independently computed value
// (Python: hmac.new(key, b'1700000000.{"a":1}', sha256).hexdigest()).
func TestSignatureVector(t *testing.T) {
	t.Parallel()
	key := []byte("0123456789abcdef-key")
	const want = "v1=5dee649719c614c59684367e4bc02f4084affd0b3b1872b29cbcc676e2e1f0d8"
	if got := Sign(key, "1700000000", []byte(`{"a":1}`)); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	if err := VerifySignature(key, "1700000000", want, []byte(`{"a":1}`), time.Unix(1700000100, 0), 0); err != nil {
		t.Fatalf("VerifySignature within the default tolerance: %v", err)
	}
	if err := VerifySignature(key, "1700000000", want, []byte(`{"a":1}`), time.Unix(1700000301, 0), 0); !errors.Is(err, ErrTimestampSkew) {
		t.Fatalf("VerifySignature past five minutes: %v", err)
	}
}

func TestWebhookRefusesAnUnverifiableTarget(t *testing.T) {
	t.Parallel()
	_, err := (&Webhook{HTTPConfig: loopHTTP}).Notify(context.Background(), Target{Kind: KindWebhook, Address: "https://example.com/hook"}, testMessage())
	if err == nil || Retryable(err) || err.Error() != "notify webhook https://example.com/…: secret: a webhook contact needs an HMAC signing key" {
		t.Fatalf("got %v", err)
	}
}
