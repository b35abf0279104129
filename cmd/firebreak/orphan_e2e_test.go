package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/notify"
)

// TestKilledMidSendResendsAtOnce: the server is killed with SIGKILL while
// it is sending a page (the receiver holds the request open), so the send
// was never recorded. After a restart the page goes out within two
// seconds — the restarted process releases the delivery job its dead
// predecessor held — instead of after the 20 s grace the job waits when
// its sender may still be at work.
func TestKilledMidSendResendsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	in := &pageInbox{got: map[string][]arrival{}}
	var armed, held atomic.Bool
	hanging := make(chan struct{}, 1)
	release := make(chan struct{})
	in.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := strings.TrimPrefix(r.URL.Path, "/")
		if armed.Load() && user == "alice" && held.CompareAndSwap(false, true) {
			hanging <- struct{}{}
			select { // until the sender dies (its connection closes) or the test ends
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		at := time.Now()
		body, _ := io.ReadAll(r.Body)
		if err := notify.VerifySignature([]byte(e2eHookKey), r.Header.Get("X-Firebreak-Timestamp"), r.Header.Get("X-Firebreak-Signature"), body, at, 0); err != nil {
			t.Errorf("page to %s: %v", user, err)
		}
		var p notify.WebhookPayload
		json.Unmarshal(body, &p)
		in.mu.Lock()
		in.got[user] = append(in.got[user], arrival{at, p})
		in.mu.Unlock()
	}))
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }); in.srv.Close() })

	dir := t.TempDir()
	secrets := preparePaging(t, filepath.Join(dir, "firebreak.db"), in)
	policy := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(policy, []byte("outbound:\n  allow: [127.0.0.0/8]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "--data-dir", dir, "--policy", policy)
	armed.Store(true)
	fireGeneric(t, s.URL, secrets["checkout"], "checkout-5xx")
	select {
	case <-hanging:
	case <-time.After(15 * time.Second):
		t.Fatalf("the page to alice was not sent within 15 s:\n%s", s.out)
	}
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-s.done
	if n := len(in.pages("alice")); n != 1 { // the verification code only
		t.Fatalf("alice has %d messages before the restart, want the code only", n)
	}
	restarted := startServer(t, "--data-dir", dir, "--policy", policy)
	defer restarted.stop(t)
	up := time.Now()
	got := in.waitPages(t, "alice", 2, 15*time.Second)
	lag := got[1].at.Sub(up)
	t.Logf("the orphaned page arrived %s after the restart", lag.Round(time.Millisecond))
	if lag > 2*time.Second {
		t.Errorf("the orphaned page arrived %s after the restart, want within 2 s", lag)
	}
}
