package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// The records kept beside an incident: the asset inventory, affected
// assets, compromised credentials and fixes (migration 00029).

var _ assets.Store = (*DB)(nil)

// visibleIncident is the SQL condition that alias i is an incident the
// viewer of the arguments it returns may see (as List).
func visibleIncident(v incident.Viewer) (string, []any) {
	if v.SeeAll {
		return "1 = 1", nil
	}
	return "(i.restricted = ? OR i.declared_by = ? OR EXISTS (SELECT 1 FROM incident_roles r WHERE r.incident_id = i.id AND r.username = ?))",
		[]any{false, v.User, v.User}
}

// IncidentRecords returns an incident's assets (with the inventory's
// owner and criticality), credentials and fixes, oldest first.
func (db *DB) IncidentRecords(ctx context.Context, incidentID string) (assets.Records, error) {
	r := assets.Records{Assets: []assets.IncidentAsset{}, Credentials: []assets.Credential{}, Fixes: []assets.Fix{}}
	err := scanAll(ctx, db, `SELECT ia.doc, a.owner, a.criticality, a.updated_at FROM incident_assets ia
		JOIN assets a ON a.kind = ia.kind AND a.identifier = ia.identifier
		WHERE ia.incident_id = ? ORDER BY ia.seq`, []any{incidentID}, func(s scanner) error {
		var doc, crit string
		var a assets.IncidentAsset
		var upd dbTime
		if err := s.Scan(&doc, &a.Owner, &crit, &upd); err != nil {
			return err
		}
		owner := a.Owner
		if err := json.Unmarshal([]byte(doc), &a); err != nil {
			return fmt.Errorf("decode asset: %w", err)
		}
		a.Owner, a.Criticality, a.UpdatedAt = owner, assets.Criticality(crit), upd.Time
		r.Assets = append(r.Assets, a)
		return nil
	})
	if err != nil {
		return r, fmt.Errorf("list incident assets: %w", err)
	}
	err = scanAll(ctx, db, `SELECT doc FROM incident_credentials WHERE incident_id = ? ORDER BY seq`, []any{incidentID}, func(s scanner) error {
		var doc string
		var c assets.Credential
		if err := s.Scan(&doc); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(doc), &c); err != nil {
			return fmt.Errorf("decode credential: %w", err)
		}
		r.Credentials = append(r.Credentials, c)
		return nil
	})
	if err != nil {
		return r, fmt.Errorf("list incident credentials: %w", err)
	}
	err = scanAll(ctx, db, `SELECT doc FROM incident_fixes WHERE incident_id = ? ORDER BY seq`, []any{incidentID}, func(s scanner) error {
		var doc string
		var f assets.Fix
		if err := s.Scan(&doc); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(doc), &f); err != nil {
			return fmt.Errorf("decode fix: %w", err)
		}
		r.Fixes = append(r.Fixes, f)
		return nil
	})
	if err != nil {
		return r, fmt.Errorf("list incident fixes: %w", err)
	}
	return r, nil
}

// WriteRecords commits one change of an incident's records with its
// events.
func (db *DB) WriteRecords(ctx context.Context, w assets.Write) error {
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
		if err := db.upsertAssets(ctx, tx, w.Inventory); err != nil {
			return err
		}
		// The order records were added in is the seq of the event that
		// added them (each change is one event).
		var seq int64
		if len(w.Batch.Events) > 0 {
			seq = w.Batch.Events[0].Seq
		}
		for _, a := range w.Assets {
			// The owner and criticality are the inventory's, kept there once.
			row := a
			row.Owner, row.Criticality = "", ""
			doc, err := json.Marshal(row)
			if err != nil {
				return fmt.Errorf("encode asset: %w", err)
			}
			_, err = tx.ExecContext(ctx, db.dialect.q(`INSERT INTO incident_assets (incident_id, kind, identifier, state, accepted, seq, added_at, updated_at, doc)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (incident_id, kind, identifier) DO UPDATE SET
				state = excluded.state, accepted = excluded.accepted, updated_at = excluded.updated_at, doc = excluded.doc`),
				w.IncidentID, string(a.Kind), a.Identifier, string(a.State), a.Accepted, seq, db.dialect.t(a.AddedAt), db.dialect.t(w.Batch.Next.UpdatedAt), string(doc))
			if err != nil {
				return fmt.Errorf("store asset %s %s: %w", a.Kind, a.Identifier, err)
			}
		}
		for _, c := range w.Credentials {
			doc, err := json.Marshal(c)
			if err != nil {
				return fmt.Errorf("encode credential: %w", err)
			}
			_, err = tx.ExecContext(ctx, db.dialect.q(`INSERT INTO incident_credentials (incident_id, id, state, seq, added_at, doc) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (incident_id, id) DO UPDATE SET state = excluded.state, doc = excluded.doc`),
				w.IncidentID, c.ID, string(c.State), seq, db.dialect.t(c.AddedAt), string(doc))
			if err != nil {
				return fmt.Errorf("store credential %s: %w", c.ID, err)
			}
		}
		for _, f := range w.Fixes {
			doc, err := json.Marshal(f)
			if err != nil {
				return fmt.Errorf("encode fix: %w", err)
			}
			_, err = tx.ExecContext(ctx, db.dialect.q(`INSERT INTO incident_fixes (incident_id, id, seq, added_at, doc) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (incident_id, id) DO UPDATE SET doc = excluded.doc`),
				w.IncidentID, f.ID, seq, db.dialect.t(f.AddedAt), string(doc))
			if err != nil {
				return fmt.Errorf("store fix %s: %w", f.ID, err)
			}
		}
		return nil
	})
	if err == nil && jobs > 0 {
		db.jobsAdded()
	}
	return err
}

func (db *DB) upsertAssets(ctx context.Context, tx *sql.Tx, as []assets.Asset) error {
	for _, a := range as {
		_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO assets (kind, identifier, owner, criticality, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (kind, identifier) DO UPDATE SET owner = excluded.owner, criticality = excluded.criticality, updated_at = excluded.updated_at`),
			string(a.Kind), a.Identifier, a.Owner, string(a.Criticality), db.dialect.t(a.UpdatedAt))
		if err != nil {
			return fmt.Errorf("store inventory asset %s %s: %w", a.Kind, a.Identifier, err)
		}
	}
	return nil
}

// ImportAssets adds or updates inventory assets, all or none; an empty
// owner or criticality keeps the stored one.
func (db *DB) ImportAssets(ctx context.Context, as []assets.Asset) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, a := range as {
			_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO assets (kind, identifier, owner, criticality, updated_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (kind, identifier) DO UPDATE SET
				owner = CASE WHEN excluded.owner = '' THEN assets.owner ELSE excluded.owner END,
				criticality = CASE WHEN excluded.criticality = '' THEN assets.criticality ELSE excluded.criticality END,
				updated_at = excluded.updated_at`),
				string(a.Kind), a.Identifier, a.Owner, string(a.Criticality), db.dialect.t(a.UpdatedAt))
			if err != nil {
				return fmt.Errorf("import inventory asset %s %s: %w", a.Kind, a.Identifier, err)
			}
		}
		return nil
	})
}

// Inventory lists inventory assets by kind and identifier. An asset that
// is only in incidents the viewer may not see is left out: its name would
// tell of them.
func (db *DB) Inventory(ctx context.Context, f assets.InventoryFilter) ([]assets.Asset, error) {
	vis, vargs := visibleIncident(f.Viewer)
	where := []string{`(NOT EXISTS (SELECT 1 FROM incident_assets ia WHERE ia.kind = a.kind AND ia.identifier = a.identifier)
		OR EXISTS (SELECT 1 FROM incident_assets ia JOIN incidents i ON i.id = ia.incident_id
			WHERE ia.kind = a.kind AND ia.identifier = a.identifier AND ` + vis + `))`}
	args := vargs
	if f.Kind != "" {
		where = append(where, "a.kind = ?")
		args = append(args, string(f.Kind))
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		like := "LIKE"
		if db.dialect.postgres() {
			like = "ILIKE"
		}
		pat := "%" + escapeLike(t) + "%"
		where = append(where, fmt.Sprintf("(a.identifier %[1]s ? ESCAPE '\\' OR a.owner %[1]s ? ESCAPE '\\')", like))
		args = append(args, pat, pat)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = assets.MaxInventoryRows
	}
	args = append(args, limit)
	out := []assets.Asset{}
	err := scanAll(ctx, db, `SELECT a.kind, a.identifier, a.owner, a.criticality, a.updated_at FROM assets a WHERE `+strings.Join(where, " AND ")+
		` ORDER BY a.kind, a.identifier LIMIT ?`, args, func(s scanner) error {
		var a assets.Asset
		var kind, crit string
		var upd dbTime
		if err := s.Scan(&kind, &a.Identifier, &a.Owner, &crit, &upd); err != nil {
			return err
		}
		a.Kind, a.Criticality, a.UpdatedAt = assets.Kind(kind), assets.Criticality(crit), upd.Time
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list inventory: %w", err)
	}
	return out, nil
}

// InventoryAsset returns an inventory asset with the incidents it was in
// that v may see, newest first; not found when it is only in incidents v
// may not see.
func (db *DB) InventoryAsset(ctx context.Context, v incident.Viewer, kind assets.Kind, identifier string) (assets.InventoryAsset, error) {
	var out assets.InventoryAsset
	var crit string
	var upd dbTime
	err := db.queryRowRead(ctx, `SELECT owner, criticality, updated_at FROM assets WHERE kind = ? AND identifier = ?`, string(kind), identifier).
		Scan(&out.Owner, &crit, &upd)
	if errors.Is(err, sql.ErrNoRows) {
		return out, notFound("identifier", "no %s %s in the inventory", kind, identifier)
	}
	if err != nil {
		return out, fmt.Errorf("read inventory asset: %w", err)
	}
	out.Kind, out.Identifier, out.Criticality, out.UpdatedAt = kind, identifier, assets.Criticality(crit), upd.Time
	vis, vargs := visibleIncident(v)
	out.Incidents = []assets.AssetIncident{}
	hidden := 0
	err = scanAll(ctx, db, `SELECT i.ref, i.title, i.state, ia.state, ia.accepted, ia.updated_at, CASE WHEN `+vis+` THEN 1 ELSE 0 END
		FROM incident_assets ia JOIN incidents i ON i.id = ia.incident_id
		WHERE ia.kind = ? AND ia.identifier = ? ORDER BY i.number DESC`, append(vargs, string(kind), identifier), func(s scanner) error {
		var r assets.AssetIncident
		var state string
		var at dbTime
		var visible int
		if err := s.Scan(&r.IncidentRef, &r.IncidentTitle, &r.IncidentState, &state, &r.Accepted, &at, &visible); err != nil {
			return err
		}
		if visible == 0 {
			hidden++
			return nil
		}
		r.State, r.UpdatedAt = assets.State(state), at.Time
		out.Incidents = append(out.Incidents, r)
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("list incidents of asset: %w", err)
	}
	if hidden > 0 && len(out.Incidents) == 0 {
		return assets.InventoryAsset{}, notFound("identifier", "no %s %s in the inventory", kind, identifier)
	}
	return out, nil
}
