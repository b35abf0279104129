package incident

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// MaxAttempts bounds how often Retry decides a change again after a
// version conflict: a busy war room with dozens of people writing to one
// incident at once still converges well within it.
const MaxAttempts = 25

// Write commits a decided change — its events, side records and jobs — in
// one transaction. A version conflict (errs.Conflict) means the state the
// decision was made over changed meanwhile.
type Write func(ctx context.Context) error

// Decide loads the current state and decides a change over it: the Write
// that records it, nil for no change, or the error that refuses it (a
// refusal is final; it is never retried).
type Decide func(ctx context.Context) (Write, error)

// Retry decides and writes until the write is not a version conflict, at
// most MaxAttempts times. Between attempts it waits a jittered, growing
// pause (up to a millisecond per attempt so far) so writers that collided
// do not collide again; it gives up at once when ctx ends.
//
// decide must load everything it decides on afresh each time: a retry is
// a new decision over the new state, never a replay of the old write.
// Every service changes incidents and their side records through it (see
// the package doc, "How a change is written").
func Retry(ctx context.Context, decide Decide) error { return change(ctx, MaxAttempts, decide) }

// Once decides and writes once: for callers who named the version they
// saw, a conflict is theirs to resolve, not ours to retry. A concurrent
// write between the load and the write means what they named is no longer
// current: that is an errs.Precondition (412), not a conflict.
func Once(ctx context.Context, decide Decide) error {
	err := change(ctx, 1, decide)
	if e, ok := errs.As(err); ok && e.Code == errs.Conflict && e.Field == "version" {
		return &errs.Error{Code: errs.Precondition, Field: e.Field, Message: e.Message, Details: e.Details}
	}
	return err
}

func change(ctx context.Context, attempts int, decide Decide) error {
	for n := 1; ; n++ {
		write, err := decide(ctx)
		if err != nil || write == nil {
			return err
		}
		err = write(ctx)
		if err == nil || errs.CodeOf(err) != errs.Conflict || n >= attempts ||
			errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		t := time.NewTimer(time.Duration(rand.Int64N(int64(n)*int64(time.Millisecond))) + 1)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("retry after a version conflict: %w", ctx.Err())
		case <-t.C:
		}
	}
}
