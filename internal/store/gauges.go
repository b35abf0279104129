package store

import (
	"context"
	"fmt"
)

// Gauges are counts of open work for the metrics: no incident's detail,
// restricted or not, only how many.
type Gauges struct {
	// Jobs counts jobs by kind and state (pending, running, dead): the
	// dead ones are exactly what ListDeadJobs lists.
	Jobs map[JobKey]int
	// QueueOpen is the triage queue entries (alert groups) not closed.
	QueueOpen int
	// EscalationsOpen is the escalations still climbing their policy.
	EscalationsOpen int
}

// JobKey names a count of jobs.
type JobKey struct{ Kind, State string }

// ReadGauges counts the open work, in three short reads.
func (db *DB) ReadGauges(ctx context.Context) (Gauges, error) {
	g := Gauges{Jobs: map[JobKey]int{}}
	rows, err := db.read.QueryContext(ctx, `SELECT kind, state, COUNT(*) FROM jobs WHERE state IN ('pending', 'running', 'dead') GROUP BY kind, state`)
	if err != nil {
		return Gauges{}, fmt.Errorf("count jobs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k JobKey
		var n int
		if err := rows.Scan(&k.Kind, &k.State, &n); err != nil {
			return Gauges{}, fmt.Errorf("count jobs: %w", err)
		}
		g.Jobs[k] = n
	}
	if err := rows.Err(); err != nil {
		return Gauges{}, fmt.Errorf("count jobs: %w", err)
	}
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM alert_groups WHERE closed = `+db.falseLit()).Scan(&g.QueueOpen); err != nil {
		return Gauges{}, fmt.Errorf("count queue entries: %w", err)
	}
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM escalations WHERE state = 'open'`).Scan(&g.EscalationsOpen); err != nil {
		return Gauges{}, fmt.Errorf("count escalations: %w", err)
	}
	return g, nil
}
