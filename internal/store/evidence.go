package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/firebreak-ir/firebreak/internal/evidence"
)

var _ evidence.Store = (*DB)(nil)

// EvidenceItems lists an incident's evidence in number order. The columns
// that repeat the document (hash, size, holder) are read from the columns,
// so a row changed behind Firebreak's back shows as it is stored.
func (db *DB) EvidenceItems(ctx context.Context, incidentID string) ([]evidence.Item, error) {
	out := []evidence.Item{}
	err := scanAll(ctx, db, `SELECT number, kind, sha256, size, holder, disposed, version, doc FROM evidence WHERE incident_id = ? ORDER BY number`,
		[]any{incidentID}, func(s scanner) error {
			var it evidence.Item
			var n int
			var kind, sha, holder, doc string
			var size, version int64
			var disposed bool
			if err := s.Scan(&n, &kind, &sha, &size, &holder, &disposed, &version, &doc); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(doc), &it); err != nil {
				return fmt.Errorf("decode evidence %d: %w", n, err)
			}
			it.IncidentID, it.Number, it.ID, it.Kind, it.SHA256, it.Size, it.Holder, it.Version = incidentID, n, evidence.IDOf(n), evidence.Kind(kind), sha, size, holder, version
			if disposed && it.Disposal == nil {
				it.Disposal = &evidence.Disposal{}
			}
			if !disposed {
				it.Disposal = nil
			}
			out = append(out, it)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("list evidence: %w", err)
	}
	return out, nil
}

// WriteEvidence appends the events and writes the item row in one
// transaction; the batch's expected version orders every change to an
// incident's evidence.
func (db *DB) WriteEvidence(ctx context.Context, w evidence.Write) error {
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
			jobs = n
		}
		if it := w.Item; it != nil {
			doc, err := json.Marshal(it)
			if err != nil {
				return fmt.Errorf("encode evidence: %w", err)
			}
			_, err = tx.ExecContext(ctx, db.dialect.q(`INSERT INTO evidence (incident_id, number, kind, sha256, size, holder, disposed, version, doc, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (incident_id, number) DO UPDATE SET kind = excluded.kind, sha256 = excluded.sha256, size = excluded.size,
				holder = excluded.holder, disposed = excluded.disposed, version = excluded.version, doc = excluded.doc, updated_at = excluded.updated_at`),
				w.IncidentID, it.Number, string(it.Kind), it.SHA256, it.Size, it.Holder, it.Disposed(), it.Version, string(doc), db.dialect.t(db.now()))
			if err != nil {
				return fmt.Errorf("write evidence: %w", err)
			}
		}
		return nil
	})
	if err == nil && jobs > 0 {
		db.jobsAdded()
	}
	return err
}
