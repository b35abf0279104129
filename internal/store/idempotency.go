package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
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
