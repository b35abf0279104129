package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Notification duties: the organisation profile, incident facts, the
// records of submissions and waivers, and reminders (migration 00007).

var _ duties.Store = (*DB)(nil)

// Profile returns the organisation profile.
func (db *DB) Profile(ctx context.Context) (duties.ProfileState, error) {
	var doc, by string
	var at dbTime
	err := db.queryRowRead(ctx, `SELECT doc, updated_by, updated_at FROM organization_profile WHERE id = 1`).Scan(&doc, &by, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return duties.ProfileState{}, notFound("organization", "no organisation profile was saved")
	}
	if err != nil {
		return duties.ProfileState{}, fmt.Errorf("read organisation profile: %w", err)
	}
	st := duties.ProfileState{UpdatedBy: by, UpdatedAt: &at.Time}
	if err := json.Unmarshal([]byte(doc), &st.Profile); err != nil {
		return duties.ProfileState{}, fmt.Errorf("decode organisation profile: %w", err)
	}
	return st, nil
}

// PutProfile replaces the organisation profile and writes jobs with it.
func (db *DB) PutProfile(ctx context.Context, p duties.Profile, actor string, at time.Time, jobs []engine.Job) (duties.ProfileState, error) {
	doc, err := json.Marshal(p)
	if err != nil {
		return duties.ProfileState{}, fmt.Errorf("encode organisation profile: %w", err)
	}
	err = db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO organization_profile (id, doc, updated_by, updated_at) VALUES (1, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, updated_by = excluded.updated_by, updated_at = excluded.updated_at`),
			string(doc), actor, db.dialect.t(at))
		if err != nil {
			return fmt.Errorf("store organisation profile: %w", err)
		}
		return db.insertJobs(ctx, tx, jobs...)
	})
	if err != nil {
		return duties.ProfileState{}, err
	}
	if len(jobs) > 0 {
		db.jobsAdded()
	}
	at = at.UTC().Truncate(time.Microsecond)
	return duties.ProfileState{Profile: p, UpdatedBy: actor, UpdatedAt: &at}, nil
}

// Facts returns an incident's facts; version 0 when none were set.
func (db *DB) Facts(ctx context.Context, incidentID string) (duties.FactsState, error) {
	var st duties.FactsState
	var doc, by string
	var at dbTime
	err := db.queryRowRead(ctx, `SELECT doc, version, plan, updated_by, updated_at FROM incident_facts WHERE incident_id = ?`, incidentID).
		Scan(&doc, &st.Version, &st.Plan, &by, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return duties.FactsState{}, nil
	}
	if err != nil {
		return st, fmt.Errorf("read facts: %w", err)
	}
	if err := json.Unmarshal([]byte(doc), &st.Facts); err != nil {
		return st, fmt.Errorf("decode facts: %w", err)
	}
	if st.Version > 0 {
		st.UpdatedBy, st.UpdatedAt = by, &at.Time
	}
	return st, nil
}

// Records lists an incident's submissions and waivers, oldest first.
func (db *DB) Records(ctx context.Context, incidentID string) ([]duties.RecordRow, error) {
	rows, err := db.queryRead(ctx, `SELECT obligation_id, phase, kind, at, actor, reason, notice_id, recorded_at
		FROM obligation_records WHERE incident_id = ? ORDER BY recorded_at, obligation_id, phase`, incidentID)
	if err != nil {
		return nil, fmt.Errorf("list obligation records: %w", err)
	}
	defer rows.Close()
	out := []duties.RecordRow{}
	for rows.Next() {
		var r duties.RecordRow
		var kind string
		var notice sql.NullString
		var at, rec dbTime
		if err := rows.Scan(&r.ObligationID, &r.Phase, &kind, &at, &r.Actor, &r.Reason, &notice, &rec); err != nil {
			return nil, fmt.Errorf("list obligation records: %w", err)
		}
		r.Kind, r.At, r.NoticeID, r.RecordedAt = comms.RecordKind(kind), at.Time, notice.String, rec.Time
		out = append(out, r)
	}
	return out, rows.Err()
}

// WriteDuties commits one change of an incident's duties.
func (db *DB) WriteDuties(ctx context.Context, w duties.Write) error {
	jobs := 0
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		jobs = len(w.Jobs)
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
		if err := db.writeFacts(ctx, tx, w); err != nil {
			return err
		}
		if r := w.Record; r != nil {
			var notice any
			if r.NoticeID != "" {
				notice = r.NoticeID
			}
			_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO obligation_records
				(incident_id, obligation_id, phase, kind, at, actor, reason, notice_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				w.IncidentID, r.ObligationID, r.Phase, string(r.Kind), db.dialect.t(r.At), r.Actor, r.Reason, notice, db.dialect.t(r.RecordedAt))
			if db.dialect.isUnique(err) {
				return errs.E(errs.Conflict, "phase", "%s %s was already recorded", r.ObligationID, r.Phase)
			}
			if err != nil {
				return fmt.Errorf("insert obligation record: %w", err)
			}
		}
		return db.insertJobs(ctx, tx, w.Jobs...)
	})
	if err == nil && jobs > 0 {
		db.jobsAdded()
	}
	return err
}

// writeFacts replaces the facts and the plan, each only if still at the
// version the caller saw. A row exists from the first write on, so a
// plan can be kept for an incident whose facts were never set.
func (db *DB) writeFacts(ctx context.Context, tx *sql.Tx, w duties.Write) error {
	now := db.dialect.t(db.now())
	_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO incident_facts (incident_id, doc, version, plan, updated_by, updated_at)
		VALUES (?, '{}', 0, 0, '', ?) ON CONFLICT (incident_id) DO NOTHING`), w.IncidentID, now)
	if err != nil {
		return fmt.Errorf("insert facts: %w", err)
	}
	var version, plan int64
	err = tx.QueryRowContext(ctx, db.dialect.q(`SELECT version, plan FROM incident_facts WHERE incident_id = ?`), w.IncidentID).Scan(&version, &plan)
	if err != nil {
		return fmt.Errorf("read facts version: %w", err)
	}
	if w.Facts != nil && version != w.ExpectedFactsVersion {
		return errs.E(errs.Conflict, "version", "the facts changed since they were loaded: they are at version %d, not %d; reload and try again", version, w.ExpectedFactsVersion)
	}
	if plan != w.ExpectedPlan {
		return errs.E(errs.Conflict, "plan", "the duties changed while this change was prepared; try again")
	}
	if f := w.Facts; f != nil {
		doc, err := json.Marshal(f.Facts)
		if err != nil {
			return fmt.Errorf("encode facts: %w", err)
		}
		at := now
		if f.UpdatedAt != nil {
			at = db.dialect.t(*f.UpdatedAt)
		}
		_, err = tx.ExecContext(ctx, db.dialect.q(`UPDATE incident_facts SET doc = ?, version = ?, updated_by = ?, updated_at = ? WHERE incident_id = ?`),
			string(doc), f.Version, f.UpdatedBy, at, w.IncidentID)
		if err != nil {
			return fmt.Errorf("update facts: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, db.dialect.q(`UPDATE incident_facts SET plan = ? WHERE incident_id = ?`), w.Plan, w.IncidentID); err != nil {
		return fmt.Errorf("update reminder plan: %w", err)
	}
	return nil
}

// DutyIncidents lists the incidents with facts or records.
func (db *DB) DutyIncidents(ctx context.Context) ([]string, error) {
	rows, err := db.queryRead(ctx, `SELECT incident_id FROM incident_facts ORDER BY incident_id`)
	if err != nil {
		return nil, fmt.Errorf("list incidents with duties: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list incidents with duties: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
