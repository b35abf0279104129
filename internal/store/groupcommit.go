package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// groupCommit batches concurrent write transactions on SQLite into one
// database transaction, so many commands share one commit and one fsync.
//
// With synchronous=FULL every commit waits for the disk, and SQLite has a
// single writer, so committing each command on its own caps throughput at
// one command per fsync however many callers wait. Batching keeps the
// durability promise (a caller hears success only after the transaction
// holding its writes has committed) while the disk is flushed once per
// batch instead of once per command.
//
// Each caller's work runs inside its own SAVEPOINT: when it fails (a
// version conflict, a rule checked in the store, a unique key) only its
// savepoint is rolled back and the other callers in the batch are not
// affected. Callers run in arrival order, so a later one sees the writes of
// earlier ones in the same batch, exactly as if they had committed first.
//
// There is no background goroutine: the first caller to find nobody
// committing becomes the leader, takes the queue as one batch, commits it,
// and hands leadership to the first caller that queued meanwhile. Batches
// form by themselves while the previous one is being flushed, so a lone
// caller waits for nothing but its own commit.
type groupCommit struct {
	db    *sql.DB
	owner *DB        // its statement cache; nil in tests of the group commit alone
	wal   *walGuard  // keeps the WAL bounded; nil in tests of the group commit alone
	disk  *diskGuard // refuses writes while the disk is full; nil in tests of the group commit alone
	// first, when set, runs at the start of every batch, with the first
	// savepoint (PostgreSQL: the ingests' advisory lock, taken once per
	// batch instead of once per caller).
	first string
	// joined sends each savepoint with the release of the one before it,
	// one statement between two callers instead of two, and leaves the
	// last to the commit (PostgreSQL: a round trip each, and a COMMIT
	// releases what is open).
	joined bool

	mu      sync.Mutex
	queue   []*writeOp
	leading bool // a caller is committing a batch; the queue waits for it
}

// writeOp is one caller's transaction body waiting to be committed.
type writeOp struct {
	ctx context.Context
	fn  func(ctx context.Context, tx *sql.Tx) error
	err error
	// wake is closed once err is final, or earlier to make this caller the
	// leader (lead is then true).
	wake chan struct{}
	lead bool
}

// maxGroup bounds a batch, so one transaction never holds the write lock
// (and readers' view of the WAL) for long.
const maxGroup = 128

// savepoint names the savepoint around each caller's work; one at a time.
const savepoint = "firebreak_op"

var (
	savepointSQL  = hot("SAVEPOINT " + savepoint)
	rollbackToSQL = hot("ROLLBACK TO " + savepoint)
	releaseSQL    = hot("RELEASE " + savepoint)
)

// exec runs a statement through the owner's statement cache when there is
// an owner (always, outside the group-commit tests).
func (g *groupCommit) exec(ctx context.Context, tx *sql.Tx, q string) (sql.Result, error) {
	if g.owner != nil {
		return g.owner.execTx(ctx, tx, q)
	}
	return tx.ExecContext(ctx, q)
}

// do runs fn in a transaction shared with concurrent callers and returns
// once that transaction has committed, or fn's own error.
func (g *groupCommit) do(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	op := &writeOp{ctx: ctx, fn: fn, wake: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, op)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if !lead {
		// No select on ctx here: once queued, the op may be promoted to
		// leader at any time, and the wait is bounded by one batch.
		<-op.wake
		if !op.lead {
			return op.err
		}
	}
	g.leadBatch(op)
	return op.err
}

// leadBatch commits the batch at the head of the queue, which starts with
// self, then passes leadership on.
func (g *groupCommit) leadBatch(self *writeOp) {
	g.mu.Lock()
	n := min(len(g.queue), maxGroup)
	batch := make([]*writeOp, n)
	copy(batch, g.queue)
	rest := copy(g.queue, g.queue[n:])
	clear(g.queue[rest:]) // drop references to ops being committed
	g.queue = g.queue[:rest]
	g.mu.Unlock()

	if err := g.disk.admit(); err != nil {
		for _, op := range batch {
			op.err = err
		}
	} else {
		g.commit(batch)
		g.afterFull(batch)
	}
	g.wal.after(g)

	// Hand over before waking the batch, so the next batch starts while
	// these callers go on with their results.
	g.mu.Lock()
	if len(g.queue) > 0 {
		next := g.queue[0]
		next.lead = true
		close(next.wake)
	} else {
		g.leading = false
	}
	g.mu.Unlock()
	for _, op := range batch {
		if op != self {
			close(op.wake)
		}
	}
}

// commit runs the batch in one transaction and sets every op's err.
func (g *groupCommit) commit(batch []*writeOp) {
	// The transaction and every statement in it run without the callers'
	// cancellation: a cancelled statement interrupts SQLite, which rolls
	// back the whole transaction, and one caller hanging up must not undo
	// the others' work. A caller cancelled before its turn is skipped.
	bg := context.Background()
	fail := func(ops []*writeOp, err error) {
		for _, op := range ops {
			if op.err == nil {
				op.err = err
			}
		}
	}
	tx, err := g.db.BeginTx(bg, nil)
	if err != nil {
		fail(batch, fmt.Errorf("begin: %w", err))
		return
	}
	started := false                                      // a statement was sent: first, with the first savepoint
	var end []func(ctx context.Context, tx *sql.Tx) error // the successful ops' batchEnd writes, in order
	open := false                                         // a savepoint is open: joined, or between SAVEPOINT and RELEASE
	for i, op := range batch {
		if err := op.ctx.Err(); err != nil {
			op.err = err
			continue
		}
		sp := savepointSQL
		switch {
		case open && g.joined:
			sp = releaseSQL + "; " + savepointSQL
		case !started && g.first != "":
			sp = g.first + "; " + savepointSQL
		}
		if _, err := g.exec(bg, tx, sp); err != nil {
			tx.Rollback()
			fail(batch, fmt.Errorf("savepoint: %w", err))
			return
		}
		started, open = true, true
		pending := &batchEnd{}
		if err := op.fn(context.WithValue(context.WithoutCancel(op.ctx), batchEndKey{}, pending), tx); err != nil {
			op.err = err
			if _, rerr := g.exec(bg, tx, rollbackToSQL); rerr != nil {
				// SQLite gave up the whole transaction (an I/O error, a
				// full disk): what earlier ops wrote is gone with it.
				tx.Rollback()
				fail(batch[:i], fmt.Errorf("transaction aborted by a grouped write: %w", errors.Join(err, rerr)))
				fail(batch[i+1:], fmt.Errorf("transaction aborted: %w", rerr))
				return
			}
		} else {
			end = append(end, pending.fns...)
		}
		if g.joined {
			continue // released with the next savepoint, or by the commit
		}
		if _, err := g.exec(bg, tx, releaseSQL); err != nil {
			tx.Rollback()
			fail(batch, fmt.Errorf("release savepoint: %w", err))
			return
		}
		open = false
	}
	if !started {
		// Every caller gave up before its turn: nothing to commit.
		tx.Rollback()
		return
	}
	for _, write := range end {
		// These writes belong to ops already released: one failing (an
		// I/O error, a full disk) fails the whole batch, which nobody has
		// heard of yet.
		if err := write(bg, tx); err != nil {
			tx.Rollback()
			fail(batch, fmt.Errorf("end of grouped transaction: %w", err))
			return
		}
	}
	if err := tx.Commit(); err != nil {
		fail(batch, fmt.Errorf("commit: %w", err))
	}
}

// batchEnd holds the writes a grouped body leaves to the end of its batch:
// they run in the batch's transaction after the last savepoint, in the
// order the bodies queued them, and are dropped with a body that fails.
//
// The search index is why: SQLite's FTS5 flushes its pending terms to a
// new segment at every SAVEPOINT and RELEASE once it has been written in
// the transaction, so indexing inside each caller's savepoint wrote (and
// later merged) one segment per command instead of one per batch.
type batchEnd struct {
	fns []func(ctx context.Context, tx *sql.Tx) error
}

type batchEndKey struct{}

// atBatchEnd runs write at the end of the grouped batch ctx belongs to, or
// now when ctx belongs to none (PostgreSQL, a transaction of its own).
func atBatchEnd(ctx context.Context, tx *sql.Tx, write func(ctx context.Context, tx *sql.Tx) error) error {
	if e, _ := ctx.Value(batchEndKey{}).(*batchEnd); e != nil {
		e.fns = append(e.fns, write)
		return nil
	}
	return write(ctx, tx)
}

// afterFull, when a write of the batch failed for lack of space, makes
// room for SQLite to recover: the disk guard gives back its reserve and
// refuses writes from now on, the connection is taken out of a
// transaction a failed COMMIT may have left open, and the WAL is
// checkpointed and truncated so it gives back its space too.
func (g *groupCommit) afterFull(batch []*writeOp) {
	if g.disk == nil {
		return
	}
	var full error
	for _, op := range batch {
		if isDiskFull(op.err) {
			full = op.err
			break
		}
	}
	if full == nil {
		return
	}
	g.disk.failed(full)
	bg := context.Background()
	_, _ = g.db.ExecContext(bg, `ROLLBACK`) // "no transaction is active" when SQLite rolled back itself
	var busy, logFrames, done int64
	if err := g.db.QueryRowContext(bg, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done); err != nil || busy != 0 {
		g.disk.log.Warn("WAL not truncated after a full disk; the next checkpoints retry", "busy", busy, "err", err)
	}
}
