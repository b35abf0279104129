package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/escalation"
)

// writeEffectsSQL is writeEffects on PostgreSQL in one statement, where
// it was one per delivery, job and the finished job (a page is a delivery,
// its job and the next step's job: four round trips inside the page's
// transaction). Rows go as arrays (unnest), so the text is the same for any
// number of them. As writeOutbox, a delivery planned before (its ID is
// stored) is left as it is and its job not written; a job of the outbox
// (outbox) is written only with its delivery.
const writeEffectsSQL = `WITH d AS (
	INSERT INTO outbox_deliveries (` + outboxColumns + `)
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
		$10::bigint[], $11::text[], $12::timestamptz[], $13::timestamptz[], $14::timestamptz[], $15::text[], $16::text[], $17::text[], $18::bigint[])
	ON CONFLICT (id) DO NOTHING
	RETURNING id
), done AS (
	DELETE FROM jobs WHERE id = $19
)
INSERT INTO jobs (id, kind, args, run_at, state, attempt, max_attempts, last_error, created_at, locked_by, locked_until)
SELECT id, kind, args, run_at, state, attempt, max_attempts, '', created_at, locked_by, locked_until
FROM unnest($20::text[], $21::text[], $22::text[], $23::timestamptz[], $24::text[], $25::bigint[], $26::bigint[], $27::timestamptz[], $28::text[], $29::timestamptz[], $30::bool[])
	AS j(id, kind, args, run_at, state, attempt, max_attempts, created_at, locked_by, locked_until, outbox)
WHERE NOT j.outbox OR j.id IN (SELECT id FROM d)`

// writeEffectsPG is writeEffects on PostgreSQL.
func (db *DB) writeEffectsPG(ctx context.Context, tx *sql.Tx, fx escalation.Effects) error {
	w := fx.Outbox
	n := len(w.Deliveries)
	var (
		id, kind, subjKind, subjID, incident, target, ref, payload, state = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		lastError, messageID, reply, sha                                  = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		attempts, size                                                    = make([]int64, n), make([]int64, n)
		created, due                                                      = make([]time.Time, n), make([]time.Time, n)
		sent                                                              = make([]*time.Time, n)
	)
	planned := map[string]bool{}
	for i, d := range w.Deliveries {
		if d.ID == "" || d.Kind == "" {
			return errs.E(errs.Invalid, "delivery", "a delivery needs an ID and a kind")
		}
		t, err := json.Marshal(d.Target)
		if err != nil {
			return fmt.Errorf("encode delivery target: %w", err)
		}
		p := string(d.Payload)
		if p == "" {
			p = "{}"
		}
		id[i], kind[i], subjKind[i], subjID[i], incident[i], target[i], ref[i], payload[i], state[i] = d.ID, d.Kind, string(d.Subject.Kind), d.Subject.ID, d.Subject.Incident, string(t), d.Ref, p, string(d.State)
		lastError[i], messageID[i], reply[i], sha[i] = d.LastError, d.MessageID, d.Reply, d.MessageSHA256
		attempts[i], size[i] = int64(d.Attempts), int64(d.MessageSize)
		created[i], due[i] = pgTime(d.CreatedAt), pgTime(d.DueAt)
		if d.SentAt != nil {
			s := pgTime(*d.SentAt)
			sent[i] = &s
		}
		planned[d.ID] = true
	}
	now := db.now()
	var jobs jobArrays
	var outbox []bool
	// The outbox's jobs first, as writeOutbox writes them: only those of
	// a delivery in the writes.
	for _, j := range w.Jobs {
		if !planned[j.ID] {
			continue
		}
		r, err := db.storedJobOf(j, now)
		if err != nil {
			return err
		}
		jobs.add(r, now)
		outbox = append(outbox, true)
	}
	for _, j := range fx.Jobs {
		r, err := db.storedJobOf(j, now)
		if err != nil {
			return err
		}
		jobs.add(r, now)
		outbox = append(outbox, false)
	}
	_, err := tx.ExecContext(ctx, writeEffectsSQL,
		id, kind, subjKind, subjID, incident, target, ref, payload, state, attempts, lastError, created, due, sent, messageID, reply, sha, size,
		fx.DoneJob,
		jobs.id, jobs.kind, jobs.args, jobs.runAt, jobs.state, jobs.attempt, jobs.maxAttempts, jobs.createdAt, jobs.lockedBy, jobs.lockedUntil, outbox)
	if db.dialect.isUnique(err) {
		return errs.E(errs.Conflict, "id", "a job of these effects already exists")
	}
	if err != nil {
		return fmt.Errorf("store deliveries and jobs: %w", err)
	}
	return nil
}
