package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/insights"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

var _ insights.Store = (*DB)(nil)

// InsightsSources returns the incidents declared in [from, to) with their
// transitions, linked queue entries and escalation acknowledgements: the
// material of the insights figures. Every incident is returned, restricted
// or not; package insights decides what a viewer is shown.
func (db *DB) InsightsSources(ctx context.Context, from, to time.Time) ([]insights.Source, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(`SELECT id, doc FROM incidents WHERE declared_at >= ? AND declared_at < ? ORDER BY number`),
		db.dialect.t(from), db.dialect.t(to))
	if err != nil {
		return nil, fmt.Errorf("insights incidents: %w", err)
	}
	defer rows.Close()
	var out []insights.Source
	at := map[string]int{}
	for rows.Next() {
		var id, doc string
		if err := rows.Scan(&id, &doc); err != nil {
			return nil, fmt.Errorf("insights incidents: %w", err)
		}
		inc, err := decodeIncident(doc)
		if err != nil {
			return nil, err
		}
		at[id] = len(out)
		out = append(out, insights.Source{Incident: inc})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("insights incidents: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	if err := db.insightsTransitions(ctx, from, to, out, at); err != nil {
		return nil, err
	}
	if err := db.insightsSignals(ctx, from, to, out, at); err != nil {
		return nil, err
	}
	return out, nil
}

// insightsTransitions adds each incident's transitions, in stream order.
func (db *DB) insightsTransitions(ctx context.Context, from, to time.Time, out []insights.Source, at map[string]int) error {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(`SELECT e.incident_id, e.recorded_at, e.data FROM events e
		JOIN incidents i ON i.id = e.incident_id
		WHERE e.type = ? AND i.declared_at >= ? AND i.declared_at < ? ORDER BY e.incident_id, e.seq`),
		incident.EvTransitioned, db.dialect.t(from), db.dialect.t(to))
	if err != nil {
		return fmt.Errorf("insights transitions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, data string
		var rec dbTime
		if err := rows.Scan(&id, &rec, &data); err != nil {
			return fmt.Errorf("insights transitions: %w", err)
		}
		var d incident.TransitionData
		if err := json.Unmarshal([]byte(data), &d); err != nil {
			return fmt.Errorf("insights transitions of %s: %w", id, err)
		}
		if i, ok := at[id]; ok {
			out[i].Transitions = append(out[i].Transitions, insights.Transition{To: d.To, At: rec.Time})
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("insights transitions: %w", err)
	}
	return nil
}

// insightsSignals adds the queue entries linked to each incident and the
// acknowledgements of escalations about the incident or those entries.
func (db *DB) insightsSignals(ctx context.Context, from, to time.Time, out []insights.Source, at map[string]int) error {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(`SELECT g.incident_id, g.doc FROM alert_groups g
		JOIN incidents i ON i.id = g.incident_id
		WHERE i.declared_at >= ? AND i.declared_at < ? ORDER BY g.first_seen, g.id`),
		db.dialect.t(from), db.dialect.t(to))
	if err != nil {
		return fmt.Errorf("insights signals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, doc string
		if err := rows.Scan(&id, &doc); err != nil {
			return fmt.Errorf("insights signals: %w", err)
		}
		var e triage.Entry
		if err := json.Unmarshal([]byte(doc), &e); err != nil {
			return fmt.Errorf("insights signals of %s: %w", id, err)
		}
		if i, ok := at[id]; ok {
			out[i].Signals = append(out[i].Signals, insights.Signal{FirstSeen: e.Group.FirstSeen, AckedAt: e.AckedAt, Team: e.Group.Destination.Team})
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("insights signals: %w", err)
	}
	escs, err := db.insightsEscalations(ctx, from, to)
	if err != nil {
		return err
	}
	for _, x := range escs {
		if i, ok := at[x.incidentID]; ok && x.esc.AckedAt != nil {
			out[i].Acks = append(out[i].Acks, *x.esc.AckedAt)
		}
	}
	return nil
}

type insightsEscalation struct {
	esc        escalation.Escalation
	incidentID string // the incident, or the incident of the queue entry; "" when none
}

// insightsEscalations reads the escalations started in [from, to), each
// with the incident it is about.
func (db *DB) insightsEscalations(ctx context.Context, from, to time.Time) ([]insightsEscalation, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(`SELECT e.doc, CASE WHEN e.subject_kind = 'incident' THEN e.subject_id ELSE COALESCE(g.incident_id, '') END
		FROM escalations e LEFT JOIN alert_groups g ON e.subject_kind = 'queue' AND g.id = e.subject_id
		WHERE e.created_at >= ? AND e.created_at < ? ORDER BY e.created_at, e.id`),
		db.dialect.t(from), db.dialect.t(to))
	if err != nil {
		return nil, fmt.Errorf("insights escalations: %w", err)
	}
	defer rows.Close()
	var out []insightsEscalation
	for rows.Next() {
		var doc, id string
		if err := rows.Scan(&doc, &id); err != nil {
			return nil, fmt.Errorf("insights escalations: %w", err)
		}
		var e escalation.Escalation
		if err := json.Unmarshal([]byte(doc), &e); err != nil {
			return nil, fmt.Errorf("insights escalations: %w", err)
		}
		out = append(out, insightsEscalation{esc: e, incidentID: id})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("insights escalations: %w", err)
	}
	return out, nil
}

// InsightsPages returns every "paged" step of the escalations started in
// [from, to): one page of one person, with the incident it was about.
func (db *DB) InsightsPages(ctx context.Context, from, to time.Time) ([]insights.PageSource, error) {
	escs, err := db.insightsEscalations(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := []insights.PageSource{}
	for _, x := range escs {
		for _, l := range x.esc.Log {
			if l.Action == "paged" && l.Actor != "" {
				out = append(out, insights.PageSource{User: l.Actor, At: l.At, IncidentID: x.incidentID})
			}
		}
	}
	return out, nil
}
