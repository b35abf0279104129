package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// The outbox's deliveries and attempts (package outbox). Other store
// methods write a change's deliveries in the change's own transaction
// with writeOutbox, and call jobsAdded after the commit.

var _ outbox.Store = (*DB)(nil)

const outboxColumns = `id, kind, subject_kind, subject_id, incident, target, ref, payload, state, attempts, last_error,
	created_at, due_at, sent_at, message_id, reply, message_sha256, message_size`

var (
	insertOutboxSQL = hot(`INSERT INTO outbox_deliveries (` + outboxColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`)
	outboxDeliverySQL = hot(`SELECT ` + outboxColumns + ` FROM outbox_deliveries WHERE id = ?`)
	updateOutboxSQL   = hot(`UPDATE outbox_deliveries SET state = ?, attempts = ?, last_error = ?, sent_at = ?,
		message_id = ?, reply = ?, message_sha256 = ?, message_size = ? WHERE id = ?`)
	insertOutboxAttemptSQL = hot(`INSERT INTO outbox_attempts (delivery_id, attempt, at, ok, status_code, latency_ms, error, message_id, reply)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
)

// writeOutbox writes w's deliveries and their jobs in tx. A delivery whose
// ID exists already is left as it is, and so is its job: planning the
// same delivery twice writes it once. It reports whether it wrote a job
// (call jobsAdded after the commit).
func (db *DB) writeOutbox(ctx context.Context, tx *sql.Tx, w outbox.Writes) (bool, error) {
	jobs := map[string]engine.Job{}
	for _, j := range w.Jobs {
		jobs[j.ID] = j
	}
	wrote := false
	for _, d := range w.Deliveries {
		if d.ID == "" || d.Kind == "" {
			return false, errs.E(errs.Invalid, "delivery", "a delivery needs an ID and a kind")
		}
		target, err := json.Marshal(d.Target)
		if err != nil {
			return false, fmt.Errorf("encode delivery target: %w", err)
		}
		payload := string(d.Payload)
		if payload == "" {
			payload = "{}"
		}
		res, err := db.execTx(ctx, tx, insertOutboxSQL, d.ID, d.Kind, d.Subject.Kind, d.Subject.ID, d.Subject.Incident, string(target),
			d.Ref, payload, string(d.State), d.Attempts, d.LastError, db.dialect.t(d.CreatedAt), db.dialect.t(d.DueAt),
			db.dialect.tp(d.SentAt), d.MessageID, d.Reply, d.MessageSHA256, d.MessageSize)
		if err != nil {
			return false, fmt.Errorf("store delivery: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return false, fmt.Errorf("store delivery: %w", err)
		} else if n == 0 {
			continue // planned before: its job exists, or it is settled
		}
		if j, ok := jobs[d.ID]; ok {
			if err := db.insertJobs(ctx, tx, j); err != nil {
				return false, err
			}
			wrote = true
		}
	}
	return wrote, nil
}

// WriteOutbox writes deliveries and their jobs in a transaction of their
// own.
func (db *DB) WriteOutbox(ctx context.Context, w outbox.Writes) error {
	var jobs bool
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		jobs, err = db.writeOutbox(ctx, tx, w)
		return err
	})
	if err == nil && jobs {
		db.jobsAdded()
	}
	return err
}

func scanOutbox(r rowScanner) (outbox.Delivery, error) {
	var d outbox.Delivery
	var target, payload, state string
	var created, due dbTime
	var sent nullTime
	if err := r.Scan(&d.ID, &d.Kind, &d.Subject.Kind, &d.Subject.ID, &d.Subject.Incident, &target, &d.Ref, &payload, &state,
		&d.Attempts, &d.LastError, &created, &due, &sent, &d.MessageID, &d.Reply, &d.MessageSHA256, &d.MessageSize); err != nil {
		return d, err
	}
	if err := json.Unmarshal([]byte(target), &d.Target); err != nil {
		return d, fmt.Errorf("decode delivery target: %w", err)
	}
	d.Payload, d.State, d.CreatedAt, d.DueAt, d.SentAt = json.RawMessage(payload), outbox.State(state), created.Time, due.Time, sent.T
	return d, nil
}

// OutboxDelivery returns one delivery.
func (db *DB) OutboxDelivery(ctx context.Context, id string) (outbox.Delivery, error) {
	d, err := scanOutbox(db.queryRowRead(ctx, outboxDeliverySQL, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, notFound("id", "no delivery %s", id)
	}
	if err != nil {
		return d, fmt.Errorf("get delivery: %w", err)
	}
	return d, nil
}

// RecordOutbox stores d's state and attempt a (when not nil) in one
// transaction; with finish, a final state also completes d's job (sent,
// skipped) or buries it, its error prefixed by d's kind (failed).
func (db *DB) RecordOutbox(ctx context.Context, d outbox.Delivery, a *outbox.Attempt, finish bool) error {
	if db.dialect.postgres() {
		return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error { return db.recordOutboxPG(ctx, tx, d, a, finish) })
	}
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if a != nil {
			if _, err := db.execTx(ctx, tx, insertOutboxAttemptSQL, d.ID, a.N, db.dialect.t(a.At), a.OK, a.StatusCode, a.LatencyMS,
				a.Error, a.MessageID, a.Reply); err != nil {
				return fmt.Errorf("record attempt: %w", err)
			}
		}
		res, err := db.execTx(ctx, tx, updateOutboxSQL, string(d.State), d.Attempts, d.LastError, db.dialect.tp(d.SentAt),
			d.MessageID, d.Reply, d.MessageSHA256, d.MessageSize, d.ID)
		if err != nil {
			return fmt.Errorf("update delivery: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("update delivery: %w", err)
		} else if n == 0 {
			return notFound("id", "no delivery %s", d.ID)
		}
		if !finish {
			return nil
		}
		switch d.State {
		case outbox.Failed:
			// Dead, with the reason, so it is listed and can be retried
			// with the other dead jobs; the engine's own Bury then leaves
			// it alone.
			if _, err := db.execTx(ctx, tx, buryJobSQL, db.dialect.t(db.now()), d.Kind+": "+d.LastError, d.ID); err != nil {
				return fmt.Errorf("dead-letter delivery job: %w", err)
			}
		case outbox.Sent, outbox.Skipped:
			if _, err := db.execTx(ctx, tx, deleteJobSQL, d.ID); err != nil {
				return fmt.Errorf("complete delivery job: %w", err)
			}
		}
		return nil
	})
}

// OutboxDeliveries lists deliveries matching q, newest first.
func (db *DB) OutboxDeliveries(ctx context.Context, q outbox.Query) ([]outbox.Delivery, error) {
	var where []string
	var args []any
	for _, f := range []struct{ col, v string }{
		{"kind", q.Kind}, {"state", string(q.State)}, {"subject_kind", q.SubjectKind}, {"subject_id", q.SubjectID}, {"incident", q.Incident},
	} {
		if f.v != "" {
			where = append(where, f.col+" = ?")
			args = append(args, f.v)
		}
	}
	if q.Before != "" {
		var created dbTime
		err := db.queryRowRead(ctx, `SELECT created_at FROM outbox_deliveries WHERE id = ?`, q.Before).Scan(&created)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errs.E(errs.Invalid, "before", "no delivery %s to list from", q.Before)
		}
		if err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		where = append(where, "(created_at < ? OR (created_at = ? AND id < ?))")
		args = append(args, db.dialect.t(created.Time), db.dialect.t(created.Time), q.Before)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	query := `SELECT ` + outboxColumns + ` FROM outbox_deliveries`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	rows, err := db.read.QueryContext(ctx, db.dialect.q(query), append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	out := []outbox.Delivery{}
	for rows.Next() {
		d, err := scanOutbox(rows)
		if err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// OutboxAttempts lists a delivery's attempts, oldest first.
func (db *DB) OutboxAttempts(ctx context.Context, id string) ([]outbox.Attempt, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(`SELECT delivery_id, attempt, at, ok, status_code, latency_ms, error, message_id, reply
		FROM outbox_attempts WHERE delivery_id = ? ORDER BY id`), id)
	if err != nil {
		return nil, fmt.Errorf("list attempts: %w", err)
	}
	defer rows.Close()
	out := []outbox.Attempt{}
	for rows.Next() {
		var a outbox.Attempt
		var at dbTime
		if err := rows.Scan(&a.Delivery, &a.N, &at, &a.OK, &a.StatusCode, &a.LatencyMS, &a.Error, &a.MessageID, &a.Reply); err != nil {
			return nil, fmt.Errorf("list attempts: %w", err)
		}
		a.At = at.Time
		out = append(out, a)
	}
	return out, rows.Err()
}
