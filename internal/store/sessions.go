package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Sign-in sessions. Rows are keyed by the SHA-256 of the session secret; the
// secret itself is only ever in the browser.

// CreateSession stores a session by the hash of its secret. An unknown user
// is NotFound; a repeated ID or hash is a conflict.
func (db *DB) CreateSession(ctx context.Context, s auth.Session, hash string) error {
	_, err := db.write.ExecContext(ctx, db.dialect.q(`INSERT INTO sessions (id, hash, username, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`),
		s.ID, hash, s.Username, db.dialect.t(s.CreatedAt), db.dialect.t(s.LastSeenAt), db.dialect.t(s.ExpiresAt))
	if db.dialect.isUnique(err) {
		return errs.E(errs.Conflict, "session", "that session already exists")
	}
	if isForeignKey(err) {
		return notFound("username", "no user %s", s.Username)
	}
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionByHash finds a session, expired or not, and its user.
func (db *DB) SessionByHash(ctx context.Context, hash string) (auth.Session, auth.User, error) {
	var s auth.Session
	var c, seen, exp dbTime
	row := db.read.QueryRowContext(ctx, db.dialect.q(`SELECT s.id, s.username, s.created_at, s.last_seen_at, s.expires_at,
		u.username, u.display_name, u.email, u.role, u.active, u.created_at, u.updated_at
		FROM sessions s JOIN users u ON u.username = s.username
		WHERE s.hash = ?`), hash)
	var u auth.User
	var uc, uu dbTime
	var role string
	err := row.Scan(&s.ID, &s.Username, &c, &seen, &exp, &u.Username, &u.DisplayName, &u.Email, &role, &u.Active, &uc, &uu)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Session{}, auth.User{}, notFound("session", "no such session")
	}
	if err != nil {
		return auth.Session{}, auth.User{}, fmt.Errorf("find session: %w", err)
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = c.Time, seen.Time, exp.Time
	u.Role, u.CreatedAt, u.UpdatedAt = auth.Role(role), uc.Time, uu.Time
	return s, u, nil
}

// TouchSession records a session's use and its new expiry.
func (db *DB) TouchSession(ctx context.Context, id string, lastSeen, expires time.Time) error {
	res, err := db.write.ExecContext(ctx, db.dialect.q(`UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?`),
		db.dialect.t(lastSeen), db.dialect.t(expires), id)
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("session", "no such session")
	}
	return nil
}

// DeleteSession deletes the session with that hash.
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	res, err := db.write.ExecContext(ctx, db.dialect.q(`DELETE FROM sessions WHERE hash = ?`), hash)
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("session", "no such session")
	}
	return nil
}

// DeleteUserSessions deletes every session of a user; none is not an error.
func (db *DB) DeleteUserSessions(ctx context.Context, username string) error {
	if _, err := db.write.ExecContext(ctx, db.dialect.q(`DELETE FROM sessions WHERE username = ?`), username); err != nil {
		return fmt.Errorf("delete sessions of %s: %w", username, err)
	}
	return nil
}

// DeleteExpiredSessions deletes the sessions that expire at or before
// before.
func (db *DB) DeleteExpiredSessions(ctx context.Context, before time.Time) (int, error) {
	res, err := db.write.ExecContext(ctx, db.dialect.q(`DELETE FROM sessions WHERE expires_at <= ?`), db.dialect.t(before))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return int(n), nil
}

// isForeignKey reports a foreign-key violation on either backend.
func isForeignKey(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}
