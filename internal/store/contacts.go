package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/notify"
)

var _ contacts.Store = (*DB)(nil)

const contactColumns = `id, username, name, kind, target, verified_at, source, created_at`

func scanContact(r rowScanner) (contacts.Contact, error) {
	var c contacts.Contact
	var kind, target string
	var verified nullTime
	var created dbTime
	if err := r.Scan(&c.ID, &c.User, &c.Name, &kind, &target, &verified, &c.Source, &created); err != nil {
		return c, err
	}
	c.Kind, c.VerifiedAt, c.CreatedAt = notify.Kind(kind), verified.T, created.Time
	c.Verified = verified.T != nil
	if err := json.Unmarshal([]byte(target), &c.Target); err != nil {
		return c, fmt.Errorf("decode contact target: %w", err)
	}
	return c, nil
}

// CreateContact stores a new, unverified contact with its code's hash.
func (db *DB) CreateContact(ctx context.Context, c contacts.Contact, codeHash string, codeExpires time.Time) error {
	target, err := json.Marshal(c.Target)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO contacts (id, username, name, kind, target, code_hash, code_expires, verified_at, source, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), c.ID, c.User, c.Name, string(c.Kind), string(target), codeHash, db.dialect.t(codeExpires),
			db.dialect.tp(c.VerifiedAt), c.Source, db.dialect.t(c.CreatedAt))
		if db.dialect.isUnique(err) {
			return errs.E(errs.Conflict, "name", "%s already has a contact method named %q", c.User, c.Name)
		}
		if err != nil {
			return fmt.Errorf("create contact: %w", err)
		}
		noteCreated(ctx, "contact", c.ID)
		return nil
	})
}

// putConfigContact creates or updates a contact declared in
// configuration, verified, and returns its ID (the existing one's when
// (User, Name) was stored).
func (db *DB) putConfigContact(ctx context.Context, tx *sql.Tx, c contacts.Contact) (string, error) {
	target, err := json.Marshal(c.Target)
	if err != nil {
		return "", err
	}
	var source string
	err = tx.QueryRowContext(ctx, db.dialect.q(`SELECT source FROM contacts WHERE username = ? AND name = ?`), c.User, c.Name).Scan(&source)
	if err == nil && source != "config" {
		// The user added it and verified it (or not) themselves: the
		// configuration must not take it over and vouch for it.
		return "", errs.E(errs.Conflict, "name", "%s already has a contact method named %q that they added themselves; give the configured one another name", c.User, c.Name)
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("put contact: %w", err)
	}
	_, err = tx.ExecContext(ctx, db.dialect.q(`INSERT INTO contacts (id, username, name, kind, target, code_hash, verified_at, source, created_at)
		VALUES (?, ?, ?, ?, ?, '', ?, 'config', ?)
		ON CONFLICT (username, name) DO UPDATE SET kind = excluded.kind, target = excluded.target, code_hash = '',
			verified_at = COALESCE(contacts.verified_at, excluded.verified_at), source = 'config'`),
		c.ID, c.User, c.Name, string(c.Kind), string(target), db.dialect.t(c.CreatedAt), db.dialect.t(c.CreatedAt))
	if err != nil {
		return "", fmt.Errorf("put contact: %w", err)
	}
	return db.contactID(ctx, tx, c.User, c.Name)
}

// contactID finds the ID of user's contact named name.
func (db *DB) contactID(ctx context.Context, tx *sql.Tx, user, name string) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, db.dialect.q(`SELECT id FROM contacts WHERE username = ? AND name = ?`), user, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("contact", "%s has no contact method named %q", user, name)
	}
	if err != nil {
		return "", fmt.Errorf("find contact: %w", err)
	}
	return id, nil
}

// Contacts lists a user's contacts by name.
func (db *DB) Contacts(ctx context.Context, user string) ([]contacts.Contact, error) {
	rows, err := db.queryRead(ctx, contactsSQL, user)
	if err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	defer rows.Close()
	out := []contacts.Contact{}
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, fmt.Errorf("list contacts: %w", err)
		}
		out = append(out, withAddress(c))
	}
	return out, rows.Err()
}

func withAddress(c contacts.Contact) contacts.Contact {
	switch {
	case c.Kind == notify.KindEmail:
		c.Address = c.Target.Address
	case c.Kind == notify.KindSlack && c.Target.Address == "":
		c.Address = "slack bot → " + c.Target.Channel
	default:
		c.Address = notify.RedactURL(c.Target.Address)
	}
	return c
}

// Contact finds a contact by ID.
func (db *DB) Contact(ctx context.Context, id string) (contacts.Contact, error) {
	c, err := scanContact(db.queryRowRead(ctx, contactSQL, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound("id", "no contact method %s", id)
	}
	if err != nil {
		return c, fmt.Errorf("get contact: %w", err)
	}
	return withAddress(c), nil
}

// ContactCode returns a contact's pending code hash.
func (db *DB) ContactCode(ctx context.Context, id string) (string, time.Time, error) {
	var hash string
	var exp nullTime
	err := db.read.QueryRowContext(ctx, db.dialect.q(`SELECT code_hash, code_expires FROM contacts WHERE id = ?`), id).Scan(&hash, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, notFound("id", "no contact method %s", id)
	}
	if err != nil || exp.T == nil {
		return hash, time.Time{}, err
	}
	return hash, *exp.T, nil
}

func (db *DB) execOne(ctx context.Context, what, query string, args ...any) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, db.dialect.q(query), args...)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return notFound("id", "%s: not found", what)
		}
		return nil
	})
}

// SetContactCode replaces a contact's pending code.
func (db *DB) SetContactCode(ctx context.Context, id, codeHash string, expires time.Time) error {
	return db.execOne(ctx, "set contact code", `UPDATE contacts SET code_hash = ?, code_expires = ? WHERE id = ?`, codeHash, db.dialect.t(expires), id)
}

// MarkContactVerified records a contact's verification.
func (db *DB) MarkContactVerified(ctx context.Context, id string, at time.Time) error {
	return db.execOne(ctx, "verify contact", `UPDATE contacts SET verified_at = ?, code_hash = '', code_expires = NULL WHERE id = ?`, db.dialect.t(at), id)
}

// DeleteContact removes a contact and its rules.
func (db *DB) DeleteContact(ctx context.Context, id string) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error { return db.deleteContact(ctx, tx, id) })
}

func (db *DB) deleteContact(ctx context.Context, tx *sql.Tx, id string) error {
	if _, err := tx.ExecContext(ctx, db.dialect.q(`DELETE FROM notification_rules WHERE contact_id = ?`), id); err != nil {
		return fmt.Errorf("delete contact rules: %w", err)
	}
	r, err := tx.ExecContext(ctx, db.dialect.q(`DELETE FROM contacts WHERE id = ?`), id)
	if err != nil {
		return fmt.Errorf("delete contact: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return notFound("id", "no contact method %s", id)
	}
	return nil
}

// Rules lists a user's notification rules by delay.
func (db *DB) Rules(ctx context.Context, user string) ([]contacts.Rule, error) {
	rows, err := db.queryRead(ctx, rulesSQL, user)
	if err != nil {
		return nil, fmt.Errorf("list rules: %w", err)
	}
	defer rows.Close()
	out := []contacts.Rule{}
	for rows.Next() {
		var r contacts.Rule
		var secs int64
		if err := rows.Scan(&r.ID, &r.User, &r.ContactID, &secs); err != nil {
			return nil, fmt.Errorf("list rules: %w", err)
		}
		r.DelayMinutes = int(secs / 60)
		out = append(out, r)
	}
	return out, rows.Err()
}

// PutRule stores a rule; the same contact and delay twice is a conflict.
func (db *DB) PutRule(ctx context.Context, r contacts.Rule) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error { return db.putRule(ctx, tx, r) })
}

func (db *DB) putRule(ctx context.Context, tx *sql.Tx, r contacts.Rule) error {
	_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO notification_rules (id, username, contact_id, delay_seconds) VALUES (?, ?, ?, ?)`),
		r.ID, r.User, r.ContactID, int64(r.DelayMinutes)*60)
	if db.dialect.isUnique(err) {
		return errs.E(errs.Conflict, "delay_minutes", "that contact method already has a rule at %d minutes", r.DelayMinutes)
	}
	if err != nil {
		return fmt.Errorf("put rule: %w", err)
	}
	return nil
}

// DeleteRule removes a rule.
func (db *DB) DeleteRule(ctx context.Context, id string) error {
	return db.execOne(ctx, "delete rule", `DELETE FROM notification_rules WHERE id = ?`, id)
}

var (
	contactSQL  = hot(`SELECT ` + contactColumns + ` FROM contacts WHERE id = ?`)
	contactsSQL = hot(`SELECT ` + contactColumns + ` FROM contacts WHERE username = ? ORDER BY name`)
	rulesSQL    = hot(`SELECT id, username, contact_id, delay_seconds FROM notification_rules WHERE username = ? ORDER BY delay_seconds, id`)
)
