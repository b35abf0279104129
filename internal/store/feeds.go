package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// FeedGeneration is how often user's calendar feed URLs were rotated; 0
// when never.
func (db *DB) FeedGeneration(ctx context.Context, user string) (int, error) {
	var gen int
	err := db.read.QueryRowContext(ctx, db.dialect.q(`SELECT generation FROM calendar_feeds WHERE username = ?`), user).Scan(&gen)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("calendar feed generation: %w", err)
	}
	return gen, nil
}

// RotateFeeds bumps user's calendar feed generation, recording who did it
// and when, and returns the new generation. NotFound when there is no such
// user.
func (db *DB) RotateFeeds(ctx context.Context, user, by string, at time.Time) (int, error) {
	var gen int
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, db.dialect.q(`SELECT COUNT(*) FROM users WHERE username = ?`), user).Scan(&n); err != nil {
			return fmt.Errorf("rotate calendar feeds: %w", err)
		}
		if n == 0 {
			return errs.E(errs.NotFound, "username", "no user %s", user)
		}
		if err := db.bumpFeeds(ctx, tx, user, by, at); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, db.dialect.q(`SELECT generation FROM calendar_feeds WHERE username = ?`), user).Scan(&gen); err != nil {
			return fmt.Errorf("rotate calendar feeds: %w", err)
		}
		return nil
	})
	return gen, err
}

// bumpFeeds moves user's calendar feed generation on by one in tx.
func (db *DB) bumpFeeds(ctx context.Context, tx *sql.Tx, user, by string, at time.Time) error {
	_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO calendar_feeds (username, generation, rotated_at, rotated_by) VALUES (?, 1, ?, ?)
		ON CONFLICT (username) DO UPDATE SET generation = calendar_feeds.generation + 1, rotated_at = excluded.rotated_at, rotated_by = excluded.rotated_by`),
		user, db.dialect.t(at), by)
	if err != nil {
		return fmt.Errorf("rotate the calendar feeds of %s: %w", user, err)
	}
	return nil
}
