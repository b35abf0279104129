package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/outbox"
	"github.com/firebreak-ir/firebreak/internal/status"
)

// The public status page: its settings, components and their history,
// public incidents with their updates, and email subscribers. A public
// incident whose internal incident is restricted is hidden from the public
// unless an administrator confirmed it (restricted_ok): hiddenExpr decides
// that in every query, so no public view can forget it.

var _ status.Store = (*DB)(nil)

const (
	restrictedExpr = `(p.incident_id IS NOT NULL AND EXISTS (SELECT 1 FROM incidents i WHERE i.id = p.incident_id AND i.restricted = TRUE))`
	hiddenExpr     = `(NOT p.restricted_ok AND ` + restrictedExpr + `)`
	pubColumns     = `p.id, p.incident_id, p.incident_ref, p.kind, p.title, p.impact, p.status, p.components, p.restricted_ok,
		p.scheduled_for, p.scheduled_until, p.created_by, p.created_at, p.updated_at, p.monitoring_at, p.resolved_at, ` +
		restrictedExpr + `, ` + hiddenExpr
	updateColumns = `id, incident_id, status, body, components, notify, created_by, created_at`
	subColumns    = `id, email, state, created_at, expires_at, confirmed_at`
	compColumns   = `id, name, description, group_name, position, state, created_at, updated_at`
	doneStatuses  = `('resolved', 'completed')`
)

// ---- the page ----

// StatusPage returns the page's settings, storing fresh() the first time.
func (db *DB) StatusPage(ctx context.Context, fresh func() status.Page) (status.Page, error) {
	p, err := db.statusPage(ctx)
	if !errors.Is(err, sql.ErrNoRows) {
		return p, err
	}
	f := fresh()
	err = db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO status_page (id, page_id, name, time_zone, updated_at) VALUES (1, ?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`), f.ID, f.Name, f.TimeZone, db.dialect.t(f.UpdatedAt))
		return err
	})
	if err != nil {
		return p, fmt.Errorf("create status page: %w", err)
	}
	return db.statusPage(ctx)
}

func (db *DB) statusPage(ctx context.Context) (status.Page, error) {
	var p status.Page
	var at dbTime
	err := db.read.QueryRowContext(ctx, `SELECT page_id, name, time_zone, updated_at FROM status_page WHERE id = 1`).
		Scan(&p.ID, &p.Name, &p.TimeZone, &at)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("status page: %w", err)
	}
	p.UpdatedAt = at.Time
	return p, err
}

// PutStatusPage stores the page's settings.
func (db *DB) PutStatusPage(ctx context.Context, p status.Page) error {
	return db.execOne(ctx, "status page", `UPDATE status_page SET name = ?, time_zone = ?, updated_at = ? WHERE id = 1`,
		p.Name, p.TimeZone, db.dialect.t(p.UpdatedAt))
}

// ---- components ----

func scanComponent(r rowScanner) (status.Component, error) {
	var c status.Component
	var state string
	var created, updated dbTime
	err := r.Scan(&c.ID, &c.Name, &c.Description, &c.Group, &c.Position, &state, &created, &updated)
	c.State, c.CreatedAt, c.UpdatedAt = status.State(state), created.Time, updated.Time
	return c, err
}

func (db *DB) components(ctx context.Context, q querier) ([]status.Component, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+compColumns+` FROM status_components ORDER BY position, name`)
	if err != nil {
		return nil, fmt.Errorf("status components: %w", err)
	}
	defer rows.Close()
	out := []status.Component{}
	for rows.Next() {
		c, err := scanComponent(rows)
		if err != nil {
			return nil, fmt.Errorf("status components: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// StatusComponents lists the components by position and name.
func (db *DB) StatusComponents(ctx context.Context) ([]status.Component, error) {
	return db.components(ctx, db.read)
}

func (db *DB) componentNameTaken(err error, name string) error {
	if db.dialect.isUnique(err) {
		return errs.E(errs.Conflict, "name", "there is already a component named %q", name)
	}
	return err
}

// CreateStatusComponent adds a component.
func (db *DB) CreateStatusComponent(ctx context.Context, c status.Component) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO status_components (`+compColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			c.ID, c.Name, c.Description, c.Group, c.Position, string(c.State), db.dialect.t(c.CreatedAt), db.dialect.t(c.UpdatedAt))
		if err = db.componentNameTaken(err, c.Name); err != nil {
			return fmt.Errorf("create component: %w", err)
		}
		return nil
	})
}

// UpdateStatusComponent changes a component and records the state change
// fn returns.
func (db *DB) UpdateStatusComponent(ctx context.Context, id string, fn func(*status.Component) (*status.Change, error)) (status.Component, error) {
	var out status.Component
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		c, err := scanComponent(tx.QueryRowContext(ctx, db.dialect.q(`SELECT `+compColumns+` FROM status_components WHERE id = ?`+db.forUpdate()), id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("id", "no component %s", id)
		}
		if err != nil {
			return fmt.Errorf("get component: %w", err)
		}
		ch, err := fn(&c)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.dialect.q(`UPDATE status_components SET name = ?, description = ?, group_name = ?, position = ?, state = ?, updated_at = ? WHERE id = ?`),
			c.Name, c.Description, c.Group, c.Position, string(c.State), db.dialect.t(c.UpdatedAt), id)
		if err = db.componentNameTaken(err, c.Name); err != nil {
			return fmt.Errorf("update component: %w", err)
		}
		if ch != nil {
			if err := db.insertChange(ctx, tx, *ch); err != nil {
				return err
			}
		}
		out = c
		return nil
	})
	return out, err
}

func (db *DB) insertChange(ctx context.Context, tx *sql.Tx, ch status.Change) error {
	_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO status_component_changes (component_id, old_state, new_state, at) VALUES (?, ?, ?, ?)`),
		ch.ComponentID, string(ch.Old), string(ch.New), db.dialect.t(ch.At))
	if err != nil {
		return fmt.Errorf("record component change: %w", err)
	}
	return nil
}

// DeleteStatusComponent removes a component and its history.
func (db *DB) DeleteStatusComponent(ctx context.Context, id string) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.dialect.q(`DELETE FROM status_component_changes WHERE component_id = ?`), id); err != nil {
			return fmt.Errorf("delete component history: %w", err)
		}
		r, err := tx.ExecContext(ctx, db.dialect.q(`DELETE FROM status_components WHERE id = ?`), id)
		if err != nil {
			return fmt.Errorf("delete component: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return notFound("id", "no component %s", id)
		}
		return nil
	})
}

// StatusChanges lists the state changes at or after since, oldest first.
func (db *DB) StatusChanges(ctx context.Context, since time.Time) ([]status.Change, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(`SELECT component_id, old_state, new_state, at FROM status_component_changes
		WHERE at >= ? ORDER BY at, id`), db.dialect.t(since))
	if err != nil {
		return nil, fmt.Errorf("component history: %w", err)
	}
	defer rows.Close()
	var out []status.Change
	for rows.Next() {
		var c status.Change
		var o, n string
		var at dbTime
		if err := rows.Scan(&c.ComponentID, &o, &n, &at); err != nil {
			return nil, fmt.Errorf("component history: %w", err)
		}
		c.Old, c.New, c.At = status.State(o), status.State(n), at.Time
		out = append(out, c)
	}
	return out, rows.Err()
}

// ---- public incidents ----

func scanPublic(r rowScanner) (status.Incident, error) {
	var i status.Incident
	var link sql.NullString
	var kind, impact, st, comps string
	var schedFor, schedUntil, mon, res nullTime
	var created, updated dbTime
	err := r.Scan(&i.ID, &link, &i.IncidentRef, &kind, &i.Title, &impact, &st, &comps, &i.RestrictedOK,
		&schedFor, &schedUntil, &i.CreatedBy, &created, &updated, &mon, &res, &i.Restricted, &i.Hidden)
	if err != nil {
		return i, err
	}
	i.IncidentID, i.Kind, i.Impact, i.Status = link.String, status.Kind(kind), status.Impact(impact), status.Status(st)
	i.ScheduledFor, i.ScheduledUntil, i.MonitoringAt, i.ResolvedAt = schedFor.T, schedUntil.T, mon.T, res.T
	i.CreatedAt, i.UpdatedAt = created.Time, updated.Time
	if err := json.Unmarshal([]byte(comps), &i.Components); err != nil {
		return i, fmt.Errorf("decode components: %w", err)
	}
	return i, nil
}

func scanUpdate(r rowScanner) (status.Update, error) {
	var u status.Update
	var st, comps string
	var at dbTime
	if err := r.Scan(&u.ID, &u.IncidentID, &st, &u.Body, &comps, &u.Notify, &u.CreatedBy, &at); err != nil {
		return u, err
	}
	u.Status, u.CreatedAt = status.Status(st), at.Time
	if err := json.Unmarshal([]byte(comps), &u.Components); err != nil {
		return u, fmt.Errorf("decode update components: %w", err)
	}
	return u, nil
}

// withUpdates loads the updates of incs, newest first.
func (db *DB) withUpdates(ctx context.Context, q querier, incs []status.Incident) error {
	if len(incs) == 0 {
		return nil
	}
	idx := map[string]int{}
	args := make([]any, len(incs))
	for i, inc := range incs {
		idx[inc.ID] = i
		args[i] = inc.ID
		incs[i].Updates = []status.Update{}
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(incs)), ", ")
	rows, err := q.QueryContext(ctx, db.dialect.q(`SELECT `+updateColumns+` FROM status_updates WHERE incident_id IN (`+marks+`)
		ORDER BY created_at DESC, id DESC`), args...)
	if err != nil {
		return fmt.Errorf("public updates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUpdate(rows)
		if err != nil {
			return fmt.Errorf("public updates: %w", err)
		}
		i := idx[u.IncidentID]
		incs[i].Updates = append(incs[i].Updates, u)
	}
	return rows.Err()
}

func (db *DB) insertPublic(ctx context.Context, tx *sql.Tx, i status.Incident) error {
	comps, err := json.Marshal(i.Components)
	if err != nil {
		return err
	}
	var link any
	if i.IncidentID != "" {
		link = i.IncidentID
	}
	_, err = tx.ExecContext(ctx, db.dialect.q(`INSERT INTO status_incidents (id, incident_id, incident_ref, kind, title, impact, status, components,
			restricted_ok, scheduled_for, scheduled_until, created_by, created_at, updated_at, monitoring_at, resolved_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		i.ID, link, i.IncidentRef, string(i.Kind), i.Title, string(i.Impact), string(i.Status), string(comps), i.RestrictedOK,
		db.dialect.tp(i.ScheduledFor), db.dialect.tp(i.ScheduledUntil), i.CreatedBy, db.dialect.t(i.CreatedAt), db.dialect.t(i.UpdatedAt),
		db.dialect.tp(i.MonitoringAt), db.dialect.tp(i.ResolvedAt))
	if db.dialect.isUnique(err) {
		return errs.E(errs.Conflict, "incident", "%s is already on the status page: post an update to it instead", i.IncidentRef)
	}
	if err != nil {
		return fmt.Errorf("publish incident: %w", err)
	}
	return nil
}

// writeStatusEffects stores an update, the component changes it makes,
// and an outbox delivery per confirmed subscriber when it notifies. It
// returns the number of deliveries written.
func (db *DB) writeStatusEffects(ctx context.Context, tx *sql.Tx, fx status.Effects) (int, error) {
	u := fx.Update
	comps, err := json.Marshal(u.Components)
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, db.dialect.q(`INSERT INTO status_updates (`+updateColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		u.ID, u.IncidentID, string(u.Status), u.Body, string(comps), u.Notify, u.CreatedBy, db.dialect.t(u.CreatedAt))
	if err != nil {
		return 0, fmt.Errorf("store public update: %w", err)
	}
	for _, ch := range fx.Changes {
		if _, err := tx.ExecContext(ctx, db.dialect.q(`UPDATE status_components SET state = ?, updated_at = ? WHERE id = ?`),
			string(ch.New), db.dialect.t(ch.At), ch.ComponentID); err != nil {
			return 0, fmt.Errorf("change component: %w", err)
		}
		if err := db.insertChange(ctx, tx, ch); err != nil {
			return 0, err
		}
	}
	if !fx.Notify {
		return 0, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, email FROM status_subscribers WHERE state = 'confirmed' ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("subscribers: %w", err)
	}
	var ds []outbox.Delivery
	for rows.Next() {
		var id, email string
		if err := rows.Scan(&id, &email); err != nil {
			rows.Close()
			return 0, fmt.Errorf("subscribers: %w", err)
		}
		ds = append(ds, status.EmailDelivery(u, id, email))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("subscribers: %w", err)
	}
	if _, err := db.writeOutbox(ctx, tx, outbox.Plan(u.CreatedAt, ds...)); err != nil {
		return 0, err
	}
	return len(ds), nil
}

// CreatePublicIncident stores a public incident with its first update and
// effects.
func (db *DB) CreatePublicIncident(ctx context.Context, i status.Incident, fx status.Effects) error {
	jobs := 0
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := db.insertPublic(ctx, tx, i); err != nil {
			return err
		}
		var err error
		jobs, err = db.writeStatusEffects(ctx, tx, fx)
		return err
	})
	if err == nil && jobs > 0 {
		db.jobsAdded()
	}
	return err
}

// UpdatePublicIncident changes a public incident and writes fn's effects.
func (db *DB) UpdatePublicIncident(ctx context.Context, id string, fn func(*status.Incident, []status.Component) (status.Effects, error)) (status.Incident, error) {
	jobs := 0
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		i, err := scanPublic(tx.QueryRowContext(ctx, db.dialect.q(`SELECT `+pubColumns+` FROM status_incidents p WHERE p.id = ?`+db.forUpdate()), id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("id", "no public incident %s", id)
		}
		if err != nil {
			return fmt.Errorf("get public incident: %w", err)
		}
		one := []status.Incident{i}
		if err := db.withUpdates(ctx, tx, one); err != nil {
			return err
		}
		i = one[0]
		comps, err := db.components(ctx, tx)
		if err != nil {
			return err
		}
		fx, err := fn(&i, comps)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.dialect.q(`UPDATE status_incidents SET title = ?, impact = ?, status = ?, restricted_ok = ?,
			updated_at = ?, monitoring_at = ?, resolved_at = ? WHERE id = ?`),
			i.Title, string(i.Impact), string(i.Status), i.RestrictedOK, db.dialect.t(i.UpdatedAt),
			db.dialect.tp(i.MonitoringAt), db.dialect.tp(i.ResolvedAt), id)
		if err != nil {
			return fmt.Errorf("update public incident: %w", err)
		}
		jobs, err = db.writeStatusEffects(ctx, tx, fx)
		return err
	})
	if err != nil {
		return status.Incident{}, err
	}
	if jobs > 0 {
		db.jobsAdded()
	}
	return db.PublicIncident(ctx, id)
}

// DeletePublicIncident removes a public incident and its updates.
func (db *DB) DeletePublicIncident(ctx context.Context, id string) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.dialect.q(`DELETE FROM status_updates WHERE incident_id = ?`), id); err != nil {
			return fmt.Errorf("delete public updates: %w", err)
		}
		r, err := tx.ExecContext(ctx, db.dialect.q(`DELETE FROM status_incidents WHERE id = ?`), id)
		if err != nil {
			return fmt.Errorf("delete public incident: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return notFound("id", "no public incident %s", id)
		}
		return nil
	})
}

func (db *DB) publicOne(ctx context.Context, where, arg, what string) (status.Incident, error) {
	i, err := scanPublic(db.read.QueryRowContext(ctx, db.dialect.q(`SELECT `+pubColumns+` FROM status_incidents p WHERE `+where), arg))
	if errors.Is(err, sql.ErrNoRows) {
		return i, notFound("id", "no public incident %s", what)
	}
	if err != nil {
		return i, fmt.Errorf("get public incident: %w", err)
	}
	one := []status.Incident{i}
	err = db.withUpdates(ctx, db.read, one)
	return one[0], err
}

// PublicIncident returns one public incident with its updates.
func (db *DB) PublicIncident(ctx context.Context, id string) (status.Incident, error) {
	return db.publicOne(ctx, `p.id = ?`, id, id)
}

// PublicIncidentFor returns the public incident of an internal incident.
func (db *DB) PublicIncidentFor(ctx context.Context, incidentID string) (status.Incident, error) {
	return db.publicOne(ctx, `p.incident_id = ?`, incidentID, "for incident "+incidentID)
}

// PublicIncidents lists public incidents, newest first, with their updates.
func (db *DB) PublicIncidents(ctx context.Context, q status.Query) ([]status.Incident, error) {
	query := `SELECT ` + pubColumns + ` FROM status_incidents p WHERE 1 = 1`
	var args []any
	if q.Public {
		query += ` AND NOT ` + hiddenExpr
	}
	if q.Active {
		query += ` AND p.status NOT IN ` + doneStatuses
	}
	if !q.Since.IsZero() {
		query += ` AND (p.updated_at >= ? OR p.status NOT IN ` + doneStatuses + `)`
		args = append(args, db.dialect.t(q.Since))
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 200
	}
	query += fmt.Sprintf(` ORDER BY p.created_at DESC, p.id DESC LIMIT %d`, q.Limit)
	rows, err := db.read.QueryContext(ctx, db.dialect.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("public incidents: %w", err)
	}
	out := []status.Incident{}
	for rows.Next() {
		i, err := scanPublic(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("public incidents: %w", err)
		}
		out = append(out, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("public incidents: %w", err)
	}
	return out, db.withUpdates(ctx, db.read, out)
}

// PublicUpdate returns one update.
func (db *DB) PublicUpdate(ctx context.Context, id string) (status.Update, error) {
	u, err := scanUpdate(db.read.QueryRowContext(ctx, db.dialect.q(`SELECT `+updateColumns+` FROM status_updates WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, notFound("id", "no public update %s", id)
	}
	if err != nil {
		return u, fmt.Errorf("get public update: %w", err)
	}
	return u, nil
}
