package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

var _ escalation.Store = (*DB)(nil)

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

// putEscalation inserts or updates e, and reports whether it did: an
// insert of a subject and cause that has an escalation already does not.
func (db *DB) putEscalation(ctx context.Context, tx *sql.Tx, e escalation.Escalation, insert bool) (bool, error) {
	doc, err := json.Marshal(e)
	if err != nil {
		return false, fmt.Errorf("encode escalation: %w", err)
	}
	var res sql.Result
	if insert {
		res, err = db.execTx(ctx, tx, insertEscalationSQL,
			e.ID, string(e.Subject.Kind), e.Subject.ID, e.Cause, string(e.State), db.dialect.t(e.CreatedAt), string(doc))
	} else {
		res, err = db.execTx(ctx, tx, updateEscalationSQL, string(e.State), string(doc), e.ID)
	}
	if err != nil {
		return false, fmt.Errorf("store escalation: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store escalation: %w", err)
	}
	return n > 0, nil
}

func scanEscalation(r rowScanner) (escalation.Escalation, error) {
	var e escalation.Escalation
	var doc string
	if err := r.Scan(&doc); err != nil {
		return e, err
	}
	return e, json.Unmarshal([]byte(doc), &e)
}

// StartEscalation stores e and its effects, once per subject and cause.
func (db *DB) StartEscalation(ctx context.Context, e escalation.Escalation, fx escalation.Effects) (escalation.Escalation, bool, error) {
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
		inserted, err := db.putEscalation(ctx, tx, e, true)
		if err != nil {
			return err
		}
		if !inserted {
			// Another start of this subject and cause committed since the
			// read above (PostgreSQL: SQLite's single writer runs starts
			// one at a time): that one stands, and this one's effects go.
			if e, err = scanEscalation(db.queryRowTx(ctx, tx, escalationBySubjectSQL, string(e.Subject.Kind), e.Subject.ID, e.Cause)); err != nil {
				return fmt.Errorf("find escalation: %w", err)
			}
			return nil
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
func (db *DB) Escalation(ctx context.Context, id string) (escalation.Escalation, error) {
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
func (db *DB) Escalations(ctx context.Context, kind escalation.SubjectKind, subjectID string, openOnly bool, limit int) ([]escalation.Escalation, error) {
	q := `SELECT doc FROM escalations WHERE 1 = 1`
	var args []any
	if kind != "" {
		q += ` AND subject_kind = ? AND subject_id = ?`
		args = append(args, string(kind), subjectID)
	}
	if openOnly {
		q += ` AND state = ?`
		args = append(args, string(escalation.Open))
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
	out := []escalation.Escalation{}
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
func (db *DB) UpdateEscalation(ctx context.Context, id string, fn func(*escalation.Escalation) (escalation.Effects, error)) (escalation.Escalation, error) {
	var out escalation.Escalation
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
		if _, err := db.putEscalation(ctx, tx, e, false); err != nil {
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
func (db *DB) writeEffects(ctx context.Context, tx *sql.Tx, fx escalation.Effects) error {
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

func (db *DB) insertDelivery(ctx context.Context, tx *sql.Tx, d escalation.Delivery) error {
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

func scanDelivery(r rowScanner) (escalation.Delivery, error) {
	var d escalation.Delivery
	var doc, state, lastErr string
	var attempts int
	var sent nullTime
	if err := r.Scan(&doc, &state, &attempts, &lastErr, &sent); err != nil {
		return d, err
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return d, fmt.Errorf("decode delivery: %w", err)
	}
	d.State, d.Attempts, d.LastError, d.SentAt = escalation.DeliveryState(state), attempts, lastErr, sent.T
	return d, nil
}

const deliveryColumns = `doc, state, attempts, last_error, sent_at`

// Delivery finds one delivery.
func (db *DB) Delivery(ctx context.Context, id string) (escalation.Delivery, error) {
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
func (db *DB) Deliveries(ctx context.Context, escalationID string) ([]escalation.Delivery, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(`SELECT `+deliveryColumns+` FROM deliveries WHERE escalation_id = ? ORDER BY created_at, due_at, id`), escalationID)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	out := []escalation.Delivery{}
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
		var a escalation.Attempt
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
func (db *DB) RecordAttempt(ctx context.Context, d escalation.Delivery, a escalation.Attempt) error {
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
		case escalation.DeliveryPending:
		case escalation.DeliveryFailed:
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
	insertEscalationSQL    = hot(`INSERT INTO escalations (id, subject_kind, subject_id, cause, state, created_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (subject_kind, subject_id, cause) DO NOTHING`)
	updateEscalationSQL = hot(`UPDATE escalations SET state = ?, doc = ? WHERE id = ?`)
	insertDeliverySQL   = hot(`INSERT INTO deliveries (id, escalation_id, username, contact_id, channel, target, state, attempts, last_error, created_at, due_at, sent_at, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	deliverySQL       = hot(`SELECT ` + deliveryColumns + ` FROM deliveries WHERE id = ?`)
	insertAttemptSQL  = hot(`INSERT INTO delivery_attempts (delivery_id, attempt, at, ok, status_code, error, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	updateDeliverySQL = hot(`UPDATE deliveries SET state = ?, attempts = ?, last_error = ?, sent_at = ? WHERE id = ?`)
)
