package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/firebreak-ir/firebreak/internal/alert"
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
	return len(jobs), db.insertJobsIfAbsent(ctx, tx, jobs...)
}

// nextEntry is group g's queue entry after a delivery, from the entry
// stored for it (ok) or a new one, with the jobs to write with it and how
// many of those the engine must be told about after the commit (a new
// entry's page is held: handed to the engine instead).
func (db *DB) nextEntry(ctx context.Context, g alert.Group, stored triage.Entry, ok bool, first alert.Outcome, newEntry func(alert.Group, alert.Outcome) triage.Entry, fed func(*triage.Entry)) (triage.Entry, []engine.Job, int, error) {
	if ok {
		// The pipeline owns the group's alert state; the queue owns the
		// triage state and the link to an incident.
		e := stored
		g.IncidentID, g.Closed = e.Group.IncidentID, e.Group.Closed
		wasFiring := e.Group.Firing > 0
		e.Group = g
		if fed != nil {
			fed(&e)
		}
		if wasFiring && g.Firing == 0 && g.IncidentID == "" && db.trigger.Resolved != nil {
			jobs := db.trigger.Resolved(e)
			return e, jobs, len(jobs), nil
		}
		return e, nil, 0, nil
	}
	e := newEntry(g, first)
	if fed != nil {
		fed(&e)
	}
	if db.trigger.Entry == nil {
		return e, nil, 0, nil
	}
	jobs := db.trigger.Entry(e)
	held, err := db.holdJobs(ctx, jobs)
	if err != nil {
		return e, nil, 0, err
	}
	return e, jobs, len(jobs) - held, nil
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
		jobs = len(fx.Jobs) + len(fx.Outbox.Jobs)
		out = e
		return nil
	})
	if err == nil && jobs > 0 {
		db.jobsAdded()
	}
	return out, err
}

// writeEffects stores what an escalation change causes: its pages in the
// outbox, its jobs.
func (db *DB) writeEffects(ctx context.Context, tx *sql.Tx, fx escalation.Effects) error {
	if db.dialect.postgres() {
		return db.writeEffectsPG(ctx, tx, fx)
	}
	if _, err := db.writeOutbox(ctx, tx, fx.Outbox); err != nil {
		return err
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
)
