package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/paging"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

var _ paging.Store = (*DB)(nil)

// Triggers name the jobs to write in the same transaction as incident
// events and new queue entries, so what they cause (a page) survives a
// crash right after the commit.
type Triggers struct {
	Incident func(inc incident.Incident, events []incident.Event) []engine.Job
	Entry    func(e triage.Entry) []engine.Job
	// Resolved is written when the last firing alert of an entry not
	// linked to an incident resolves.
	Resolved func(e triage.Entry) []engine.Job
}

// SetTriggers sets the triggers; call it before serving.
func (db *DB) SetTriggers(t Triggers) { db.trigger = t }

func (db *DB) incidentJobs(ctx context.Context, tx *sql.Tx, inc incident.Incident, events []incident.Event) (int, error) {
	if db.trigger.Incident == nil {
		return 0, nil
	}
	jobs := db.trigger.Incident(inc, events)
	return len(jobs), db.insertJobs(ctx, tx, jobs...)
}

func (db *DB) resolvedJobs(ctx context.Context, tx *sql.Tx, e triage.Entry) (int, error) {
	if db.trigger.Resolved == nil {
		return 0, nil
	}
	jobs := db.trigger.Resolved(e)
	return len(jobs), db.insertJobs(ctx, tx, jobs...)
}

func (db *DB) entryJobs(ctx context.Context, tx *sql.Tx, e triage.Entry) (int, error) {
	if db.trigger.Entry == nil {
		return 0, nil
	}
	jobs := db.trigger.Entry(e)
	return len(jobs), db.insertJobs(ctx, tx, jobs...)
}

// ---- on-call objects ----

func decodeObject(kind paging.Kind, doc string) (any, error) {
	var err error
	switch kind {
	case paging.KindTeam:
		var v paging.Team
		err = json.Unmarshal([]byte(doc), &v)
		return v, err
	case paging.KindService:
		var v paging.Service
		err = json.Unmarshal([]byte(doc), &v)
		return v, err
	case paging.KindSchedule:
		var v oncall.Schedule
		err = json.Unmarshal([]byte(doc), &v)
		return v, err
	case paging.KindPolicy:
		var v oncall.Policy
		err = json.Unmarshal([]byte(doc), &v)
		return v, err
	case paging.KindIncidentRule:
		var v paging.IncidentRule
		err = json.Unmarshal([]byte(doc), &v)
		return v, err
	}
	return nil, fmt.Errorf("unknown object kind %q", kind)
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (db *DB) objects(ctx context.Context, q querier) (paging.Objects, error) {
	o := paging.NewObjects()
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
		v, err := decodeObject(paging.Kind(kind), doc)
		if err != nil {
			return o, fmt.Errorf("decode %s: %w", kind, err)
		}
		o.Put(v)
	}
	return o, rows.Err()
}

// Objects loads the whole on-call configuration.
func (db *DB) Objects(ctx context.Context) (paging.Objects, error) {
	return db.objects(ctx, readQuerier{db})
}

// ChangeObjects applies a change after check approves the result.
func (db *DB) ChangeObjects(ctx context.Context, actor string, puts []any, deletes []paging.Key, check func(before, after paging.Objects) error) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
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
	})
}

// ---- contacts and rules ----

const contactColumns = `id, username, name, kind, target, verified_at, source, created_at`

func scanContact(r rowScanner) (paging.Contact, error) {
	var c paging.Contact
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
func (db *DB) CreateContact(ctx context.Context, c paging.Contact, codeHash string, codeExpires time.Time) error {
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

// PutConfigContact creates or updates a contact declared in configuration.
func (db *DB) PutConfigContact(ctx context.Context, c paging.Contact) (paging.Contact, error) {
	target, err := json.Marshal(c.Target)
	if err != nil {
		return c, err
	}
	err = db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var source string
		err := tx.QueryRowContext(ctx, db.dialect.q(`SELECT source FROM contacts WHERE username = ? AND name = ?`), c.User, c.Name).Scan(&source)
		if err == nil && source != "config" {
			// The user added it and verified it (or not) themselves: the
			// configuration must not take it over and vouch for it.
			return errs.E(errs.Conflict, "name", "%s already has a contact method named %q that they added themselves; give the configured one another name", c.User, c.Name)
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("put contact: %w", err)
		}
		_, err = tx.ExecContext(ctx, db.dialect.q(`INSERT INTO contacts (id, username, name, kind, target, code_hash, verified_at, source, created_at)
			VALUES (?, ?, ?, ?, ?, '', ?, 'config', ?)
			ON CONFLICT (username, name) DO UPDATE SET kind = excluded.kind, target = excluded.target, code_hash = '',
				verified_at = COALESCE(contacts.verified_at, excluded.verified_at), source = 'config'`),
			c.ID, c.User, c.Name, string(c.Kind), string(target), db.dialect.t(c.CreatedAt), db.dialect.t(c.CreatedAt))
		if err != nil {
			return fmt.Errorf("put contact: %w", err)
		}
		return tx.QueryRowContext(ctx, db.dialect.q(`SELECT id FROM contacts WHERE username = ? AND name = ?`), c.User, c.Name).Scan(&c.ID)
	})
	return c, err
}

// Contacts lists a user's contacts by name.
func (db *DB) Contacts(ctx context.Context, user string) ([]paging.Contact, error) {
	rows, err := db.queryRead(ctx, contactsSQL, user)
	if err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	defer rows.Close()
	out := []paging.Contact{}
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, fmt.Errorf("list contacts: %w", err)
		}
		out = append(out, withAddress(c))
	}
	return out, rows.Err()
}

func withAddress(c paging.Contact) paging.Contact {
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
func (db *DB) Contact(ctx context.Context, id string) (paging.Contact, error) {
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
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
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
	})
}

// Rules lists a user's notification rules by delay.
func (db *DB) Rules(ctx context.Context, user string) ([]paging.Rule, error) {
	rows, err := db.queryRead(ctx, rulesSQL, user)
	if err != nil {
		return nil, fmt.Errorf("list rules: %w", err)
	}
	defer rows.Close()
	out := []paging.Rule{}
	for rows.Next() {
		var r paging.Rule
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
func (db *DB) PutRule(ctx context.Context, r paging.Rule) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO notification_rules (id, username, contact_id, delay_seconds) VALUES (?, ?, ?, ?)`),
			r.ID, r.User, r.ContactID, int64(r.DelayMinutes)*60)
		if db.dialect.isUnique(err) {
			return errs.E(errs.Conflict, "delay_minutes", "that contact method already has a rule at %d minutes", r.DelayMinutes)
		}
		if err != nil {
			return fmt.Errorf("put rule: %w", err)
		}
		return nil
	})
}

// DeleteRule removes a rule.
func (db *DB) DeleteRule(ctx context.Context, id string) error {
	return db.execOne(ctx, "delete rule", `DELETE FROM notification_rules WHERE id = ?`, id)
}

// ---- escalations ----

func (db *DB) putEscalation(ctx context.Context, tx *sql.Tx, e paging.Escalation, insert bool) error {
	doc, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode escalation: %w", err)
	}
	if insert {
		_, err = db.execTx(ctx, tx, insertEscalationSQL,
			e.ID, string(e.Subject.Kind), e.Subject.ID, e.Cause, string(e.State), db.dialect.t(e.CreatedAt), string(doc))
	} else {
		_, err = db.execTx(ctx, tx, updateEscalationSQL, string(e.State), string(doc), e.ID)
	}
	if err != nil && !db.dialect.isUnique(err) {
		return fmt.Errorf("store escalation: %w", err)
	}
	return err
}

func scanEscalation(r rowScanner) (paging.Escalation, error) {
	var e paging.Escalation
	var doc string
	if err := r.Scan(&doc); err != nil {
		return e, err
	}
	return e, json.Unmarshal([]byte(doc), &e)
}

// StartEscalation stores e and its effects, once per subject and cause.
func (db *DB) StartEscalation(ctx context.Context, e paging.Escalation, fx paging.Effects) (paging.Escalation, bool, error) {
	created := false
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		existing, err := scanEscalation(db.queryRowTx(ctx, tx, escalationBySubjectSQL,
			string(e.Subject.Kind), e.Subject.ID, e.Cause))
		if err == nil {
			e = existing
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("find escalation: %w", err)
		}
		if err := db.putEscalation(ctx, tx, e, true); err != nil {
			return err
		}
		created = true
		return db.writeEffects(ctx, tx, fx)
	})
	if err == nil && created {
		db.jobsAdded()
	}
	return e, created, err
}

// Escalation finds one escalation.
func (db *DB) Escalation(ctx context.Context, id string) (paging.Escalation, error) {
	e, err := scanEscalation(db.queryRowRead(ctx, escalationSQL, id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, notFound("id", "no escalation %s", id)
	}
	if err != nil {
		return e, fmt.Errorf("get escalation: %w", err)
	}
	return e, nil
}

// Escalations lists escalations, newest first.
func (db *DB) Escalations(ctx context.Context, kind paging.SubjectKind, subjectID string, openOnly bool, limit int) ([]paging.Escalation, error) {
	q := `SELECT doc FROM escalations WHERE 1 = 1`
	var args []any
	if kind != "" {
		q += ` AND subject_kind = ? AND subject_id = ?`
		args = append(args, string(kind), subjectID)
	}
	if openOnly {
		q += ` AND state = ?`
		args = append(args, string(paging.Open))
	}
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	q += fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d`, limit)
	rows, err := db.read.QueryContext(ctx, db.dialect.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("list escalations: %w", err)
	}
	defer rows.Close()
	out := []paging.Escalation{}
	for rows.Next() {
		e, err := scanEscalation(rows)
		if err != nil {
			return nil, fmt.Errorf("list escalations: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// UpdateEscalation changes an escalation and writes the change's effects
// in one transaction.
func (db *DB) UpdateEscalation(ctx context.Context, id string, fn func(*paging.Escalation) (paging.Effects, error)) (paging.Escalation, error) {
	var out paging.Escalation
	jobs := 0
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		e, err := scanEscalation(db.queryRowTx(ctx, tx, escalationSQL+db.forUpdate(), id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("id", "no escalation %s", id)
		}
		if err != nil {
			return fmt.Errorf("get escalation: %w", err)
		}
		fx, err := fn(&e)
		if err != nil {
			return err
		}
		if fx.UseToken != "" {
			_, err := db.execTx(ctx, tx, `INSERT INTO ack_uses (token_id, used_at) VALUES (?, ?)`, fx.UseToken, db.dialect.t(db.now()))
			if db.dialect.isUnique(err) {
				return errs.E(errs.Conflict, "token", "this acknowledgement link has already been used")
			}
			if err != nil {
				return fmt.Errorf("use link: %w", err)
			}
		}
		if err := db.putEscalation(ctx, tx, e, false); err != nil {
			return err
		}
		if err := db.writeEffects(ctx, tx, fx); err != nil {
			return err
		}
		jobs = len(fx.Jobs)
		out = e
		return nil
	})
	if err == nil && jobs > 0 {
		db.jobsAdded()
	}
	return out, err
}

// writeEffects stores what an escalation change causes.
func (db *DB) writeEffects(ctx context.Context, tx *sql.Tx, fx paging.Effects) error {
	for _, d := range fx.Deliveries {
		if err := db.insertDelivery(ctx, tx, d); err != nil {
			return err
		}
	}
	if err := db.insertJobs(ctx, tx, fx.Jobs...); err != nil {
		return err
	}
	if fx.DoneJob != "" {
		if _, err := db.execTx(ctx, tx, deleteJobSQL, fx.DoneJob); err != nil {
			return fmt.Errorf("complete job: %w", err)
		}
	}
	return nil
}

// forUpdate locks the row read on PostgreSQL, so two nodes changing one
// escalation serialise; SQLite's single writer does that already.
func (db *DB) forUpdate() string {
	if db.dialect.postgres() {
		return " FOR UPDATE"
	}
	return ""
}

// ---- deliveries ----

func (db *DB) insertDelivery(ctx context.Context, tx *sql.Tx, d paging.Delivery) error {
	doc, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode delivery: %w", err)
	}
	_, err = db.execTx(ctx, tx, insertDeliverySQL,
		d.ID, d.EscalationID, d.User, d.ContactID, string(d.Channel), d.Target, string(d.State), d.Attempts, d.LastError,
		db.dialect.t(d.CreatedAt), db.dialect.t(d.DueAt), db.dialect.tp(d.SentAt), string(doc))
	if err != nil {
		return fmt.Errorf("store delivery: %w", err)
	}
	return nil
}

func scanDelivery(r rowScanner) (paging.Delivery, error) {
	var d paging.Delivery
	var doc, state, lastErr string
	var attempts int
	var sent nullTime
	if err := r.Scan(&doc, &state, &attempts, &lastErr, &sent); err != nil {
		return d, err
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return d, fmt.Errorf("decode delivery: %w", err)
	}
	d.State, d.Attempts, d.LastError, d.SentAt = paging.DeliveryState(state), attempts, lastErr, sent.T
	return d, nil
}

const deliveryColumns = `doc, state, attempts, last_error, sent_at`

// Delivery finds one delivery.
func (db *DB) Delivery(ctx context.Context, id string) (paging.Delivery, error) {
	d, err := scanDelivery(db.queryRowRead(ctx, deliverySQL, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, notFound("id", "no delivery %s", id)
	}
	if err != nil {
		return d, fmt.Errorf("get delivery: %w", err)
	}
	return d, nil
}

// Deliveries lists an escalation's deliveries, oldest first, with their
// attempts.
func (db *DB) Deliveries(ctx context.Context, escalationID string) ([]paging.Delivery, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(`SELECT `+deliveryColumns+` FROM deliveries WHERE escalation_id = ? ORDER BY created_at, due_at, id`), escalationID)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	out := []paging.Delivery{}
	idx := map[string]int{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		idx[d.ID] = len(out)
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	rows, err = db.read.QueryContext(ctx, db.dialect.q(`SELECT a.delivery_id, a.attempt, a.at, a.ok, a.status_code, a.error, a.latency_ms
		FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.escalation_id = ? ORDER BY a.id`), escalationID)
	if err != nil {
		return nil, fmt.Errorf("list attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var a paging.Attempt
		var at dbTime
		if err := rows.Scan(&id, &a.N, &at, &a.OK, &a.StatusCode, &a.Error, &a.LatencyMS); err != nil {
			return nil, fmt.Errorf("list attempts: %w", err)
		}
		a.At = at.Time
		if i, ok := idx[id]; ok {
			out[i].History = append(out[i].History, a)
		}
	}
	return out, rows.Err()
}

// RecordAttempt stores an attempt (none when a.N is 0) and the delivery's
// state.
func (db *DB) RecordAttempt(ctx context.Context, d paging.Delivery, a paging.Attempt) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if a.N > 0 {
			_, err := db.execTx(ctx, tx, insertAttemptSQL,
				d.ID, a.N, db.dialect.t(a.At), a.OK, a.StatusCode, a.Error, a.LatencyMS)
			if err != nil {
				return fmt.Errorf("record attempt: %w", err)
			}
		}
		_, err := db.execTx(ctx, tx, updateDeliverySQL,
			string(d.State), d.Attempts, d.LastError, db.dialect.tp(d.SentAt), d.ID)
		if err != nil {
			return fmt.Errorf("update delivery: %w", err)
		}
		switch d.State {
		case paging.DeliveryPending:
		case paging.DeliveryFailed:
			// Failed for good: its job (same ID) is dead-lettered with the
			// reason, so it is listed and can be retried with the other
			// dead jobs; the engine's own Bury then leaves it alone.
			if _, err := db.execTx(ctx, tx, buryJobSQL, db.dialect.t(db.now()), d.LastError, d.ID); err != nil {
				return fmt.Errorf("dead-letter delivery job: %w", err)
			}
		default:
			// Sent or skipped: the job has nothing left to do.
			if _, err := db.execTx(ctx, tx, deleteJobSQL, d.ID); err != nil {
				return fmt.Errorf("complete delivery job: %w", err)
			}
		}
		return nil
	})
}

// ServerKey returns the named key, creating it on first use.
func (db *DB) ServerKey(ctx context.Context, name string, size int) ([]byte, error) {
	var v string
	err := db.read.QueryRowContext(ctx, db.dialect.q(`SELECT value FROM server_keys WHERE name = ?`), name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		key := make([]byte, size)
		rand.Read(key)
		err = db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO server_keys (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`),
				name, base64.StdEncoding.EncodeToString(key), db.dialect.t(db.now()))
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("create server key: %w", err)
		}
		err = db.read.QueryRowContext(ctx, db.dialect.q(`SELECT value FROM server_keys WHERE name = ?`), name).Scan(&v)
	}
	if err != nil {
		return nil, fmt.Errorf("server key: %w", err)
	}
	return base64.StdEncoding.DecodeString(v)
}

var (
	escalationSQL          = hot(`SELECT doc FROM escalations WHERE id = ?`)
	escalationBySubjectSQL = hot(`SELECT doc FROM escalations WHERE subject_kind = ? AND subject_id = ? AND cause = ?`)
	insertEscalationSQL    = hot(`INSERT INTO escalations (id, subject_kind, subject_id, cause, state, created_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	updateEscalationSQL    = hot(`UPDATE escalations SET state = ?, doc = ? WHERE id = ?`)
	insertDeliverySQL      = hot(`INSERT INTO deliveries (id, escalation_id, username, contact_id, channel, target, state, attempts, last_error, created_at, due_at, sent_at, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	deliverySQL       = hot(`SELECT ` + deliveryColumns + ` FROM deliveries WHERE id = ?`)
	insertAttemptSQL  = hot(`INSERT INTO delivery_attempts (delivery_id, attempt, at, ok, status_code, error, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	updateDeliverySQL = hot(`UPDATE deliveries SET state = ?, attempts = ?, last_error = ?, sent_at = ? WHERE id = ?`)
	contactSQL        = hot(`SELECT ` + contactColumns + ` FROM contacts WHERE id = ?`)
	contactsSQL       = hot(`SELECT ` + contactColumns + ` FROM contacts WHERE username = ? ORDER BY name`)
	rulesSQL          = hot(`SELECT id, username, contact_id, delay_seconds FROM notification_rules WHERE username = ? ORDER BY delay_seconds, id`)
	objectsSQL        = hot(`SELECT kind, doc FROM oncall_objects ORDER BY kind, name`)
)

// readQuerier runs queries on the read pool through the statement cache.
type readQuerier struct{ db *DB }

func (r readQuerier) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return r.db.queryRead(ctx, q, args...)
}
