package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/duties"
)

// LiveFacts returns, in one read, the facts and the submissions and
// waivers of every incident that has facts and has not ended (closed,
// dismissed or merged): what the duties gauges are worked out from.
func (db *DB) LiveFacts(ctx context.Context) ([]duties.LiveFacts, error) {
	rows, err := db.queryRead(ctx, `SELECT f.incident_id, f.doc, r.obligation_id, r.phase, r.kind, r.at, r.reason
		FROM incident_facts f JOIN incidents i ON i.id = f.incident_id
		LEFT JOIN obligation_records r ON r.incident_id = f.incident_id
		WHERE i.state NOT IN ('closed', 'dismissed', 'merged')
		ORDER BY f.incident_id, r.recorded_at, r.obligation_id, r.phase`)
	if err != nil {
		return nil, fmt.Errorf("read live facts: %w", err)
	}
	defer rows.Close()
	var out []duties.LiveFacts
	for rows.Next() {
		var id, doc string
		var obligation, phase, kind, reason sql.NullString
		var at nullTime
		if err := rows.Scan(&id, &doc, &obligation, &phase, &kind, &at, &reason); err != nil {
			return nil, fmt.Errorf("read live facts: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].IncidentID != id {
			lf := duties.LiveFacts{IncidentID: id}
			if err := json.Unmarshal([]byte(doc), &lf.Facts); err != nil {
				return nil, fmt.Errorf("decode facts of %s: %w", id, err)
			}
			out = append(out, lf)
		}
		if obligation.Valid && at.T != nil {
			last := &out[len(out)-1]
			last.Records = append(last.Records, duties.RecordRow{Record: comms.Record{ObligationID: obligation.String, Phase: phase.String,
				Kind: comms.RecordKind(kind.String), At: *at.T, Reason: reason.String}})
		}
	}
	return out, rows.Err()
}
