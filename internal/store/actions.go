package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Action items (migration 00031): the projection of each incident's
// action.* events, indexed across incidents.

var _ actions.Store = (*DB)(nil)

const actionColumns = `a.number, a.doc, a.owner, a.team, a.state, a.priority, a.due_at, a.closed_at, a.version`

// scanAction reads a row of actionColumns. The columns that repeat the
// document are read from the columns, so a row changed behind Firebreak's
// back shows (and is audited) as it is stored.
func scanAction(s scanner) (actions.Action, error) {
	var a actions.Action
	var doc, state, prio string
	var due dbTime
	var closed nullTime
	var number int64
	if err := s.Scan(&number, &doc, &a.Owner, &a.Team, &state, &prio, &due, &closed, &a.Version); err != nil {
		return a, err
	}
	owner, team, version := a.Owner, a.Team, a.Version
	if err := json.Unmarshal([]byte(doc), &a); err != nil {
		return a, fmt.Errorf("decode action item: %w", err)
	}
	a.Owner, a.Team, a.State, a.Priority, a.DueAt, a.ClosedAt, a.Version = owner, team, actions.State(state), actions.Priority(prio), due.Time, closed.T, version
	a.Number, a.ID = number, actions.IDOf(number)
	return a, nil
}

// IncidentActions lists an incident's action items by number.
func (db *DB) IncidentActions(ctx context.Context, incidentID string) ([]actions.Action, error) {
	out := []actions.Action{}
	err := scanAll(ctx, db, `SELECT `+actionColumns+` FROM actions a WHERE a.incident_id = ? ORDER BY a.number`, []any{incidentID},
		func(s scanner) error {
			a, err := scanAction(s)
			out = append(out, a)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("list action items: %w", err)
	}
	return out, nil
}

// ActionByNumber returns one action item; errs.NotFound when none.
func (db *DB) ActionByNumber(ctx context.Context, number int64) (actions.Action, error) {
	a, err := scanAction(db.read.QueryRowContext(ctx, db.dialect.q(`SELECT `+actionColumns+` FROM actions a WHERE a.number = ?`), number))
	if errors.Is(err, sql.ErrNoRows) {
		return a, errs.E(errs.NotFound, "id", "no action item %s", actions.IDOf(number))
	}
	if err != nil {
		return a, fmt.Errorf("read action item %d: %w", number, err)
	}
	return a, nil
}

// NextActionNumber is one past the highest action number taken.
func (db *DB) NextActionNumber(ctx context.Context) (int64, error) {
	var n int64
	if err := db.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(number), 0) + 1 FROM actions`).Scan(&n); err != nil {
		return 0, fmt.Errorf("next action number: %w", err)
	}
	return n, nil
}

// WriteActions appends the events and writes the rows and deliveries in
// one transaction. A row of version 1 is inserted: a number taken
// meanwhile is a conflict, and the caller decides again.
func (db *DB) WriteActions(ctx context.Context, w actions.Write) error {
	jobs := false
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if len(w.Batch.Events) > 0 {
			if err := db.appendBatch(ctx, tx, &w.Batch); err != nil {
				return err
			}
			n, err := db.incidentJobs(ctx, tx, w.Batch.Next, w.Batch.Events)
			if err != nil {
				return err
			}
			jobs = n > 0
		}
		for _, a := range w.Items {
			if err := db.putAction(ctx, tx, w.IncidentID, a); err != nil {
				return err
			}
		}
		wrote, err := db.writeOutbox(ctx, tx, w.Outbox)
		jobs = jobs || wrote
		return err
	})
	if err == nil && jobs {
		db.jobsAdded()
	}
	return err
}

func (db *DB) putAction(ctx context.Context, tx *sql.Tx, incidentID string, a actions.Action) error {
	doc, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode action item: %w", err)
	}
	if a.Version == 1 {
		_, err = tx.ExecContext(ctx, db.dialect.q(`INSERT INTO actions (number, incident_id, owner, team, state, priority, due_at, closed_at, created_at, updated_at, version, doc)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			a.Number, incidentID, a.Owner, a.Team, string(a.State), string(a.Priority), db.dialect.t(a.DueAt), db.dialect.tp(a.ClosedAt),
			db.dialect.t(a.CreatedAt), db.dialect.t(a.UpdatedAt), a.Version, string(doc))
		if db.dialect.isUnique(err) {
			return errs.E(errs.Conflict, "id", "%s was taken meanwhile", a.ID)
		}
		if err != nil {
			return fmt.Errorf("store action item %s: %w", a.ID, err)
		}
		return nil
	}
	res, err := tx.ExecContext(ctx, db.dialect.q(`UPDATE actions SET owner = ?, team = ?, state = ?, priority = ?, due_at = ?, closed_at = ?,
		updated_at = ?, version = ?, doc = ? WHERE number = ? AND incident_id = ?`),
		a.Owner, a.Team, string(a.State), string(a.Priority), db.dialect.t(a.DueAt), db.dialect.tp(a.ClosedAt),
		db.dialect.t(a.UpdatedAt), a.Version, string(doc), a.Number, incidentID)
	if err != nil {
		return fmt.Errorf("store action item %s: %w", a.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store action item %s: %w", a.ID, err)
	} else if n != 1 {
		return errs.E(errs.NotFound, "id", "no action item %s on this incident", a.ID)
	}
	return nil
}

// ListActions lists the action items f.Viewer may see that f keeps,
// soonest due first.
func (db *DB) ListActions(ctx context.Context, f actions.Filter) ([]actions.Action, error) {
	vis, args := visibleIncident(f.Viewer)
	where := []string{vis}
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if f.Owner != "" {
		add("a.owner = ?", f.Owner)
	}
	if f.Teams != nil {
		if len(f.Teams) == 0 {
			add("1 = 0")
		} else {
			add("a.team IN ("+placeholders(len(f.Teams))+")", toAny(f.Teams)...)
		}
	}
	if len(f.States) > 0 {
		ss := make([]string, len(f.States))
		for i, s := range f.States {
			ss[i] = string(s)
		}
		add("a.state IN ("+placeholders(len(ss))+")", toAny(ss)...)
	}
	if f.Overdue {
		add("a.state IN (?, ?) AND a.due_at <= ?", string(actions.Open), string(actions.InProgress), db.dialect.t(f.Now))
	}
	if f.IncidentID != "" {
		add("a.incident_id = ?", f.IncidentID)
	}
	limit := f.Limit
	if limit <= 0 || limit > actions.MaxList {
		limit = actions.MaxList
	}
	args = append(args, limit)
	out := []actions.Action{}
	err := scanAll(ctx, db, `SELECT `+actionColumns+` FROM actions a JOIN incidents i ON i.id = a.incident_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY a.due_at, a.number LIMIT ?`, args, func(s scanner) error {
		a, err := scanAction(s)
		out = append(out, a)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list action items: %w", err)
	}
	return out, nil
}
