package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/firebreak-ir/firebreak/internal/alert"
)

// FiringGroups returns the groups with a firing alert of this fingerprint
// from the integration, newest first (index alert_items_fingerprint, migration 00035); the
// integration is in the document, so it is checked here.
func (db *DB) FiringGroups(ctx context.Context, integration, fingerprint string) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(`SELECT group_id, doc FROM alert_items WHERE fingerprint = ? AND status = ? ORDER BY first_seen DESC LIMIT 100`),
		fingerprint, string(alert.StatusFiring))
	if err != nil {
		return nil, fmt.Errorf("read alerts: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, doc string
		if err := rows.Scan(&id, &doc); err != nil {
			return nil, fmt.Errorf("read alerts: %w", err)
		}
		var it alert.Item
		if err := json.Unmarshal([]byte(doc), &it); err != nil {
			return nil, fmt.Errorf("decode alert: %w", err)
		}
		if it.Alert.Integration == integration && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, rows.Err()
}
