package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

var _ auth.Store = (*DB)(nil)

const userColumns = `username, display_name, email, role, active, created_at, updated_at`

type rowScanner interface{ Scan(...any) error }

func scanUser(r rowScanner) (auth.User, error) {
	var u auth.User
	var c, up dbTime
	var role string
	if err := r.Scan(&u.Username, &u.DisplayName, &u.Email, &role, &u.Active, &c, &up); err != nil {
		return auth.User{}, err
	}
	u.Role, u.CreatedAt, u.UpdatedAt = auth.Role(role), c.Time, up.Time
	return u, nil
}

// CreateUser inserts a user; an existing username is a conflict.
func (db *DB) CreateUser(ctx context.Context, u auth.User) error {
	// Through tx, so a request's Idempotency-Key is marked with it.
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error { return db.insertUser(ctx, tx, u) })
}

func (db *DB) insertUser(ctx context.Context, tx *sql.Tx, u auth.User) error {
	_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		u.Username, u.DisplayName, u.Email, string(u.Role), u.Active, db.dialect.t(u.CreatedAt), db.dialect.t(u.UpdatedAt))
	if db.dialect.isUnique(err) {
		return errs.E(errs.Conflict, "username", "user %s already exists", u.Username)
	}
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	noteCreated(ctx, "user", u.Username)
	return nil
}

// GetUser finds a user by name.
func (db *DB) GetUser(ctx context.Context, username string) (auth.User, error) {
	u, err := scanUser(db.queryRowRead(ctx, userSQL, username))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.User{}, notFound("username", "no user %s", username)
	}
	if err != nil {
		return auth.User{}, fmt.Errorf("get user: %w", err)
	}
	return u, nil
}

// ListUsers returns every user by name.
func (db *DB) ListUsers(ctx context.Context) ([]auth.User, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	out := []auth.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UpdateUser stores a user's changed fields.
func (db *DB) UpdateUser(ctx context.Context, u auth.User) error {
	res, err := db.write.ExecContext(ctx, db.dialect.q(`UPDATE users SET display_name = ?, email = ?, role = ?, active = ?, updated_at = ? WHERE username = ?`),
		u.DisplayName, u.Email, string(u.Role), u.Active, db.dialect.t(u.UpdatedAt), u.Username)
	if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("username", "no user %s", u.Username)
	}
	return nil
}

// DeactivateUser stores u, which is inactive, and in the same transaction
// revokes every token of the user still in force at at, ends their
// sessions and rotates their calendar feed URLs, so that reactivating the
// user later brings none of them back.
func (db *DB) DeactivateUser(ctx context.Context, u auth.User, at time.Time) error {
	if u.Active {
		return errs.E(errs.Invalid, "active", "DeactivateUser needs an inactive user")
	}
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.dialect.q(`UPDATE users SET display_name = ?, email = ?, role = ?, active = ?, updated_at = ? WHERE username = ?`),
			u.DisplayName, u.Email, string(u.Role), u.Active, db.dialect.t(u.UpdatedAt), u.Username)
		if err != nil {
			return fmt.Errorf("deactivate user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("username", "no user %s", u.Username)
		}
		if _, err := tx.ExecContext(ctx, db.dialect.q(`UPDATE api_tokens SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL`),
			db.dialect.t(at), u.Username); err != nil {
			return fmt.Errorf("revoke the tokens of %s: %w", u.Username, err)
		}
		if _, err := tx.ExecContext(ctx, db.dialect.q(`DELETE FROM sessions WHERE username = ?`), u.Username); err != nil {
			return fmt.Errorf("end the sessions of %s: %w", u.Username, err)
		}
		if err := db.bumpFeeds(ctx, tx, u.Username, "deactivation", at); err != nil {
			return err
		}
		return nil
	})
}

// CountUsers counts users.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// CreateToken stores a token by the hash of its secret.
func (db *DB) CreateToken(ctx context.Context, t auth.Token, hash string) error {
	// Through tx, so a request's Idempotency-Key is marked with it.
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO api_tokens (id, username, name, hash, created_at) VALUES (?, ?, ?, ?, ?)`),
			t.ID, t.Username, t.Name, hash, db.dialect.t(t.CreatedAt))
		if db.dialect.isUnique(err) {
			return errs.E(errs.Conflict, "token", "that token already exists")
		}
		if err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		noteCreated(ctx, "token", t.ID)
		return nil
	})
}

const tokenColumns = `t.id, t.username, t.name, t.created_at, t.last_used_at, t.revoked_at`

// The lookups of every API request (its token) and of assignments (the
// user), prepared once on SQLite (see hot).
var (
	tokenByHashSQL = hot(`SELECT ` + tokenColumns + `,
		u.username, u.display_name, u.email, u.role, u.active, u.created_at, u.updated_at
		FROM api_tokens t JOIN users u ON u.username = t.username
		WHERE t.hash = ? AND t.revoked_at IS NULL`)
	userSQL = hot(`SELECT ` + userColumns + ` FROM users WHERE username = ?`)
)

// TokenByHash finds an unrevoked token and its user.
func (db *DB) TokenByHash(ctx context.Context, hash string) (auth.Token, auth.User, error) {
	var t auth.Token
	var c dbTime
	var used, revoked nullTime
	var u auth.User
	var uc, uu dbTime
	var role string
	err := db.queryRowRead(ctx, tokenByHashSQL, hash).
		Scan(&t.ID, &t.Username, &t.Name, &c, &used, &revoked, &u.Username, &u.DisplayName, &u.Email, &role, &u.Active, &uc, &uu)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Token{}, auth.User{}, notFound("token", "no such token")
	}
	if err != nil {
		return auth.Token{}, auth.User{}, fmt.Errorf("find token: %w", err)
	}
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = c.Time, used.T, revoked.T
	u.Role, u.CreatedAt, u.UpdatedAt = auth.Role(role), uc.Time, uu.Time
	return t, u, nil
}

// TokenRecord finds the token with that hash, revoked or not.
func (db *DB) TokenRecord(ctx context.Context, hash string) (auth.Token, error) {
	var t auth.Token
	var c dbTime
	var used, revoked nullTime
	err := db.read.QueryRowContext(ctx, db.dialect.q(`SELECT `+tokenColumns+` FROM api_tokens t WHERE t.hash = ?`), hash).
		Scan(&t.ID, &t.Username, &t.Name, &c, &used, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Token{}, notFound("token", "no such token")
	}
	if err != nil {
		return auth.Token{}, fmt.Errorf("find token: %w", err)
	}
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = c.Time, used.T, revoked.T
	return t, nil
}

// ListTokens lists a user's tokens, newest first.
func (db *DB) ListTokens(ctx context.Context, username string) ([]auth.Token, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(`SELECT `+tokenColumns+` FROM api_tokens t WHERE t.username = ? ORDER BY t.created_at DESC`), username)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	out := []auth.Token{}
	for rows.Next() {
		var t auth.Token
		var c dbTime
		var used, revoked nullTime
		if err := rows.Scan(&t.ID, &t.Username, &t.Name, &c, &used, &revoked); err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		t.CreatedAt, t.LastUsedAt, t.RevokedAt = c.Time, used.T, revoked.T
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken marks a token revoked; revoking twice is not an error.
func (db *DB) RevokeToken(ctx context.Context, id string, at time.Time) error {
	res, err := db.write.ExecContext(ctx, db.dialect.q(`UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`), db.dialect.t(at), id)
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("id", "no token %s", id)
	}
	return nil
}

// SetPasswordHash replaces a user's password hash.
func (db *DB) SetPasswordHash(ctx context.Context, username, hash string) error {
	res, err := db.write.ExecContext(ctx, db.dialect.q(`UPDATE users SET password_hash = ? WHERE username = ?`), hash, username)
	if err != nil {
		return fmt.Errorf("set password hash: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("username", "no user %s", username)
	}
	return nil
}

// PasswordHash returns a user's password hash, "" when none is set.
func (db *DB) PasswordHash(ctx context.Context, username string) (string, error) {
	var hash string
	err := db.read.QueryRowContext(ctx, db.dialect.q(`SELECT password_hash FROM users WHERE username = ?`), username).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("username", "no user %s", username)
	}
	if err != nil {
		return "", fmt.Errorf("get password hash: %w", err)
	}
	return hash, nil
}
