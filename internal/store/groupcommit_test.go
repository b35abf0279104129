package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// openGroup opens a fresh SQLite store with a scratch table for the group
// commit tests.
func openGroup(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "gc.db"), Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if db.group == nil {
		t.Fatal("SQLite store opened without group commit")
	}
	if _, err := db.write.Exec(`CREATE TABLE gc (n INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	return db
}

func insert(n int) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO gc (n) VALUES (?)`, n)
		return err
	}
}

func rows(t *testing.T, db *DB) []int {
	t.Helper()
	r, err := db.read.Query(`SELECT n FROM gc ORDER BY n`)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []int
	for r.Next() {
		var n int
		if err := r.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// holdLeader starts a write whose body waits for release, so writes made
// meanwhile queue behind it and then land in one batch together. It returns
// once the leader is committing, with a channel for the leader's result.
func holdLeader(t *testing.T, db *DB) (release func(), done <-chan error) {
	t.Helper()
	ch := make(chan error, 1)
	hold := make(chan struct{})
	go func() {
		ch <- db.tx(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
			<-hold
			return insert(0)(ctx, tx)
		})
	}()
	waitQueue(t, db, func(leading bool, n int) bool { return leading && n == 0 })
	return sync.OnceFunc(func() { close(hold) }), ch
}

// waitQueued waits until n writes wait behind the leader.
func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	waitQueue(t, db, func(_ bool, queued int) bool { return queued == n })
}

func waitQueue(t *testing.T, db *DB, ok func(leading bool, queued int) bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		db.group.mu.Lock()
		done := ok(db.group.leading, len(db.group.queue))
		db.group.mu.Unlock()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("writes did not queue as expected")
		}
		time.Sleep(time.Millisecond)
	}
}

// A failing write in a batch rolls back only its own savepoint.
func TestGroupCommitFailureIsolated(t *testing.T) {
	t.Parallel()
	db := openGroup(t)
	const n = 10
	release, leader := holdLeader(t, db)
	defer release()
	errOdd := errors.New("odd numbers fail after writing")
	var wg sync.WaitGroup
	got := make([]error, n+1)
	for i := 1; i <= n; i++ {
		wg.Go(func() {
			got[i] = db.tx(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
				if err := insert(i)(ctx, tx); err != nil {
					return err
				}
				if i%2 == 1 {
					return errOdd
				}
				return nil
			})
		})
	}
	waitQueued(t, db, n)
	release()
	if err := <-leader; err != nil {
		t.Fatalf("leader: %v", err)
	}
	wg.Wait()
	for i := 1; i <= n; i++ {
		if want := i%2 == 1; errors.Is(got[i], errOdd) != want || (!want && got[i] != nil) {
			t.Errorf("write %d: err = %v", i, got[i])
		}
	}
	if want := []int{0, 2, 4, 6, 8, 10}; !slices.Equal(rows(t, db), want) {
		t.Errorf("rows = %v, want %v", rows(t, db), want)
	}
}

// A write sees earlier writes of its batch, and a conflicting one (here a
// duplicate key) fails alone.
func TestGroupCommitSeesEarlierWrites(t *testing.T) {
	t.Parallel()
	db := openGroup(t)
	release, leader := holdLeader(t, db)
	defer release()
	first := make(chan error, 1)
	go func() { first <- db.tx(context.Background(), insert(7)) }()
	waitQueued(t, db, 1) // the duplicate strictly after the first
	second := make(chan error, 1)
	go func() { second <- db.tx(context.Background(), insert(7)) }()
	waitQueued(t, db, 2)
	release()
	if err := <-leader; err != nil {
		t.Fatalf("leader: %v", err)
	}
	if err := <-first; err != nil {
		t.Errorf("first: %v", err)
	}
	if err := <-second; err == nil || !db.dialect.isUnique(err) {
		t.Errorf("second: err = %v, want a unique violation", err)
	}
	if want := []int{0, 7}; !slices.Equal(rows(t, db), want) {
		t.Errorf("rows = %v, want %v", rows(t, db), want)
	}
}

// A caller cancelled while queued is skipped; one cancelled while its batch
// runs neither interrupts the transaction nor loses the others' writes.
func TestGroupCommitCancellation(t *testing.T) {
	t.Parallel()
	db := openGroup(t)
	release, leader := holdLeader(t, db)
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	queued := make(chan error, 1)
	go func() { queued <- db.tx(ctx, insert(1)) }()
	running := make(chan error, 1)
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() {
		running <- db.tx(ctx2, func(ctx context.Context, tx *sql.Tx) error {
			cancel2() // the caller hangs up mid-transaction
			if ctx.Err() != nil {
				return errors.New("the body's context was cancelled with its caller")
			}
			return insert(2)(ctx, tx)
		})
	}()
	third := make(chan error, 1)
	go func() { third <- db.tx(context.Background(), insert(3)) }()
	waitQueued(t, db, 3)
	cancel() // while queued
	release()
	if err := <-leader; err != nil {
		t.Fatalf("leader: %v", err)
	}
	if err := <-queued; !errors.Is(err, context.Canceled) {
		t.Errorf("queued: err = %v, want context.Canceled", err)
	}
	if err := <-running; err != nil {
		t.Errorf("running: %v", err)
	}
	if err := <-third; err != nil {
		t.Errorf("third: %v", err)
	}
	if want := []int{0, 2, 3}; !slices.Equal(rows(t, db), want) {
		t.Errorf("rows = %v, want %v", rows(t, db), want)
	}
}

// Success means committed: a write is visible to a fresh reader the moment
// tx returns, under heavy concurrency.
func TestGroupCommitDurableBeforeReturn(t *testing.T) {
	t.Parallel()
	db := openGroup(t)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := range 25 {
				n := 1 + w*100 + i
				if err := db.tx(context.Background(), insert(n)); err != nil {
					t.Errorf("insert %d: %v", n, err)
					return
				}
				var got int
				if err := db.read.QueryRow(`SELECT n FROM gc WHERE n = ?`, n).Scan(&got); err != nil {
					t.Errorf("read %d after success: %v", n, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := len(rows(t, db)); got != 16*25 {
		t.Errorf("%d rows, want %d", got, 16*25)
	}
}

// What a body leaves to the end of its batch (atBatchEnd) runs after every
// body of the batch, in their order, in the same transaction; it is dropped
// with a body that fails, and when it fails itself the batch commits
// nothing.
func TestGroupCommitBatchEnd(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		endFail int // the body whose end write fails; 0: none
		want    []int
	}{
		// 1 and 3 fail: neither their rows nor their end rows (101, 103) land;
		// each end row is written after every body's row.
		{name: "failures dropped", want: []int{0, 2, 4, 102, 104}},
		// The leader committed in a batch of its own before.
		{name: "end write fails", endFail: 2, want: []int{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := openGroup(t)
			if _, err := db.write.Exec(`CREATE TABLE gc_order (n INTEGER, seen INTEGER)`); err != nil {
				t.Fatal(err)
			}
			release, leader := holdLeader(t, db)
			defer release()
			errOdd := errors.New("odd numbers fail after queueing")
			const n = 4
			got := make([]error, n+1)
			var wg sync.WaitGroup
			for i := 1; i <= n; i++ {
				waitQueued(t, db, i-1) // in order of i
				wg.Go(func() {
					got[i] = db.tx(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
						if err := insert(i)(ctx, tx); err != nil {
							return err
						}
						if err := atBatchEnd(ctx, tx, func(ctx context.Context, tx *sql.Tx) error {
							if i == tc.endFail {
								return errors.New("end write fails")
							}
							// How many body rows exist when this end write runs.
							_, err := tx.ExecContext(ctx, `INSERT INTO gc_order (n, seen) SELECT ?, count(*) FROM gc WHERE n BETWEEN 1 AND 100`, i)
							if err != nil {
								return err
							}
							return insert(100+i)(ctx, tx)
						}); err != nil {
							return err
						}
						if i%2 == 1 {
							return errOdd
						}
						return nil
					})
				})
			}
			waitQueued(t, db, n)
			release()
			if err := <-leader; err != nil {
				t.Fatalf("leader: %v", err)
			}
			wg.Wait()
			if tc.endFail != 0 {
				for i := 1; i <= n; i++ {
					if got[i] == nil {
						t.Errorf("write %d committed with a failing end write", i)
					}
				}
			} else {
				for i := 1; i <= n; i++ {
					if want := i%2 == 1; errors.Is(got[i], errOdd) != want || (!want && got[i] != nil) {
						t.Errorf("write %d: err = %v", i, got[i])
					}
				}
				var seen []int
				r, err := db.read.Query(`SELECT seen FROM gc_order ORDER BY rowid`)
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				for r.Next() {
					var s int
					if err := r.Scan(&s); err != nil {
						t.Fatal(err)
					}
					seen = append(seen, s)
				}
				if want := []int{2, 2}; !slices.Equal(seen, want) {
					t.Errorf("body rows seen by the end writes = %v, want %v (every body's, written before)", seen, want)
				}
			}
			if !slices.Equal(rows(t, db), tc.want) {
				t.Errorf("rows = %v, want %v", rows(t, db), tc.want)
			}
		})
	}
}

// Outside a grouped batch (PostgreSQL, or no group) the write runs at once.
func TestAtBatchEndWithoutBatch(t *testing.T) {
	t.Parallel()
	db := openGroup(t)
	err := db.txAlone(context.Background(), db.write.DB, func(ctx context.Context, tx *sql.Tx) error {
		if err := atBatchEnd(ctx, tx, insert(5)); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM gc WHERE n = 5`).Scan(&n); err != nil {
			return err
		}
		if n != 1 {
			t.Errorf("row written at the end, not at once")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
