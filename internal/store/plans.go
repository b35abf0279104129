package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

var _ plan.Store = (*DB)(nil)

const planColumns = `name, version, hash, source, doc, created_at, created_by, deleted`

func scanPlan(r rowScanner) (plan.Versioned, error) {
	var v plan.Versioned
	var doc string
	var created dbTime
	if err := r.Scan(&v.Name, &v.Version, &v.Hash, &v.Source, &doc, &created, &v.CreatedBy, &v.Deleted); err != nil {
		return v, err
	}
	name := v.Name
	if err := json.Unmarshal([]byte(doc), &v.Plan); err != nil {
		return v, fmt.Errorf("decode plan %s version %d: %w", name, v.Version, err)
	}
	v.Name, v.CreatedAt = name, created.Time
	return v, nil
}

func (db *DB) plans(ctx context.Context, q string, args ...any) ([]plan.Versioned, error) {
	rows, err := db.queryRead(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list plans: %w", err)
	}
	defer rows.Close()
	out := []plan.Versioned{}
	for rows.Next() {
		v, err := scanPlan(rows)
		if err != nil {
			return nil, fmt.Errorf("list plans: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// LatestPlans lists the newest version of every plan name, tombstones
// included, by name.
func (db *DB) LatestPlans(ctx context.Context) ([]plan.Versioned, error) {
	return db.plans(ctx, latestPlansSQL)
}

// latestPlansSQL is read by every move out of triage (the plans it
// activates), so it is prepared once on SQLite (see hot).
var latestPlansSQL = hot(`SELECT ` + planColumns + ` FROM plan_versions p
	WHERE version = (SELECT MAX(version) FROM plan_versions WHERE name = p.name) ORDER BY name`)

// PlanVersions lists every version of name, oldest first.
func (db *DB) PlanVersions(ctx context.Context, name string) ([]plan.Versioned, error) {
	return db.plans(ctx, `SELECT `+planColumns+` FROM plan_versions WHERE name = ? ORDER BY version`, name)
}

// PlanVersion returns one version of a plan.
func (db *DB) PlanVersion(ctx context.Context, name string, version int) (plan.Versioned, error) {
	v, err := scanPlan(db.queryRowRead(ctx, `SELECT `+planColumns+` FROM plan_versions WHERE name = ? AND version = ?`, name, version))
	if errors.Is(err, sql.ErrNoRows) {
		return plan.Versioned{}, notFound("version", "plan %q has no version %d", name, version)
	}
	if err != nil {
		return plan.Versioned{}, fmt.Errorf("get plan %s version %d: %w", name, version, err)
	}
	return v, nil
}

// AddPlanVersion stores a new version; a version number already taken is
// a conflict, never an overwrite.
func (db *DB) AddPlanVersion(ctx context.Context, v plan.Versioned) error {
	doc, err := json.Marshal(v.Plan)
	if err != nil {
		return fmt.Errorf("encode plan %s: %w", v.Name, err)
	}
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO plan_versions (`+planColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			v.Name, v.Version, v.Hash, v.Source, string(doc), db.dialect.t(v.CreatedAt), v.CreatedBy, v.Deleted)
		if db.dialect.isUnique(err) {
			return errs.E(errs.Conflict, "version", "plan %q already has version %d", v.Name, v.Version)
		}
		if err != nil {
			return fmt.Errorf("add plan %s version %d: %w", v.Name, v.Version, err)
		}
		return nil
	})
}
