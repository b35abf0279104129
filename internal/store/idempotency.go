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
// Status 0 means the first request is still being handled.
type IdemRecord struct {
	Method      string
	Path        string
	RequestHash string
	Status      int
	ContentType string
	Body        []byte
	CreatedAt   time.Time
}

// idemTTL is how long a key is remembered, and idemStale how long a
// reservation may wait for its answer before another request may take it
// over (its handler died with the process).
const (
	idemTTL   = 24 * time.Hour
	idemStale = time.Minute
)

// ReserveIdempotency claims key for user. It returns (nil, nil) when the
// caller holds the claim and must Complete or Release it, or the record
// already stored for the key.
func (db *DB) ReserveIdempotency(ctx context.Context, user, key string, r IdemRecord) (*IdemRecord, error) {
	var existing *IdemRecord
	now := db.now()
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var rec IdemRecord
		var created dbTime
		err := tx.QueryRowContext(ctx, db.dialect.q(`SELECT method, path, request_hash, status, content_type, body, created_at
			FROM idempotency_keys WHERE username = ? AND key = ?`), user, key).
			Scan(&rec.Method, &rec.Path, &rec.RequestHash, &rec.Status, &rec.ContentType, &rec.Body, &created)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("read idempotency key: %w", err)
		default:
			rec.CreatedAt = created.Time
			age := now.Sub(rec.CreatedAt)
			if age < idemTTL && (rec.Status != 0 || age < idemStale) {
				existing = &rec
				return nil
			}
			if _, err := tx.ExecContext(ctx, db.dialect.q(`DELETE FROM idempotency_keys WHERE username = ? AND key = ?`), user, key); err != nil {
				return fmt.Errorf("expire idempotency key: %w", err)
			}
		}
		_, err = tx.ExecContext(ctx, db.dialect.q(`INSERT INTO idempotency_keys
			(username, key, method, path, request_hash, status, content_type, body, created_at) VALUES (?, ?, ?, ?, ?, 0, '', ?, ?)`),
			user, key, r.Method, r.Path, r.RequestHash, []byte{}, db.dialect.t(now))
		if err != nil {
			return fmt.Errorf("reserve idempotency key: %w", err)
		}
		return nil
	})
	return existing, err
}

// CompleteIdempotency stores the answer for a reserved key.
func (db *DB) CompleteIdempotency(ctx context.Context, user, key string, status int, contentType string, body []byte) error {
	// Through tx, so on SQLite this write shares a commit with concurrent
	// commands instead of costing an fsync of its own.
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.dialect.q(`UPDATE idempotency_keys SET status = ?, content_type = ?, body = ? WHERE username = ? AND key = ?`),
			status, contentType, body, user, key)
		if err != nil {
			return fmt.Errorf("complete idempotency key: %w", err)
		}
		return nil
	})
}

// ReleaseIdempotency forgets a reserved key so the request may be retried.
func (db *DB) ReleaseIdempotency(ctx context.Context, user, key string) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.dialect.q(`DELETE FROM idempotency_keys WHERE username = ? AND key = ? AND status = 0`), user, key)
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
