package app

import (
	"context"

	"github.com/firebreak-ir/firebreak/internal/related"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// relatedActions answers the related incidents' open action items from
// the action items' table.
type relatedActions struct{ db *store.DB }

var _ related.Actions = relatedActions{}

func (r relatedActions) OpenActionItems(ctx context.Context, incidentIDs []string) (map[string][]related.OpenItem, error) {
	out := map[string][]related.OpenItem{}
	for _, id := range incidentIDs {
		as, err := r.db.IncidentActions(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			if a.State.Closed() {
				continue
			}
			out[id] = append(out[id], related.OpenItem{ID: a.ID, Title: a.Title, Owner: a.Owner, Due: a.Due, State: string(a.State), URL: a.Tracker.URL})
		}
	}
	return out, nil
}
