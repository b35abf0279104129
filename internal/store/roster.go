package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/roster"
)

var _ roster.Store = (*DB)(nil)

func decodeObject(kind roster.Kind, doc string) (any, error) {
	var err error
	switch kind {
	case roster.KindTeam:
		var v roster.Team
		err = json.Unmarshal([]byte(doc), &v)
		return v, err
	case roster.KindService:
		var v roster.Service
		err = json.Unmarshal([]byte(doc), &v)
		return v, err
	case roster.KindSchedule:
		var v oncall.Schedule
		err = json.Unmarshal([]byte(doc), &v)
		return v, err
	case roster.KindPolicy:
		var v oncall.Policy
		err = json.Unmarshal([]byte(doc), &v)
		return v, err
	case roster.KindIncidentRule:
		var v roster.IncidentRule
		err = json.Unmarshal([]byte(doc), &v)
		return v, err
	}
	return nil, fmt.Errorf("unknown object kind %q", kind)
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (db *DB) objects(ctx context.Context, q querier) (roster.Objects, error) {
	o := roster.NewObjects()
	rows, err := q.QueryContext(ctx, objectsSQL)
	if err != nil {
		return o, fmt.Errorf("load on-call objects: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, doc string
		if err := rows.Scan(&kind, &doc); err != nil {
			return o, fmt.Errorf("load on-call objects: %w", err)
		}
		v, err := decodeObject(roster.Kind(kind), doc)
		if err != nil {
			return o, fmt.Errorf("decode %s: %w", kind, err)
		}
		o.Put(v)
	}
	return o, rows.Err()
}

// Objects loads the whole on-call configuration.
func (db *DB) Objects(ctx context.Context) (roster.Objects, error) {
	return db.objects(ctx, readQuerier{db})
}

// ChangeObjects applies a change after check approves the result.
func (db *DB) ChangeObjects(ctx context.Context, actor string, puts []any, deletes []roster.Key, check func(before, after roster.Objects) error) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return db.changeObjects(ctx, tx, actor, puts, deletes, check)
	})
}

func (db *DB) changeObjects(ctx context.Context, tx *sql.Tx, actor string, puts []any, deletes []roster.Key, check func(before, after roster.Objects) error) error {
	// One change at a time: check judges the configuration this change
	// makes, which another committed meanwhile would falsify.
	if err := db.xactLock(ctx, tx, rosterLockKey); err != nil {
		return err
	}
	o, err := db.objects(ctx, tx)
	if err != nil {
		return err
	}
	before := o.Clone()
	now := db.dialect.t(db.now())
	for _, k := range deletes {
		o.Delete(k)
		if _, err := tx.ExecContext(ctx, db.dialect.q(`DELETE FROM oncall_objects WHERE kind = ? AND name = ?`), string(k.Kind), k.Name); err != nil {
			return fmt.Errorf("delete %s: %w", k, err)
		}
	}
	for _, v := range puts {
		k := o.Put(v)
		doc, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode %s: %w", k, err)
		}
		_, err = tx.ExecContext(ctx, db.dialect.q(`INSERT INTO oncall_objects (kind, name, doc, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (kind, name) DO UPDATE SET doc = excluded.doc, updated_by = excluded.updated_by, updated_at = excluded.updated_at`),
			string(k.Kind), k.Name, string(doc), actor, now)
		if err != nil {
			return fmt.Errorf("store %s: %w", k, err)
		}
	}
	return check(before, o)
}

// ApplyConfig writes an on-call file's apply in one transaction: its new
// users, then each user's configuration-sourced contact methods and rules,
// then the on-call objects, which w.Check approves last. Any error undoes
// all of it.
func (db *DB) ApplyConfig(ctx context.Context, w roster.ConfigWrite) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, u := range w.Users {
			if err := db.insertUser(ctx, tx, u); err != nil {
				return fmt.Errorf("user %s: %w", u.Username, err)
			}
		}
		for _, c := range w.Contacts {
			if err := db.writeUserContacts(ctx, tx, c); err != nil {
				return err
			}
		}
		if len(w.Puts)+len(w.Deletes) == 0 {
			return nil
		}
		return db.changeObjects(ctx, tx, w.Actor, w.Puts, w.Deletes, w.Check)
	})
}

// writeUserContacts makes one user's configuration-sourced contacts and
// rules those of c.
func (db *DB) writeUserContacts(ctx context.Context, tx *sql.Tx, c roster.ContactsWrite) error {
	for _, ct := range c.Put {
		if _, err := db.putConfigContact(ctx, tx, ct); err != nil {
			return fmt.Errorf("contact %s of %s: %w", ct.Name, c.User, err)
		}
	}
	for _, id := range c.Delete {
		if err := db.deleteContact(ctx, tx, id); err != nil && errs.CodeOf(err) != errs.NotFound {
			return fmt.Errorf("contacts of %s: %w", c.User, err)
		}
	}
	for _, id := range c.DeleteRules {
		if _, err := tx.ExecContext(ctx, db.dialect.q(`DELETE FROM notification_rules WHERE id = ?`), id); err != nil {
			return fmt.Errorf("rules of %s: %w", c.User, err)
		}
	}
	for _, r := range c.Rules {
		id, err := db.contactID(ctx, tx, c.User, r.Contact)
		if err != nil {
			return fmt.Errorf("rules of %s: %w", c.User, err)
		}
		if err := db.putRule(ctx, tx, contacts.Rule{ID: r.ID, User: c.User, ContactID: id, DelayMinutes: r.DelayMinutes}); err != nil {
			return fmt.Errorf("rules of %s: %w", c.User, err)
		}
	}
	return nil
}

var objectsSQL = hot(`SELECT kind, doc FROM oncall_objects ORDER BY kind, name`)

// readQuerier runs queries on the read pool through the statement cache.
type readQuerier struct{ db *DB }

func (r readQuerier) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return r.db.queryRead(ctx, q, args...)
}
