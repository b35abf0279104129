package triage_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// TestConcurrentDeliveries sends many deliveries at once, some of them by
// callers that give up while waiting, so deliveries share transactions
// (SQLite's group commit, PostgreSQL's batched ingest) and some leave a
// batch before their turn. Every delivery answered with success is
// stored, every one answered with an error is not, a caller giving up
// never undoes another's, and deliveries of one new alert in the same
// moment see each other: one stores it, the rest are repeats.
func TestConcurrentDeliveries(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, b storetest.Backend) {
		s := newSetup(t, b)
		ctx := context.Background()
		q := s.app.Services.Triage
		_, secret, err := q.CreateIntegration(ctx, "admin", triage.IntegrationInput{Kind: alert.SourceGeneric, Name: "storm", Service: "checkout"})
		if err != nil {
			t.Fatal(err)
		}
		body := func(key string) []byte {
			return fmt.Appendf(nil, `{"dedup_key": %q, "action": "trigger", "summary": "storm %s", "labels": {"alertname": "storm-%d"}}`, key, key, len(key)%3)
		}
		const n = 48
		var wg sync.WaitGroup
		ok := make([]bool, n)
		for i := range n {
			wg.Go(func() {
				c := ctx
				if i%2 == 1 { // gives up at some point: before, while or after waiting its turn
					var cancel context.CancelFunc
					c, cancel = context.WithTimeout(ctx, time.Duration(i%8)*time.Millisecond)
					defer cancel()
				}
				_, err := q.Receive(c, alert.SourceGeneric, secret, body(fmt.Sprintf("key-%d", i)))
				ok[i] = err == nil
				if err != nil && i%2 == 0 {
					t.Errorf("delivery %d: %v", i, err)
				}
			})
		}
		const same = 8
		repeats := make([]int, same)
		for i := range same {
			wg.Go(func() {
				r, err := q.Receive(ctx, alert.SourceGeneric, secret, body("same"))
				if err != nil {
					t.Errorf("delivery of the same alert: %v", err)
				}
				repeats[i] = r.Repeats
			})
		}
		wg.Wait()
		total := 0
		for _, r := range repeats {
			total += r
		}
		if total != same-1 {
			t.Errorf("%d deliveries of one new alert at once: %d repeats, want %d", same, total, same-1)
		}
		// Sent again, a stored alert is a repeat and one not stored is not.
		for i := range n {
			r, err := q.Receive(ctx, alert.SourceGeneric, secret, body(fmt.Sprintf("key-%d", i)))
			if err != nil {
				t.Fatal(err)
			}
			if stored := r.Repeats == 1; stored != ok[i] {
				t.Errorf("delivery %d: answered ok=%v, stored=%v", i, ok[i], stored)
			}
		}
	})
}
