package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
)

// Indicators of compromise (migration 00028).

var _ indicators.Store = (*DB)(nil)

const indicatorColumns = `id, incident_id, type, value, tlp, state, source, confidence, notes, first_seen, last_seen, created_by, created_at, updated_at`

// Indicators lists an incident's indicators, oldest first.
func (db *DB) Indicators(ctx context.Context, incidentID string) ([]indicators.Indicator, error) {
	rows, err := db.queryRead(ctx, `SELECT `+indicatorColumns+` FROM indicators WHERE incident_id = ? ORDER BY created_at, type, value`, incidentID)
	if err != nil {
		return nil, fmt.Errorf("list indicators: %w", err)
	}
	defer rows.Close()
	out := []indicators.Indicator{}
	for rows.Next() {
		var i indicators.Indicator
		var typ, tlp, state string
		var first, last nullTime
		var created, updated dbTime
		if err := rows.Scan(&i.ID, &i.IncidentID, &typ, &i.Value, &tlp, &state, &i.Source, &i.Confidence, &i.Notes,
			&first, &last, &i.CreatedBy, &created, &updated); err != nil {
			return nil, fmt.Errorf("list indicators: %w", err)
		}
		i.Type, i.TLP, i.State = indicators.Type(typ), indicators.TLP(tlp), indicators.State(state)
		i.FirstSeen, i.LastSeen, i.CreatedAt, i.UpdatedAt = first.T, last.T, created.Time, updated.Time
		out = append(out, i)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list indicators: %w", err)
	}
	return out, nil
}

// WriteIndicators commits one change of an incident's indicators with its
// events.
func (db *DB) WriteIndicators(ctx context.Context, w indicators.Write) error {
	jobs := 0
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if len(w.Batch.Events) > 0 {
			if err := db.appendBatch(ctx, tx, &w.Batch); err != nil {
				return err
			}
			n, err := db.incidentJobs(ctx, tx, w.Batch.Next, w.Batch.Events)
			if err != nil {
				return err
			}
			jobs += n
		}
		for _, i := range w.Add {
			_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO indicators (`+indicatorColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				i.ID, w.IncidentID, string(i.Type), i.Value, string(i.TLP), string(i.State), i.Source, i.Confidence, i.Notes,
				db.dialect.tp(i.FirstSeen), db.dialect.tp(i.LastSeen), i.CreatedBy, db.dialect.t(i.CreatedAt), db.dialect.t(i.UpdatedAt))
			if db.dialect.isUnique(err) {
				return errs.E(errs.Conflict, "value", "the incident already holds %s %s", i.Type, i.Value)
			}
			if err != nil {
				return fmt.Errorf("insert indicator: %w", err)
			}
		}
		for _, i := range w.Update {
			res, err := tx.ExecContext(ctx, db.dialect.q(`UPDATE indicators SET tlp = ?, state = ?, source = ?, confidence = ?, notes = ?,
				first_seen = ?, last_seen = ?, updated_at = ? WHERE incident_id = ? AND id = ?`),
				string(i.TLP), string(i.State), i.Source, i.Confidence, i.Notes, db.dialect.tp(i.FirstSeen), db.dialect.tp(i.LastSeen),
				db.dialect.t(i.UpdatedAt), w.IncidentID, i.ID)
			if err != nil {
				return fmt.Errorf("update indicator: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return errs.E(errs.NotFound, "id", "no indicator %s", i.ID)
			}
		}
		return nil
	})
	if err == nil && jobs > 0 {
		db.jobsAdded()
	}
	return err
}

// Sightings lists the indicators with any of keys in incidents other than
// except that v may see, newest first.
func (db *DB) Sightings(ctx context.Context, v incident.Viewer, keys []indicators.Key, except string, limit int) ([]indicators.Sighting, error) {
	if len(keys) == 0 {
		return []indicators.Sighting{}, nil
	}
	var where []string
	var args []any
	// One (value = ? AND type IN (…)) per value: a lookup reads one value
	// as every type it is valid as (an address is also a valid account,
	// process, mutex… name), and one IN list is one index scan on
	// indicators_type_value where an OR per key had PostgreSQL plan and
	// OR six bitmap scans (five times the cost, measured); SQLite seeks
	// once per type either way.
	var or []string
	byValue := map[string][]any{}
	var values []string
	for _, k := range keys {
		if _, ok := byValue[k.Value]; !ok {
			values = append(values, k.Value)
		}
		byValue[k.Value] = append(byValue[k.Value], string(k.Type))
	}
	for _, v := range values {
		types := byValue[v]
		or = append(or, "(x.value = ? AND x.type IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(types)), ", ")+"))")
		args = append(args, v)
		args = append(args, types...)
	}
	where = append(where, "("+strings.Join(or, " OR ")+")")
	if except != "" {
		where = append(where, "x.incident_id <> ?")
		args = append(args, except)
	}
	if !v.SeeAll {
		// As List: restricted incidents only for their participants and
		// the person who declared them.
		where = append(where, "(i.restricted = ? OR i.declared_by = ? OR EXISTS (SELECT 1 FROM incident_roles r WHERE r.incident_id = i.id AND r.username = ?))")
		args = append(args, false, v.User, v.User)
	}
	args = append(args, limit)
	rows, err := db.queryRead(ctx, `SELECT i.id, i.ref, i.title, x.id, x.type, x.value, x.state, x.tlp, x.created_at
		FROM indicators x JOIN incidents i ON i.id = x.incident_id WHERE `+strings.Join(where, " AND ")+`
		ORDER BY x.created_at DESC, x.id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("find indicators: %w", err)
	}
	defer rows.Close()
	out := []indicators.Sighting{}
	for rows.Next() {
		var s indicators.Sighting
		var typ, state, tlp string
		var at dbTime
		if err := rows.Scan(&s.IncidentID, &s.IncidentRef, &s.Title, &s.IndicatorID, &typ, &s.Value, &state, &tlp, &at); err != nil {
			return nil, fmt.Errorf("find indicators: %w", err)
		}
		s.Type, s.State, s.TLP, s.CreatedAt = indicators.Type(typ), indicators.State(state), indicators.TLP(tlp), at.Time
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find indicators: %w", err)
	}
	return out, nil
}
