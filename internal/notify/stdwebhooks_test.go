package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// The Standard Webhooks specification's published example: its reference
// libraries all test Sign against it.
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = "1614265330"
	specBody      = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestStandardWebhooksSpecVector(t *testing.T) {
	t.Parallel()
	key := StandardKey(specSecret)
	if got := SignStandard(key, specID, specTimestamp, []byte(specBody)); got != specSignature {
		t.Fatalf("SignStandard = %s, want %s", got, specSignature)
	}
	if got := StandardSecret(specSecret); got != specSecret {
		t.Errorf("StandardSecret(whsec_…) = %q, want it unchanged", got)
	}
	at := time.Unix(1614265330, 0)
	if err := VerifyStandard(key, specID, specTimestamp, "v1,AAAA "+specSignature, []byte(specBody), at.Add(time.Minute), 0); err != nil {
		t.Errorf("VerifyStandard among several signatures: %v", err)
	}
	cases := []struct {
		name, id, ts, sig, body string
		now                     time.Time
		want                    error
	}{
		{"replayed", specID, specTimestamp, specSignature, specBody, at.Add(10 * time.Minute), ErrTimestampSkew},
		{"other id", "msg_other", specTimestamp, specSignature, specBody, at, ErrSignatureInvalid},
		{"body altered", specID, specTimestamp, specSignature, specBody + " ", at, ErrSignatureInvalid},
		{"v1= is ours, not theirs", specID, specTimestamp, "v1=" + specSignature[3:], specBody, at, ErrSignatureInvalid},
		{"no id", "", specTimestamp, specSignature, specBody, at, ErrSignatureMissing},
		{"not a number", specID, "soon", specSignature, specBody, at, ErrTimestampInvalid},
	}
	for _, tc := range cases {
		err := VerifyStandard(key, tc.id, tc.ts, tc.sig, []byte(tc.body), tc.now, 0)
		if !errors.Is(err, tc.want) || errs.CodeOf(err) != errs.Unauthorized {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestStandardSecretForms(t *testing.T) {
	t.Parallel()
	// A secret as written is the key's bytes; its whsec_ form is what a
	// verifier takes.
	if got, want := StandardSecret("hmac-key-super-secret-0123456789"), "whsec_aG1hYy1rZXktc3VwZXItc2VjcmV0LTAxMjM0NTY3ODk="; got != want {
		t.Errorf("StandardSecret = %q, want %q", got, want)
	}
	cases := []struct {
		secret, want string
	}{
		{"hmac-key-super-secret-0123456789", ""},
		{specSecret, ""},
		{"whsec_not base64!!", "secret: a signing key written as whsec_… must be followed by standard base64"},
		{"whsec_MDEyMzQ1Njc4OQ==", "secret: the webhook signing key must be at least 16 bytes once decoded"},
	}
	for _, tc := range cases {
		err := Target{Kind: KindWebhook, Address: "https://example.com/hook", Secret: tc.secret}.Validate()
		got := ""
		if err != nil {
			got = err.Error()
			if e, ok := errs.As(err); !ok || e.Code != errs.Invalid || e.Field != "secret" {
				t.Errorf("%q: %v is not an invalid secret", tc.secret, err)
			}
		}
		if got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.secret, got, tc.want)
		}
	}
}

// hookRequest is one webhook request as its receiver saw it.
type hookRequest struct {
	header http.Header
	body   []byte
}

func receiver(t *testing.T) (*httptest.Server, <-chan hookRequest) {
	got := make(chan hookRequest, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- hookRequest{header: r.Header.Clone(), body: body}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

// TestWebhookSendsBothSignatures: every signed webhook carries ours and the
// Standard Webhooks set, signed at the same instant over the same bytes.
func TestWebhookSendsBothSignatures(t *testing.T) {
	t.Parallel()
	srv, got := receiver(t)
	now := time.Date(2026, 11, 27, 3, 12, 5, 0, time.UTC)
	w := &Webhook{HTTPConfig: loopHTTP, Now: func() time.Time { return now }}
	m := testMessage()
	if _, err := w.Notify(context.Background(), Target{Kind: KindWebhook, Address: srv.URL, Secret: hmacKey}, m); err != nil {
		t.Fatal(err)
	}
	r := <-got
	h := r.header
	if h.Get("webhook-id") != m.ID || h.Get("webhook-timestamp") != strconv.FormatInt(now.Unix(), 10) || h.Get("webhook-timestamp") != h.Get(HeaderTimestamp) {
		t.Errorf("headers = %v", h)
	}
	if err := VerifyStandard(StandardKey(hmacKey), h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature"), r.body, now, 0); err != nil {
		t.Errorf("webhook-signature: %v", err)
	}
	if err := VerifySignature([]byte(hmacKey), h.Get(HeaderTimestamp), h.Get(HeaderSignature), r.body, now, 0); err != nil {
		t.Errorf("%s: %v", HeaderSignature, err)
	}
}

// TestWebhookWithoutAckURL: a message that is not a page (a stakeholder
// update) has no acknowledgement link, and the payload says what it is
// instead of an empty ack_url; a message without an ID still gets a
// webhook-id, the same for the same body.
func TestWebhookWithoutAckURL(t *testing.T) {
	t.Parallel()
	srv, got := receiver(t)
	w := &Webhook{HTTPConfig: loopHTTP}
	m := Message{Kind: "Stakeholder update", Title: "INC-1 Checkout down: update", Body: "Fixed.", Time: time.Unix(1700000000, 0)}
	for range 2 {
		if _, err := w.Notify(context.Background(), Target{Kind: KindWebhook, Address: srv.URL, Secret: hmacKey}, m); err != nil {
			t.Fatal(err)
		}
	}
	a, b := <-got, <-got
	var raw map[string]any
	if err := json.Unmarshal(a.body, &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["ack_url"]; ok {
		t.Errorf("payload has ack_url: %s", a.body)
	}
	if raw["kind"] != "Stakeholder update" {
		t.Errorf("kind = %v", raw["kind"])
	}
	if id := a.header.Get("webhook-id"); !strings.HasPrefix(id, "msg_") || id != b.header.Get("webhook-id") {
		t.Errorf("webhook-id = %q then %q", id, b.header.Get("webhook-id"))
	}
	if a.header.Get(HeaderMessageID) != "" {
		t.Errorf("%s = %q for a message without ID", HeaderMessageID, a.header.Get(HeaderMessageID))
	}
}

// verifyWithNode runs the standardwebhooks npm package's verifier on a
// request as received: an off-the-shelf receiver's check. It is skipped
// where node or the package is missing; FIREBREAK_TEST_NODE_PATH names a
// node_modules folder holding it (.ci/run installs it there).
func verifyWithNode(t *testing.T, secret string, r hookRequest) {
	t.Helper()
	dir := nodeModules(t, "standardwebhooks")
	const script = `
const { Webhook } = require("standardwebhooks");
const [secret, id, ts, sig, body] = process.argv.slice(1);
const h = {"webhook-id": id, "webhook-timestamp": ts, "webhook-signature": sig};
new Webhook(secret).verify(body, h);
// One byte more must fail, or this check proves nothing.
try { new Webhook(secret).verify(body + " ", h); process.exit(3); } catch (e) {}
console.log("verified");
`
	cmd := exec.Command("node", "-e", script, secret, r.header.Get("webhook-id"), r.header.Get("webhook-timestamp"), r.header.Get("webhook-signature"), string(r.body))
	cmd.Env = append(os.Environ(), "NODE_PATH="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "verified" {
		t.Fatalf("standardwebhooks (node) refused the signature: %v\n%s", err, out)
	}
}

// TestWebhookPassesStandardWebhooksVerifier: a real delivery, signed on
// the real clock (the verifier checks it), passes the npm verifier given
// the secret's whsec_ form.
func TestWebhookPassesStandardWebhooksVerifier(t *testing.T) {
	t.Parallel()
	nodeModules(t, "standardwebhooks")
	srv, got := receiver(t)
	if _, err := (&Webhook{HTTPConfig: loopHTTP}).Notify(context.Background(), Target{Kind: KindWebhook, Address: srv.URL, Secret: hmacKey}, testMessage()); err != nil {
		t.Fatal(err)
	}
	verifyWithNode(t, StandardSecret(hmacKey), <-got)
}

// nodeModules is a node_modules folder holding pkg, or "" (the test is
// skipped with the reason) when node or the package is not installed.
func nodeModules(t *testing.T, pkg string) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed: the off-the-shelf verifier is not run")
	}
	dir := os.Getenv("FIREBREAK_TEST_NODE_PATH")
	if dir == "" {
		t.Skipf("FIREBREAK_TEST_NODE_PATH is not set: the npm package %s is not run", pkg)
	}
	if _, err := os.Stat(filepath.Join(dir, pkg, "package.json")); err != nil {
		t.Skipf("the npm package %s is not in %s", pkg, dir)
	}
	return dir
}
