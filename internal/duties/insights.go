package duties

import (
	"context"

	"github.com/firebreak-ir/firebreak/internal/comms"
)

// ItemsByID returns an incident's duties by its ID, without a viewer: for
// the insights figures, which count restricted incidents in aggregates
// and decide themselves what a viewer is shown.
func (s *Service) ItemsByID(ctx context.Context, incidentID string) ([]comms.Item, error) {
	return s.itemsOf(ctx, incidentID)
}
