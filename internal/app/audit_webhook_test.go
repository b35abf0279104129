package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// The checkpoint webhook is an address from the policy file: it goes
// through the guarded client, so an internal receiver is reached only
// when outbound.allow names it.
func TestCheckpointWebhookFollowsTheOutboundPolicy(t *testing.T) {
	for _, tt := range []struct {
		name   string
		policy outbound.Policy
		want   bool
	}{
		{"allow-listed loopback receiver", outbound.LoopbackPolicy(), true},
		{"no allow-list", outbound.Policy{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan map[string]any, 4)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var cp map[string]any
				b, _ := io.ReadAll(r.Body)
				json.Unmarshal(b, &cp)
				got <- cp
			}))
			defer srv.Close()
			dir := t.TempDir()
			var logs syncLog
			a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DSN: storetest.SQLiteDSN(t), BootstrapToken: adminToken, Version: "test",
				Outbound: tt.policy, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
				Audit: &app.AuditConfig{KeyFile: filepath.Join(dir, "audit-key.pem"), File: filepath.Join(dir, "cp.jsonl"), Webhook: srv.URL + "/checkpoints", Every: -1}})
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			defer a.Stop(context.Background())
			if tt.want {
				select {
				case cp := <-got:
					if cp["head"] == nil {
						t.Fatalf("checkpoint without a head: %v", cp)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("the allow-listed receiver got no checkpoint; log:\n%s", logs.String())
				}
				return
			}
			// The refusal is logged once the post was tried: from then on
			// the receiver has all it will ever get.
			waitUntil(t, "the refused post in the log", 10*time.Second, func() bool {
				return strings.Contains(logs.String(), "not delivered to the webhook") && strings.Contains(logs.String(), "loopback")
			})
			if len(got) != 0 {
				t.Fatalf("a receiver outside outbound.allow got a checkpoint: %v", <-got)
			}
		})
	}
}

// syncLog collects log output written from several goroutines.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
