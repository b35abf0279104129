package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// recordOutboxSQL is RecordOutbox on PostgreSQL in one statement, where it
// was up to three (the attempt, the delivery's state, its job's delete or
// burial): every page sent ends with it. Nothing is written when the
// delivery is not there ($9 matches no row), which RecordOutbox reports as
// not found. $18 says whether there is an attempt; $19 completes the job
// (sent, skipped), $20 buries it (failed), as buryJobSQL.
const recordOutboxSQL = `WITH u AS (
	UPDATE outbox_deliveries SET state = $1, attempts = $2, last_error = $3, sent_at = $4,
		message_id = $5, reply = $6, message_sha256 = $7, message_size = $8 WHERE id = $9
	RETURNING id
), a AS (
	INSERT INTO outbox_attempts (delivery_id, attempt, at, ok, status_code, latency_ms, error, message_id, reply)
	SELECT id, $10, $11, $12, $13, $14, $15, $16, $17 FROM u WHERE $18
), done AS (
	DELETE FROM jobs WHERE $19 AND id IN (SELECT id FROM u)
), dead AS (
	UPDATE jobs SET state = 'dead', attempt = attempt + 1, finished_at = $21, last_error = $22, locked_by = NULL, locked_until = NULL
	WHERE $20 AND id IN (SELECT id FROM u) AND state <> 'dead'
)
SELECT count(*) FROM u`

// recordOutboxPG is RecordOutbox's transaction body on PostgreSQL.
func (db *DB) recordOutboxPG(ctx context.Context, tx *sql.Tx, d outbox.Delivery, a *outbox.Attempt, finish bool) error {
	var at outbox.Attempt
	if a != nil {
		at = *a
	}
	complete := finish && (d.State == outbox.Sent || d.State == outbox.Skipped)
	bury := finish && d.State == outbox.Failed
	var n int
	err := tx.QueryRowContext(ctx, recordOutboxSQL,
		string(d.State), d.Attempts, d.LastError, db.dialect.tp(d.SentAt), d.MessageID, d.Reply, d.MessageSHA256, d.MessageSize, d.ID,
		at.N, db.dialect.t(at.At), at.OK, at.StatusCode, at.LatencyMS, at.Error, at.MessageID, at.Reply, a != nil,
		complete, bury, db.dialect.t(db.now()), d.Kind+": "+d.LastError).Scan(&n)
	if err != nil {
		return fmt.Errorf("record delivery: %w", err)
	}
	if n == 0 {
		return notFound("id", "no delivery %s", d.ID)
	}
	return nil
}
