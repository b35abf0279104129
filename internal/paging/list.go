package paging

import "context"

// List lists escalations, newest first: every one, or only the open ones.
func (s *Pager) List(ctx context.Context, openOnly bool, limit int) ([]Escalation, error) {
	return s.Store.Escalations(ctx, "", "", openOnly, limit)
}
