package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

// IdemRecord is a remembered answer to a POST with an Idempotency-Key.
// Status 0 means the first request is still being handled;
// IdemAnswerLost that its command committed but its answer was never
// stored.
type IdemRecord struct {
	Method      string
	Path        string
	RequestHash string
	Status      int
	ContentType string
	Body        []byte
	CreatedAt   time.Time
	// Claim names one reservation of the key: the reserving request makes
	// it (a random string) and its writes carry it (WithIdempotency).
	Claim string
	// CreatedKind and CreatedID name what the request's command created,
	// as its transaction noted it ("incident", "INC-7"); empty when it
	// created nothing the store names.
	CreatedKind, CreatedID string
}

// IdemAnswerLost is the status of a key whose command committed (the key
// was marked in the command's own transaction) but whose answer was never
// stored: the process died in between, or the request failed after its
// command. Such a request is never run again; a retry is answered from
// what it created, or refused.
const IdemAnswerLost = -1

// idemTTL is how long a key is remembered.
const idemTTL = 24 * time.Hour

// DefaultIdempotencyStale is how long a reservation waits for its answer
// before it counts as abandoned (its handler died with the process), when
// Options.IdempotencyStale is zero. An abandoned reservation whose command
// committed nothing may be taken over by a retry, which runs the request;
// one whose command committed is answered as IdemAnswerLost. The window
// decides only when a retry is served, never whether a command runs twice:
// writes under a reservation that was taken over are refused.
const DefaultIdempotencyStale = time.Minute

// IdemClaim is a reservation held by a request: its writes mark the key.
type IdemClaim struct{ User, Key, Claim string }

type idemClaimKey struct{}

// WithIdempotency makes every write transaction run with ctx mark the
// reserved key as applied, in that same transaction (see DB.tx): after a
// crash, the key then says whether the command committed, and what it
// created. The write fails with a conflict once the reservation is no
// longer c's.
func WithIdempotency(ctx context.Context, c IdemClaim) context.Context {
	return context.WithValue(ctx, idemClaimKey{}, &c)
}

func idemClaimOf(ctx context.Context) *IdemClaim {
	c, _ := ctx.Value(idemClaimKey{}).(*IdemClaim)
	return c
}

// withoutIdempotency is ctx for the key's own bookkeeping, which marks
// nothing.
func withoutIdempotency(ctx context.Context) context.Context {
	return context.WithValue(ctx, idemClaimKey{}, (*IdemClaim)(nil))
}

// createdNote is what one transaction attempt created, for the key it
// runs under.
type createdNote struct{ kind, id string }

type createdNoteKey struct{}

// noteCreated records, inside a write transaction, what the transaction
// creates, so a request's retry after a crash can be answered from it.
// The first note of a transaction wins.
func noteCreated(ctx context.Context, kind, id string) {
	if n, ok := ctx.Value(createdNoteKey{}).(*createdNote); ok && n.kind == "" {
		n.kind, n.id = kind, id
	}
}

// markApplied wraps a write transaction run under a reserved key: once fn
// succeeds, the same transaction (the same savepoint on SQLite) marks the
// key applied with what fn created. The command and the key's state
// commit together or not at all.
func (db *DB) markApplied(c *IdemClaim, fn func(ctx context.Context, tx *sql.Tx) error) func(ctx context.Context, tx *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		note := &createdNote{}
		if err := fn(context.WithValue(ctx, createdNoteKey{}, note), tx); err != nil {
			return err
		}
		res, err := db.execTx(ctx, tx, markAppliedSQL, note.kind, note.id, c.User, c.Key, c.Claim)
		if err != nil {
			return fmt.Errorf("mark idempotency key applied: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("mark idempotency key applied: %w", err)
		} else if n == 0 {
			return errs.E(errs.Conflict, "Idempotency-Key",
				"this request's reservation of its Idempotency-Key was taken over by a retry; this attempt changed nothing")
		}
		return nil
	}
}

// The statements of every request under an Idempotency-Key, prepared once
// on SQLite (see hot).
var (
	idemKeySQL = hot(`SELECT method, path, request_hash, status, content_type, body, created_at, applied, created_kind, created_id
		FROM idempotency_keys WHERE username = ? AND key = ?`)
	reserveIdemSQL = hot(`INSERT INTO idempotency_keys
		(username, key, method, path, request_hash, status, content_type, body, created_at, claim) VALUES (?, ?, ?, ?, ?, 0, '', ?, ?, ?)`)
	markAppliedSQL = hot(`UPDATE idempotency_keys SET applied = 1,
		created_kind = CASE WHEN created_kind = '' THEN ? ELSE created_kind END,
		created_id = CASE WHEN created_kind = '' THEN ? ELSE created_id END
		WHERE username = ? AND key = ? AND claim = ?`)
	// completeIdemSQL is without, and with, the claim guard (claimGuard).
	completeIdemSQL = map[bool]string{
		false: hot(`UPDATE idempotency_keys SET status = ?, content_type = ?, body = ? WHERE username = ? AND key = ?`),
		true:  hot(`UPDATE idempotency_keys SET status = ?, content_type = ?, body = ? WHERE username = ? AND key = ? AND claim = ?`),
	}
)

// ReserveIdempotency claims key for user under r.Claim. It returns (nil,
// nil) when the caller holds the claim and must Complete or Release it, or
// the record already stored for the key: an answer, a reservation still
// being handled (Status 0), or a command applied whose answer was lost
// (IdemAnswerLost). An abandoned reservation whose command applied
// nothing is taken over.
func (db *DB) ReserveIdempotency(ctx context.Context, user, key string, r IdemRecord) (*IdemRecord, error) {
	var existing *IdemRecord
	now := db.now()
	err := db.tx(withoutIdempotency(ctx), func(ctx context.Context, tx *sql.Tx) error {
		var rec IdemRecord
		var created dbTime
		var applied int
		err := db.queryRowTx(ctx, tx, idemKeySQL, user, key).
			Scan(&rec.Method, &rec.Path, &rec.RequestHash, &rec.Status, &rec.ContentType, &rec.Body, &created, &applied, &rec.CreatedKind, &rec.CreatedID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("read idempotency key: %w", err)
		default:
			rec.CreatedAt = created.Time
			age := now.Sub(rec.CreatedAt)
			stale := age >= db.idemStale
			switch {
			case age >= idemTTL:
			case rec.Status != 0:
				existing = &rec
				return nil
			case applied != 0:
				// Applied: never run again. Once stale, its handler is
				// gone and will store no answer.
				if stale {
					rec.Status = IdemAnswerLost
				}
				existing = &rec
				return nil
			case !stale:
				existing = &rec
				return nil
			}
			if _, err := tx.ExecContext(ctx, db.dialect.q(`DELETE FROM idempotency_keys WHERE username = ? AND key = ?`), user, key); err != nil {
				return fmt.Errorf("expire idempotency key: %w", err)
			}
		}
		_, err = db.execTx(ctx, tx, reserveIdemSQL,
			user, key, r.Method, r.Path, r.RequestHash, []byte{}, db.dialect.t(now), r.Claim)
		if err != nil {
			return fmt.Errorf("reserve idempotency key: %w", err)
		}
		return nil
	})
	return existing, err
}

// claimGuard narrows a statement on (username, key) to the reservation
// ctx holds, when it holds that key's.
func claimGuard(ctx context.Context, user, key string) (string, []any) {
	if c := idemClaimOf(ctx); c != nil && c.User == user && c.Key == key {
		return " AND claim = ?", []any{c.Claim}
	}
	return "", nil
}

// CompleteIdempotency stores the answer for a reserved key. With the
// reservation's claim in ctx (WithIdempotency), it stores nothing once a
// retry has taken the reservation over.
func (db *DB) CompleteIdempotency(ctx context.Context, user, key string, status int, contentType string, body []byte) error {
	guard, args := claimGuard(ctx, user, key)
	// Through tx, so on SQLite this write shares a commit with concurrent
	// commands instead of costing an fsync of its own.
	return db.tx(withoutIdempotency(ctx), func(ctx context.Context, tx *sql.Tx) error {
		_, err := db.execTx(ctx, tx, completeIdemSQL[guard != ""],
			append([]any{status, contentType, body, user, key}, args...)...)
		if err != nil {
			return fmt.Errorf("complete idempotency key: %w", err)
		}
		return nil
	})
}

// ReleaseIdempotency gives up a reserved key whose request failed: it is
// forgotten, so the request may be retried, unless its command was applied;
// then it is kept as IdemAnswerLost, and a retry is answered from what the
// command created instead of running it twice.
func (db *DB) ReleaseIdempotency(ctx context.Context, user, key string) error {
	guard, args := claimGuard(ctx, user, key)
	return db.tx(withoutIdempotency(ctx), func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.dialect.q(`DELETE FROM idempotency_keys WHERE username = ? AND key = ? AND status = 0 AND applied = 0`+guard),
			append([]any{user, key}, args...)...)
		if err != nil {
			return fmt.Errorf("release idempotency key: %w", err)
		}
		_, err = tx.ExecContext(ctx, db.dialect.q(`UPDATE idempotency_keys SET status = ? WHERE username = ? AND key = ? AND status = 0 AND applied = 1`+guard),
			append([]any{IdemAnswerLost, user, key}, args...)...)
		if err != nil {
			return fmt.Errorf("release idempotency key: %w", err)
		}
		return nil
	})
}

// JobIdempotencySweep is the job kind that deletes expired idempotency keys.
const JobIdempotencySweep = "idempotency.sweep"

// IdempotencySweepEvery is how often expired keys are deleted: at the top
// of each hour.
const IdempotencySweepEvery = time.Hour

// DeleteExpiredIdempotency deletes the keys (answers and abandoned
// reservations) created at or before before, and returns how many.
func (db *DB) DeleteExpiredIdempotency(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.dialect.q(`DELETE FROM idempotency_keys WHERE created_at <= ?`), db.dialect.t(before))
		if err != nil {
			return fmt.Errorf("delete expired idempotency keys: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

// ScheduleIdempotencySweep makes sure a sweep is due at the next top of the
// hour. The job's ID is that hour, so nodes that start together, and a
// sweep that schedules its successor, enqueue it once.
func (db *DB) ScheduleIdempotencySweep(ctx context.Context) error {
	at := db.now().UTC().Truncate(IdempotencySweepEvery).Add(IdempotencySweepEvery)
	err := db.Enqueue(ctx, engine.Job{ID: JobIdempotencySweep + "@" + at.Format(time.RFC3339), Kind: JobIdempotencySweep, RunAt: at})
	if errs.CodeOf(err) == errs.Conflict {
		return nil
	}
	return err
}

// SweepIdempotency handles JobIdempotencySweep: it schedules the next sweep
// first, so a failing one still has a successor, then deletes the keys
// older than they are remembered.
func (db *DB) SweepIdempotency(ctx context.Context, _ engine.Job) error {
	if err := db.ScheduleIdempotencySweep(ctx); err != nil {
		return err
	}
	n, err := db.DeleteExpiredIdempotency(ctx, db.now().Add(-idemTTL))
	if err != nil {
		return err
	}
	if n > 0 {
		db.log.InfoContext(ctx, "expired idempotency keys deleted", "count", n)
	}
	return nil
}
