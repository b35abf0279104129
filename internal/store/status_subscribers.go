package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/status"
)

// The status page's email subscribers: pending until they confirm by the
// token mailed to them, then confirmed until they leave.

func scanSubscriber(r rowScanner) (status.Subscriber, error) {
	var s status.Subscriber
	var st string
	var created dbTime
	var exp, conf nullTime
	err := r.Scan(&s.ID, &s.Email, &st, &created, &exp, &conf)
	s.State, s.CreatedAt, s.ExpiresAt, s.ConfirmedAt = status.SubscriberState(st), created.Time, exp.T, conf.T
	return s, err
}

// AddStatusSubscriber stores a pending subscription, renews the pending
// one of the address, or returns the confirmed one unchanged. Pending
// subscriptions that expired are dropped on the way.
func (db *DB) AddStatusSubscriber(ctx context.Context, s status.Subscriber, tokenHash string) (status.Subscriber, error) {
	out := s
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.dialect.q(`DELETE FROM status_subscribers WHERE state = 'pending' AND expires_at < ?`),
			db.dialect.t(s.CreatedAt)); err != nil {
			return fmt.Errorf("drop expired subscriptions: %w", err)
		}
		cur, err := scanSubscriber(tx.QueryRowContext(ctx, db.dialect.q(`SELECT `+subColumns+` FROM status_subscribers WHERE email = ?`+db.forUpdate()), s.Email))
		switch {
		case err == nil && cur.State == status.Confirmed:
			out = cur
			return nil
		case err == nil:
			out.ID = cur.ID
			_, err = tx.ExecContext(ctx, db.dialect.q(`UPDATE status_subscribers SET token_hash = ?, expires_at = ?, created_at = ? WHERE id = ?`),
				tokenHash, db.dialect.tp(s.ExpiresAt), db.dialect.t(s.CreatedAt), cur.ID)
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, db.dialect.q(`INSERT INTO status_subscribers (id, email, state, token_hash, expires_at, created_at)
				VALUES (?, ?, 'pending', ?, ?, ?)`), s.ID, s.Email, tokenHash, db.dialect.tp(s.ExpiresAt), db.dialect.t(s.CreatedAt))
		}
		if err != nil {
			return fmt.Errorf("add subscriber: %w", err)
		}
		return nil
	})
	return out, err
}

// PendingStatusSubscriber finds a pending subscription by its token's hash.
func (db *DB) PendingStatusSubscriber(ctx context.Context, tokenHash string) (status.Subscriber, error) {
	s, err := scanSubscriber(db.read.QueryRowContext(ctx, db.dialect.q(`SELECT `+subColumns+` FROM status_subscribers
		WHERE token_hash = ? AND state = 'pending'`), tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return s, notFound("token", "no pending subscription for this link")
	}
	if err != nil {
		return s, fmt.Errorf("pending subscriber: %w", err)
	}
	return s, nil
}

// ConfirmStatusSubscriber confirms a pending subscription and forgets its
// token's hash.
func (db *DB) ConfirmStatusSubscriber(ctx context.Context, tokenHash string, at time.Time) (status.Subscriber, error) {
	var out status.Subscriber
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		s, err := scanSubscriber(tx.QueryRowContext(ctx, db.dialect.q(`SELECT `+subColumns+` FROM status_subscribers
			WHERE token_hash = ? AND state = 'pending'`+db.forUpdate()), tokenHash))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("token", "no pending subscription for this link")
		}
		if err != nil {
			return fmt.Errorf("confirm subscriber: %w", err)
		}
		if _, err := tx.ExecContext(ctx, db.dialect.q(`UPDATE status_subscribers SET state = 'confirmed', confirmed_at = ?, token_hash = NULL,
			expires_at = NULL WHERE id = ?`), db.dialect.t(at), s.ID); err != nil {
			return fmt.Errorf("confirm subscriber: %w", err)
		}
		s.State, s.ConfirmedAt, s.ExpiresAt = status.Confirmed, &at, nil
		out = s
		return nil
	})
	return out, err
}

// StatusSubscriber finds a subscriber.
func (db *DB) StatusSubscriber(ctx context.Context, id string) (status.Subscriber, error) {
	s, err := scanSubscriber(db.read.QueryRowContext(ctx, db.dialect.q(`SELECT `+subColumns+` FROM status_subscribers WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, notFound("id", "no subscriber %s", id)
	}
	if err != nil {
		return s, fmt.Errorf("get subscriber: %w", err)
	}
	return s, nil
}

// DeleteStatusSubscriber removes a subscriber.
func (db *DB) DeleteStatusSubscriber(ctx context.Context, id string) error {
	return db.execOne(ctx, "delete subscriber", `DELETE FROM status_subscribers WHERE id = ?`, id)
}

// StatusSubscribers lists subscribers, newest first, and counts the
// confirmed ones.
func (db *DB) StatusSubscribers(ctx context.Context, limit int) ([]status.Subscriber, int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM status_subscribers WHERE state = 'confirmed'`).Scan(&n); err != nil {
		return nil, 0, fmt.Errorf("count subscribers: %w", err)
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := db.read.QueryContext(ctx, fmt.Sprintf(`SELECT `+subColumns+` FROM status_subscribers ORDER BY created_at DESC, id DESC LIMIT %d`, limit))
	if err != nil {
		return nil, 0, fmt.Errorf("list subscribers: %w", err)
	}
	defer rows.Close()
	out := []status.Subscriber{}
	for rows.Next() {
		s, err := scanSubscriber(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("list subscribers: %w", err)
		}
		out = append(out, s)
	}
	return out, n, rows.Err()
}
