package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// Notices, their templates, stakeholder updates, subscriptions and update
// cadences (migration 00008). A change commits its incident events, its
// records and its jobs in one transaction (Commit).

var _ notices.Store = (*DB)(nil)

// Commit writes fx in one transaction: the incident's events and state,
// the notice (versioned), the update and its deliveries, the cadence
// (versioned), the jobs, and the completion of the job whose work it is.
func (db *DB) Commit(ctx context.Context, fx notices.Effects) error {
	jobs := 0
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		jobs = len(fx.Jobs)
		if b := fx.Batch; b != nil && len(b.Events) > 0 {
			if err := db.appendBatch(ctx, tx, b); err != nil {
				return err
			}
			n, err := db.incidentJobs(ctx, tx, b.Next, b.Events)
			if err != nil {
				return err
			}
			jobs += n
		}
		if fx.Notice != nil {
			if err := db.putNotice(ctx, tx, fx.Notice); err != nil {
				return err
			}
		}
		if u := fx.Update; u != nil {
			doc, err := json.Marshal(u)
			if err != nil {
				return fmt.Errorf("encode update: %w", err)
			}
			if _, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO stakeholder_updates (id, incident_id, posted_at, doc) VALUES (?, ?, ?, ?)`),
				u.ID, u.IncidentID, db.dialect.t(u.PostedAt), string(doc)); err != nil {
				return fmt.Errorf("insert update: %w", err)
			}
		}
		wrote, err := db.writeOutbox(ctx, tx, fx.Outbox)
		if err != nil {
			return err
		}
		if wrote {
			jobs++
		}
		if fx.Cadence != nil {
			if err := db.putCadence(ctx, tx, fx.Cadence); err != nil {
				return err
			}
		}
		if err := db.insertJobs(ctx, tx, fx.Jobs...); err != nil {
			return err
		}
		if fx.DoneJob != "" {
			if _, err := db.execTx(ctx, tx, deleteJobSQL, fx.DoneJob); err != nil {
				return fmt.Errorf("complete job: %w", err)
			}
		}
		return nil
	})
	if err == nil && jobs > 0 {
		db.jobsAdded()
	}
	return err
}

func (db *DB) putNotice(ctx context.Context, tx *sql.Tx, n *notices.Notice) error {
	// The emails' deliveries are the outbox's; the notice does not keep
	// a copy.
	stored := *n
	if n.Email != nil {
		e := *n.Email
		e.Deliveries = nil
		stored.Email = &e
	}
	doc, err := json.Marshal(stored)
	if err != nil {
		return fmt.Errorf("encode notice: %w", err)
	}
	if n.Version == 1 {
		_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO notices (id, incident_id, status, version, created_at, updated_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			n.ID, n.IncidentID, string(n.Status), n.Version, db.dialect.t(n.CreatedAt), db.dialect.t(n.UpdatedAt), string(doc))
		if db.dialect.isUnique(err) {
			return errs.E(errs.Conflict, "id", "notice %s already exists", n.ID)
		}
		if err != nil {
			return fmt.Errorf("insert notice: %w", err)
		}
		return nil
	}
	res, err := tx.ExecContext(ctx, db.dialect.q(`UPDATE notices SET status = ?, version = ?, updated_at = ?, doc = ? WHERE id = ? AND version = ?`),
		string(n.Status), n.Version, db.dialect.t(n.UpdatedAt), string(doc), n.ID, n.Version-1)
	if err != nil {
		return fmt.Errorf("update notice: %w", err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return errs.E(errs.Conflict, "version", "notice %s changed since it was loaded; reload and try again", n.ID)
	}
	return nil
}

func (db *DB) putCadence(ctx context.Context, tx *sql.Tx, c *notices.Cadence) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode cadence: %w", err)
	}
	if c.Generation == 1 {
		_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO update_cadences (incident_id, generation, next_due, doc) VALUES (?, ?, ?, ?)`),
			c.IncidentID, c.Generation, db.dialect.tp(c.NextDue), string(doc))
		if db.dialect.isUnique(err) {
			return errs.E(errs.Conflict, "generation", "the update cadence of %s changed meanwhile", c.IncidentID)
		}
		if err != nil {
			return fmt.Errorf("insert cadence: %w", err)
		}
		return nil
	}
	res, err := tx.ExecContext(ctx, db.dialect.q(`UPDATE update_cadences SET generation = ?, next_due = ?, doc = ? WHERE incident_id = ? AND generation = ?`),
		c.Generation, db.dialect.tp(c.NextDue), string(doc), c.IncidentID, c.Generation-1)
	if err != nil {
		return fmt.Errorf("update cadence: %w", err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return errs.E(errs.Conflict, "generation", "the update cadence of %s changed meanwhile", c.IncidentID)
	}
	return nil
}

// docs runs a query whose one column is a JSON document and decodes each.
func docs[T any](ctx context.Context, db *DB, what, query string, args ...any) ([]T, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("list %s: %w", what, err)
		}
		var v T
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			return nil, fmt.Errorf("decode %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	return out, nil
}

// one reads one JSON document; errs.NotFound when there is none.
func one[T any](ctx context.Context, db *DB, what, query string, args ...any) (T, error) {
	var v T
	var doc string
	err := db.read.QueryRowContext(ctx, db.dialect.q(query), args...).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return v, notFound("id", "no %s %v", what, args[0])
	}
	if err != nil {
		return v, fmt.Errorf("get %s: %w", what, err)
	}
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return v, fmt.Errorf("decode %s: %w", what, err)
	}
	return v, nil
}

// Notice returns one notice, its emails' deliveries read from the outbox.
func (db *DB) Notice(ctx context.Context, id string) (notices.Notice, error) {
	n, err := one[notices.Notice](ctx, db, "notice", `SELECT doc FROM notices WHERE id = ?`, id)
	if err != nil || n.Email == nil {
		return n, err
	}
	ds, err := db.outboxWhere(ctx, `subject_kind = ? AND subject_id = ? AND kind = ?`, notices.SubjectNotice, id, notices.KindNoticeEmail)
	if err != nil {
		return n, err
	}
	ns := []notices.Notice{n}
	notices.AttachDeliveries(ns, ds)
	return ns[0], nil
}

// Notices lists an incident's notices, oldest first, their emails'
// deliveries read from the outbox.
func (db *DB) Notices(ctx context.Context, incidentID string) ([]notices.Notice, error) {
	ns, err := docs[notices.Notice](ctx, db, "notices", `SELECT doc FROM notices WHERE incident_id = ? ORDER BY created_at, id`, incidentID)
	if err != nil {
		return nil, err
	}
	return ns, db.attachNoticeDeliveries(ctx, incidentID, ns)
}

// attachNoticeDeliveries fills in the emails' deliveries of an incident's
// notices from the outbox.
func (db *DB) attachNoticeDeliveries(ctx context.Context, incidentID string, ns []notices.Notice) error {
	if !slices.ContainsFunc(ns, func(n notices.Notice) bool { return n.Email != nil }) {
		return nil
	}
	ds, err := db.outboxWhere(ctx, `incident = ? AND kind = ?`, incidentID, notices.KindNoticeEmail)
	if err != nil {
		return err
	}
	notices.AttachDeliveries(ns, ds)
	return nil
}

// outboxWhere lists the outbox's deliveries matching where, oldest first.
func (db *DB) outboxWhere(ctx context.Context, where string, args ...any) ([]outbox.Delivery, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(`SELECT `+outboxColumns+` FROM outbox_deliveries WHERE `+where+` ORDER BY created_at, id`), args...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	var out []outbox.Delivery
	for rows.Next() {
		d, err := scanOutbox(rows)
		if err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Templates lists the stored notice templates by name.
func (db *DB) Templates(ctx context.Context) ([]notices.Template, error) {
	return docs[notices.Template](ctx, db, "notice templates", `SELECT doc FROM notice_templates ORDER BY name`)
}

// PutTemplate creates or replaces a stored template.
func (db *DB) PutTemplate(ctx context.Context, t notices.Template) error {
	doc, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("encode template: %w", err)
	}
	at := db.now()
	if t.UpdatedAt != nil {
		at = *t.UpdatedAt
	}
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO notice_templates (name, doc, updated_by, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET doc = excluded.doc, updated_by = excluded.updated_by, updated_at = excluded.updated_at`),
			t.Name, string(doc), t.UpdatedBy, db.dialect.t(at))
		if err != nil {
			return fmt.Errorf("put template: %w", err)
		}
		return nil
	})
}

// DeleteTemplate removes a stored template.
func (db *DB) DeleteTemplate(ctx context.Context, name string) error {
	return db.execOne(ctx, "notice template "+name, `DELETE FROM notice_templates WHERE name = ?`, name)
}

// Updates lists an incident's updates, newest first; limit 0 is all.
func (db *DB) Updates(ctx context.Context, incidentID string, limit int) ([]notices.StakeholderUpdate, error) {
	q := `SELECT doc FROM stakeholder_updates WHERE incident_id = ? ORDER BY posted_at DESC, id DESC`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	return docs[notices.StakeholderUpdate](ctx, db, "updates", q, incidentID)
}

// Cadence returns an incident's update cadence; Generation 0 when none.
func (db *DB) Cadence(ctx context.Context, incidentID string) (notices.Cadence, error) {
	c, err := one[notices.Cadence](ctx, db, "cadence", `SELECT doc FROM update_cadences WHERE incident_id = ?`, incidentID)
	if errs.CodeOf(err) == errs.NotFound {
		return notices.Cadence{IncidentID: incidentID}, nil
	}
	return c, err
}

// PutSubscription stores a new subscription.
func (db *DB) PutSubscription(ctx context.Context, s notices.UpdateSubscription) error {
	doc, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode subscription: %w", err)
	}
	target, err := json.Marshal(s.Target)
	if err != nil {
		return fmt.Errorf("encode subscription: %w", err)
	}
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO update_subscriptions (id, incident_id, name, target, created_at, doc) VALUES (?, ?, ?, ?, ?, ?)`),
			s.ID, s.IncidentID, s.Name, string(target), db.dialect.t(s.CreatedAt), string(doc))
		if db.dialect.isUnique(err) {
			return errs.E(errs.Conflict, "id", "subscription %s already exists", s.ID)
		}
		if err != nil {
			return fmt.Errorf("insert subscription: %w", err)
		}
		return nil
	})
}

// DeleteSubscription removes a subscription.
func (db *DB) DeleteSubscription(ctx context.Context, id string) error {
	return db.execOne(ctx, "subscription "+id, `DELETE FROM update_subscriptions WHERE id = ?`, id)
}

const subscriptionCols = `SELECT doc, target FROM update_subscriptions`

func scanSubscription(s interface{ Scan(...any) error }) (notices.UpdateSubscription, error) {
	var doc, target string
	if err := s.Scan(&doc, &target); err != nil {
		return notices.UpdateSubscription{}, err
	}
	var sub notices.UpdateSubscription
	if err := json.Unmarshal([]byte(doc), &sub); err != nil {
		return sub, fmt.Errorf("decode subscription: %w", err)
	}
	var t notify.Target
	if err := json.Unmarshal([]byte(target), &t); err != nil {
		return sub, fmt.Errorf("decode subscription target: %w", err)
	}
	sub.Target = t
	return sub, nil
}

// Subscription returns one subscription with its target.
func (db *DB) Subscription(ctx context.Context, id string) (notices.UpdateSubscription, error) {
	s, err := scanSubscription(db.read.QueryRowContext(ctx, db.dialect.q(subscriptionCols+` WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, notFound("id", "no subscription %s", id)
	}
	return s, err
}

// Subscriptions lists an incident's subscriptions and the global ones
// (incidentID ""), oldest first.
func (db *DB) Subscriptions(ctx context.Context, incidentID string) ([]notices.UpdateSubscription, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(subscriptionCols+` WHERE incident_id = '' OR incident_id = ? ORDER BY created_at, id`), incidentID)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	defer rows.Close()
	var out []notices.UpdateSubscription
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// UpdateDeliveries lists the deliveries of an incident's updates (the
// outbox's stakeholder_update deliveries), oldest first, each with its
// last attempt's HTTP status.
func (db *DB) UpdateDeliveries(ctx context.Context, incidentID string) ([]notices.UpdateDelivery, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(`SELECT `+outboxColumns+`,
		COALESCE((SELECT a.status_code FROM outbox_attempts a WHERE a.delivery_id = outbox_deliveries.id ORDER BY a.id DESC LIMIT 1), 0)
		FROM outbox_deliveries WHERE incident = ? AND kind = ? ORDER BY created_at, id`), incidentID, notices.KindStakeholderUpdate)
	if err != nil {
		return nil, fmt.Errorf("list update deliveries: %w", err)
	}
	defer rows.Close()
	var out []notices.UpdateDelivery
	for rows.Next() {
		var code int
		d, err := scanOutbox(withColumns{rows, []any{&code}})
		if err != nil {
			return nil, fmt.Errorf("list update deliveries: %w", err)
		}
		out = append(out, notices.UpdateDeliveryOf(d, code))
	}
	return out, rows.Err()
}

// withColumns scans the columns after the ones its caller asks for into
// more.
type withColumns struct {
	rowScanner
	more []any
}

func (w withColumns) Scan(dest ...any) error { return w.rowScanner.Scan(append(dest, w.more...)...) }
