package store

import (
	"context"
	"fmt"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// CountByState counts the incidents v may see, per state.
func (db *DB) CountByState(ctx context.Context, v incident.Viewer) (map[incident.State]int, error) {
	query := `SELECT i.state, COUNT(*) FROM incidents i`
	var args []any
	if !v.SeeAll {
		query += ` WHERE (i.restricted = ? OR i.declared_by = ? OR EXISTS (SELECT 1 FROM incident_roles r WHERE r.incident_id = i.id AND r.username = ?))`
		args = append(args, false, v.User, v.User)
	}
	rows, err := db.read.QueryContext(ctx, db.dialect.q(query+` GROUP BY i.state`), args...)
	if err != nil {
		return nil, fmt.Errorf("count incidents: %w", err)
	}
	defer rows.Close()
	out := map[incident.State]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("count incidents: %w", err)
		}
		out[incident.State(st)] = n
	}
	return out, rows.Err()
}
