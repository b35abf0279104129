package engine_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/firebreak-ir/firebreak/internal/engine"
)

// deadPID is the PID of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot run true to find a dead PID: %v", err)
	}
	return cmd.Process.Pid
}

// TestReleaseDeadOwnersAtStart: on a shared database (not SingleNode) a
// starting engine releases at once the leases of this host's processes
// that are gone — a dead PID, an earlier process that had our PID — and
// leaves those of live processes, other hosts and unknown names to run
// out. On SQLite and PostgreSQL.
func TestReleaseDeadOwnersAtStart(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		host, err := os.Hostname()
		if err != nil {
			t.Skipf("no host name: %v", err)
		}
		owners := map[string]string{
			"dead":     fmt.Sprintf("%s/%d/%d/aaaaaa", host, deadPID(t), time.Now().UnixMilli()),
			"earlier":  fmt.Sprintf("%s/%d/%d/bbbbbb", host, os.Getpid(), 1),
			"live":     fmt.Sprintf("%s/%d/%d/cccccc", host, os.Getppid(), 1),
			"other":    fmt.Sprintf("elsewhere.example/%d/%d/dddddd", deadPID(t), 1),
			"unparsed": host + "-4711-eeeeee",
		}
		for name, owner := range owners {
			e.enqueue(t, engine.Job{ID: "job-" + name, Kind: "page", RunAt: t0})
			if got, err := e.db.Claim(e.ctx, owner, t0, time.Hour, 1); err != nil || len(got) != 1 {
				t.Fatalf("claim %s: %v %v", name, got, err)
			}
		}
		ran := make(chan string, 8)
		eng := e.engine(engine.Options{Poll: 10 * time.Millisecond})
		eng.Handle("page", func(ctx context.Context, j engine.Job) error { ran <- j.ID; return nil })
		run(t, eng)
		got := map[string]bool{}
		for range 2 {
			got[waitFor(t, ran, 5*time.Second, "a released job")] = true
		}
		if !got["job-dead"] || !got["job-earlier"] {
			t.Errorf("ran %v, want job-dead and job-earlier", got)
		}
		// Released before the first claim: what was not released is
		// still leased by its owner.
		left, err := e.db.LeaseOwners(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"live", "other", "unparsed"} {
			if !slices.Contains(left, owners[name]) {
				t.Errorf("the lease of %s (%s) was released: owners now %v", name, owners[name], left)
			}
		}
		select {
		case id := <-ran:
			t.Errorf("%s ran although its owner may be alive", id)
		default:
		}
	})
}

// TestHeldJobReleasedWhenHolderGone: a job written with a Holder is
// leased to it (not claimable while the holder lives), and a restarted
// single-node engine runs it at once because its holder is gone, not when
// the lease ends.
func TestHeldJobReleasedWhenHolderGone(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		crashed := e.engine(engine.Options{})
		e.enqueue(t, engine.Job{ID: "held", Kind: "page", RunAt: t0.Add(time.Hour), Holder: crashed.Owner()})
		if got, err := e.db.Claim(e.ctx, "someone", t0, time.Minute, 10); err != nil || len(got) != 0 {
			t.Fatalf("a held job was claimable before its lease ended: %v %v", got, err)
		}
		ran := make(chan string, 1)
		restarted := e.engine(engine.Options{SingleNode: true, Poll: time.Hour})
		restarted.Handle("page", func(ctx context.Context, j engine.Job) error { ran <- j.ID; return nil })
		run(t, restarted)
		if id := waitFor(t, ran, 5*time.Second, "the held job after its holder is gone"); id != "held" {
			t.Errorf("ran %s", id)
		}
	})
}

// TestHeldJobKeptByItsHolder: the engine that holds a job does not release
// it at its own start (it is sending it inline).
func TestHeldJobKeptByItsHolder(t *testing.T) {
	t.Parallel()
	e := setup(t)
	eng := e.engine(engine.Options{SingleNode: true, Poll: 10 * time.Millisecond})
	e.enqueue(t, engine.Job{ID: "held", Kind: "page", RunAt: t0.Add(time.Hour), Holder: eng.Owner()},
		engine.Job{ID: "marker", Kind: "page", RunAt: t0})
	ran := make(chan string, 2)
	eng.Handle("page", func(ctx context.Context, j engine.Job) error { ran <- j.ID; return nil })
	run(t, eng)
	if id := waitFor(t, ran, 5*time.Second, "the marker job"); id != "marker" {
		t.Fatalf("ran %s first, want the marker (the held job is ours)", id)
	}
	owners, err := e.db.LeaseOwners(e.ctx)
	if err != nil || len(owners) != 1 || owners[0] != eng.Owner() {
		t.Errorf("lease owners %v, %v; want only %s", owners, err, eng.Owner())
	}
}

// failingStore fails every Claim while down is set.
type failingStore struct {
	*memStore
	down   atomic.Bool
	claims atomic.Int32
}

func (f *failingStore) Claim(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]engine.Job, error) {
	f.claims.Add(1)
	if f.down.Load() {
		return nil, errors.New("database is down")
	}
	return f.memStore.Claim(ctx, worker, now, lease, limit)
}

// TestClaimBacksOff: while the database fails, the loop doubles its wait
// between claims up to 30 s instead of retrying every Poll, and claims
// again once it answers.
func TestClaimBacksOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &failingStore{memStore: newMemStore()}
		s.down.Store(true)
		e := engine.New(s, engine.Options{Poll: 500 * time.Millisecond})
		started := make(chan time.Time, 1)
		e.Handle("page", func(ctx context.Context, j engine.Job) error { started <- time.Now(); return nil })
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { e.Run(ctx); close(done) }()
		t.Cleanup(func() { cancel(); <-done })

		time.Sleep(2 * time.Minute)
		synctest.Wait()
		// 0.5+1+2+4+8+16+30+30+30 s: 10 claims in two minutes, where a
		// claim every Poll would be 240.
		if n := s.claims.Load(); n > 12 {
			t.Errorf("%d claims in two minutes of failures, want about 10", n)
		}
		s.Enqueue(t.Context(), engine.Job{ID: "j", Kind: "page", RunAt: time.Now()})
		s.down.Store(false)
		back := time.Now()
		time.Sleep(31 * time.Second)
		synctest.Wait()
		select {
		case at := <-started:
			if at.Sub(back) > 30*time.Second {
				t.Errorf("claimed %s after the database came back, want within the 30 s backoff", at.Sub(back))
			}
		default:
			t.Fatal("no job ran after the database came back")
		}
	})
}
