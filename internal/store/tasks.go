package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

var _ incident.TaskFinder = (*DB)(nil)

// tasksChanged reports whether events may have changed the incident's
// tasks as the index keeps them: their own events, plans, roles (a
// handoff moves tasks to the new holder) and transitions (entering a
// phase dates its tasks).
func tasksChanged(events []incident.Event) bool {
	if events == nil {
		return true // the declaration, or a rebuild
	}
	for _, e := range events {
		switch e.Type {
		case incident.EvTaskAdded, incident.EvTaskUpdated, incident.EvPlanActivated, incident.EvPlanDetached,
			incident.EvRoleAssigned, incident.EvRoleUnassigned, incident.EvRoleHandedOver, incident.EvTransitioned:
			return true
		}
	}
	return false
}

var (
	clearTasksSQL = hot(`DELETE FROM incident_tasks WHERE incident_id = ?`)
	insertTaskSQL = hot(`INSERT INTO incident_tasks
		(incident_id, number, key, plan, phase, title, assignee, state, required, due_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
)

// writeTasks replaces the incident's rows in the tasks index; fresh: inc
// was inserted in this transaction and has none yet.
func (db *DB) writeTasks(ctx context.Context, tx *sql.Tx, inc *incident.Incident, fresh bool) error {
	if !fresh {
		if _, err := db.execTx(ctx, tx, clearTasksSQL, inc.ID); err != nil {
			return fmt.Errorf("clear tasks: %w", err)
		}
	}
	for i := range inc.Tasks {
		t := &inc.Tasks[i]
		_, err := db.execTx(ctx, tx, insertTaskSQL,
			inc.ID, inc.Number, t.Key, t.Plan, string(t.Phase), t.Title, t.Assignee, string(t.State), t.Required,
			db.dialect.tp(t.DueAt), db.dialect.t(t.UpdatedAt))
		if err != nil {
			return fmt.Errorf("insert task %s: %w", t.Key, err)
		}
	}
	return nil
}

// openTask is the SQL condition of an open task of alias t.
const openTask = "t.state NOT IN ('done', 'skipped')"

// Tasks returns tasks across incidents, due soonest first and undated
// last, of incidents f.Viewer may see.
func (db *DB) Tasks(ctx context.Context, f incident.TaskFilter) ([]incident.TaskRow, error) {
	var where []string
	var args []any
	add := func(clause string, a ...any) {
		where = append(where, clause)
		args = append(args, a...)
	}
	if f.Assignee != "" {
		add("t.assignee = ?", f.Assignee)
	}
	if !f.All || f.Overdue {
		add(openTask)
	}
	if f.Overdue {
		add("t.due_at < ?", db.dialect.t(f.Now))
	}
	if !f.ClosedIncidents {
		var open []any
		for _, st := range incident.States {
			if st.Open() {
				open = append(open, string(st))
			}
		}
		add("i.state IN ("+placeholders(len(open))+")", open...)
	}
	if !f.Viewer.SeeAll {
		// As List: restricted incidents only for their participants and
		// the person who declared them.
		add("(i.restricted = ? OR i.declared_by = ? OR EXISTS (SELECT 1 FROM incident_roles r WHERE r.incident_id = i.id AND r.username = ?))",
			false, f.Viewer.User, f.Viewer.User)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = incident.MaxTaskRows
	}
	query := `SELECT i.ref, i.title, i.severity, i.state, i.restricted,
		t.key, t.plan, t.phase, t.title, t.assignee, t.state, t.required, t.due_at, t.updated_at
		FROM incident_tasks t JOIN incidents i ON i.id = t.incident_id`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY (t.due_at IS NULL), t.due_at, t.number DESC, t.key LIMIT ?"
	args = append(args, limit)
	rows, err := db.read.QueryContext(ctx, db.dialect.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	defer rows.Close()
	out := []incident.TaskRow{}
	for rows.Next() {
		var r incident.TaskRow
		var incState, phase, state string
		var due nullTime
		var upd dbTime
		if err := rows.Scan(&r.IncidentRef, &r.IncidentTitle, &r.IncidentSeverity, &incState, &r.IncidentRestricted,
			&r.Key, &r.Plan, &phase, &r.Title, &r.Assignee, &state, &r.Required, &due, &upd); err != nil {
			return nil, fmt.Errorf("list tasks: %w", err)
		}
		r.IncidentState, r.Phase, r.State = incident.State(incState), plan.Phase(phase), incident.TaskState(state)
		r.DueAt, r.UpdatedAt = due.T, upd.Time
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	return out, nil
}

// listByTaskDue is List ordered by each incident's earliest open task due
// time, soonest first; incidents without a dated open task follow, newest
// first. The cursor holds the last row's due time and number.
func (db *DB) listByTaskDue(ctx context.Context, from, number string, where []string, args []any, cursor string, limit int) (incident.Page, error) {
	inner := "SELECT " + number + " AS number, i.doc AS doc, (SELECT MIN(t.due_at) FROM incident_tasks t WHERE t.incident_id = i.id AND " +
		openTask + ") AS next_due FROM " + from
	if len(where) > 0 {
		inner += " WHERE " + strings.Join(where, " AND ")
	}
	query := "SELECT number, doc, next_due FROM (" + inner + ") x"
	if cursor != "" {
		due, n, err := decodeDueCursor(cursor)
		if err != nil {
			return incident.Page{}, err
		}
		if due == nil {
			query += " WHERE next_due IS NULL AND number < ?"
			args = append(args, n)
		} else {
			d := db.dialect.t(*due)
			query += " WHERE next_due IS NULL OR next_due > ? OR (next_due = ? AND number < ?)"
			args = append(args, d, d, n)
		}
	}
	query += " ORDER BY (next_due IS NULL), next_due, number DESC LIMIT ?"
	args = append(args, limit+1)
	rows, err := db.read.QueryContext(ctx, db.dialect.q(query), args...)
	if err != nil {
		return incident.Page{}, fmt.Errorf("list incidents by task due: %w", err)
	}
	defer rows.Close()
	page := incident.Page{Items: make([]incident.Incident, 0, limit)}
	var last int64
	var lastDue *time.Time
	for rows.Next() {
		var n int64
		var doc string
		var due nullTime
		if err := rows.Scan(&n, &doc, &due); err != nil {
			return incident.Page{}, fmt.Errorf("list incidents by task due: %w", err)
		}
		if len(page.Items) == limit {
			page.NextCursor = encodeDueCursor(lastDue, last)
			break
		}
		inc, err := decodeIncident(doc)
		if err != nil {
			return incident.Page{}, err
		}
		page.Items = append(page.Items, inc)
		last, lastDue = n, due.T
	}
	if err := rows.Err(); err != nil {
		return incident.Page{}, fmt.Errorf("list incidents by task due: %w", err)
	}
	return page, nil
}

// encodeDueCursor says where a list by task due stopped: "d:" then the
// due time in Unix microseconds ("-" for none) and the incident number.
func encodeDueCursor(due *time.Time, n int64) string {
	d := "-"
	if due != nil {
		d = strconv.FormatInt(due.UnixMicro(), 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte("d:" + d + ":" + strconv.FormatInt(n, 10)))
}

func decodeDueCursor(c string) (*time.Time, int64, error) {
	bad := errs.E(errs.Invalid, "cursor", "is not a cursor this server issued for sort=task_due")
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, 0, bad
	}
	rest, ok := strings.CutPrefix(string(b), "d:")
	d, ns, ok2 := strings.Cut(rest, ":")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || !ok2 || err != nil {
		return nil, 0, bad
	}
	if d == "-" {
		return nil, n, nil
	}
	us, err := strconv.ParseInt(d, 10, 64)
	if err != nil {
		return nil, 0, bad
	}
	t := time.UnixMicro(us).UTC()
	return &t, n, nil
}
