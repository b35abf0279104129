package deliverylimit

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// TestAcquireQueued: a destination with every slot in use hands a freed
// slot to the waiters in the order they asked; a waiter refused after
// Queue hears "saturated"; an open breaker refuses at once.
func TestAcquireQueued(t *testing.T) {
	ctx := context.Background()
	t.Run("handed over in order", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := New(Options{Workers: 32, PerDestination: 1, Queue: time.Second})
			first, err := l.Acquire("d")
			if err != nil {
				t.Fatal(err)
			}
			got := make(chan int, 2)
			for i := range 2 {
				go func() {
					tk, err := l.AcquireQueued(ctx, "d")
					if err != nil {
						got <- -1
						return
					}
					got <- i
					tk.Done(Succeeded)
				}()
				synctest.Wait() // queued before the next one asks
			}
			first.Done(Succeeded)
			if a, b := <-got, <-got; a != 0 || b != 1 {
				t.Fatalf("slots went to %d then %d, want 0 then 1", a, b)
			}
			if _, err := l.Acquire("d"); err != nil {
				t.Fatalf("every slot given back, yet: %v", err)
			}
		})
	})
	t.Run("refused after the wait", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := New(Options{Workers: 32, PerDestination: 1, Queue: 100 * time.Millisecond})
			held, err := l.Acquire("d")
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = l.AcquireQueued(ctx, "d")
			var b *BusyError
			if !errors.As(err, &b) || b.Reason != "saturated" {
				t.Fatalf("got %v, want a saturated refusal", err)
			}
			if waited := time.Since(start); waited != 100*time.Millisecond {
				t.Fatalf("waited %s, want the queue time", waited)
			}
			held.Done(Succeeded)
			if _, err := l.AcquireQueued(ctx, "d"); err != nil {
				t.Fatalf("a free slot refused: %v", err)
			}
		})
	})
	t.Run("open breaker refuses at once", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := New(Options{Workers: 32, PerDestination: 1, FailureThreshold: 1, Queue: time.Second})
			tk, err := l.Acquire("d")
			if err != nil {
				t.Fatal(err)
			}
			tk.Done(Failed)
			start := time.Now()
			_, err = l.AcquireQueued(ctx, "d")
			var b *BusyError
			if !errors.As(err, &b) || b.Reason != "breaker_open" || time.Since(start) != 0 {
				t.Fatalf("got %v after %s, want breaker_open at once", err, time.Since(start))
			}
		})
	})
}
