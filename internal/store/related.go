package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/related"
)

var _ related.Store = (*DB)(nil)

// RelatedIncidents finds the incidents declared before inc (a lower
// number) that v may see and that share its type, one of its assets or
// one of its indicators, newest first, at most limit of them. Restricted
// incidents v may not see are filtered in each query, so nothing of them
// reaches the caller.
func (db *DB) RelatedIncidents(ctx context.Context, v incident.Viewer, inc incident.Incident, limit int) ([]related.Match, error) {
	vis, vargs := visibleIncident(v)
	byNumber := map[int64]*related.Match{}
	var order []int64
	add := func(n int64, doc string, r related.Shared) error {
		m := byNumber[n]
		if m == nil {
			i, err := decodeIncident(doc)
			if err != nil {
				return err
			}
			m = &related.Match{Incident: i}
			byNumber[n] = m
			order = append(order, n)
		}
		m.Shares = append(m.Shares, r)
		return nil
	}
	// Each query is bounded: past incidents sharing a common asset or
	// type can be many, and only the newest are shown.
	queries := []struct {
		by, sql string
		args    []any
	}{
		{related.ByIndicator, `SELECT i.number, i.doc, x2.type, x2.value FROM indicators x
			JOIN indicators x2 ON x2.type = x.type AND x2.value = x.value
			JOIN incidents i ON i.id = x2.incident_id
			WHERE x.incident_id = ? AND i.number < ? AND i.state <> 'merged' AND ` + vis + ` ORDER BY i.number DESC LIMIT ?`, nil},
		{related.ByAsset, `SELECT i.number, i.doc, ia2.kind, ia2.identifier FROM incident_assets ia
			JOIN incident_assets ia2 ON ia2.kind = ia.kind AND ia2.identifier = ia.identifier
			JOIN incidents i ON i.id = ia2.incident_id
			WHERE ia.incident_id = ? AND i.number < ? AND i.state <> 'merged' AND ` + vis + ` ORDER BY i.number DESC LIMIT ?`, nil},
	}
	for _, q := range queries {
		args := append(append([]any{inc.ID, inc.Number}, vargs...), limit*4)
		err := scanAll(ctx, db, q.sql, args, func(s scanner) error {
			var n int64
			var doc, kind, value string
			if err := s.Scan(&n, &doc, &kind, &value); err != nil {
				return err
			}
			return add(n, doc, related.Shared{By: q.by, Kind: kind, Value: value})
		})
		if err != nil {
			return nil, fmt.Errorf("related incidents by %s: %w", q.by, err)
		}
	}
	if inc.Type != "" {
		args := append(append([]any{inc.Type, inc.Number}, vargs...), limit)
		err := scanAll(ctx, db, `SELECT i.number, i.doc FROM incidents i WHERE i.type = ? AND i.number < ? AND i.state <> 'merged' AND `+vis+`
			ORDER BY i.number DESC LIMIT ?`, args, func(s scanner) error {
			var n int64
			var doc string
			if err := s.Scan(&n, &doc); err != nil {
				return err
			}
			return add(n, doc, related.Shared{By: related.ByType, Value: inc.Type})
		})
		if err != nil {
			return nil, fmt.Errorf("related incidents by type: %w", err)
		}
	}
	// Newest first, the newest limit of them.
	slices.SortFunc(order, func(a, b int64) int { return cmp.Compare(b, a) })
	if len(order) > limit {
		order = order[:limit]
	}
	out := make([]related.Match, 0, len(order))
	for _, n := range order {
		out = append(out, *byNumber[n])
	}
	return out, nil
}
