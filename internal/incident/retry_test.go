package incident

import (
	"context"
	"errors"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

func TestRetry(t *testing.T) {
	conflict := errs.E(errs.Conflict, "version", "changed meanwhile")
	refused := errs.E(errs.Conflict, "title", "someone else changed it")
	tests := []struct {
		name      string
		once      bool
		conflicts int   // writes that conflict before one succeeds
		decideErr error // what every decision returns
		writeErr  error // what a write returns after the conflicts
		decisions int   // decisions made
		want      error
	}{
		{name: "written at once", decisions: 1},
		{name: "decided again after conflicts", conflicts: 3, decisions: 4},
		{name: "gives up at the bound", conflicts: MaxAttempts + 5, decisions: MaxAttempts, want: conflict},
		{name: "a refusal is final", decideErr: refused, decisions: 1, want: refused},
		{name: "other write errors are final", writeErr: errs.E(errs.Invalid, "x", "bad"), decisions: 1},
		{name: "once does not retry", once: true, conflicts: 2, decisions: 1, want: errs.E(errs.Precondition, "version", "changed meanwhile")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			decisions, writes := 0, 0
			decide := func(ctx context.Context) (Write, error) {
				decisions++
				if tc.decideErr != nil {
					return nil, tc.decideErr
				}
				return func(ctx context.Context) error {
					writes++
					if writes <= tc.conflicts {
						return conflict
					}
					return tc.writeErr
				}, nil
			}
			run := Retry
			if tc.once {
				run = Once
			}
			err := run(t.Context(), decide)
			if decisions != tc.decisions {
				t.Errorf("decided %d times, want %d", decisions, tc.decisions)
			}
			want := tc.want
			if want == nil {
				want = tc.writeErr
			}
			if w, ok := want.(*errs.Error); ok {
				if e, _ := errs.As(err); e == nil || e.Code != w.Code || e.Error() != w.Error() {
					t.Errorf("err = %v (%s), want %v (%s)", err, errs.CodeOf(err), want, w.Code)
				}
			} else if !errors.Is(err, want) && err != want {
				t.Errorf("err = %v, want %v", err, want)
			}
		})
	}
}

func TestRetryNothingToWrite(t *testing.T) {
	n := 0
	err := Retry(t.Context(), func(context.Context) (Write, error) { n++; return nil, nil })
	if err != nil || n != 1 {
		t.Fatalf("err %v after %d decisions, want nil after 1", err, n)
	}
}

func TestRetryStopsWhenCtxEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	n := 0
	err := Retry(ctx, func(context.Context) (Write, error) {
		n++
		return func(context.Context) error {
			cancel() // the caller went away during the write
			return errs.E(errs.Conflict, "version", "changed meanwhile")
		}, nil
	})
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Fatalf("err %v after %d decisions, want context.Canceled after 1", err, n)
	}
}

// Once is for callers who named the version they saw: a concurrent write is
// their precondition failing (412), and any other refusal stays as it was.
func TestOnceStaleWriteFailsThePrecondition(t *testing.T) {
	for _, tt := range []struct {
		name  string
		write error
		want  errs.Code
	}{
		{"version taken meanwhile", errs.E(errs.Conflict, "version", "changed meanwhile"), errs.Precondition},
		{"duplicate", errs.E(errs.Conflict, "id", "exists"), errs.Conflict},
		{"rule", errs.E(errs.Rule, "severity", "needed"), errs.Rule},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			err := Once(t.Context(), func(context.Context) (Write, error) {
				n++
				return func(context.Context) error { return tt.write }, nil
			})
			if errs.CodeOf(err) != tt.want || n != 1 {
				t.Fatalf("err %v (%s) after %d decisions, want %s after 1", err, errs.CodeOf(err), n, tt.want)
			}
		})
	}
}
