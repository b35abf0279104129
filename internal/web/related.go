package web

import (
	"context"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/related"
)

// SetRelated turns on the overview's "this happened before" panel.
func (s *Server) SetRelated(r *related.Service) { s.related = r }

// relatedPanel is the overview's list of past incidents sharing the
// incident's type, an asset or an indicator (partial_related.html).
type relatedPanel struct {
	Items  []related.Past
	Open   int  // open action items across them
	Failed bool // the lookup failed: said, and the page still shown
}

// relatedPanelFor looks the past incidents up for v; nil when the panel
// is off. A failure is logged and shown as such, never failing the page:
// the overview matters more than what happened before.
func (s *Server) relatedPanelFor(ctx context.Context, v incident.Viewer, inc incident.Incident) *relatedPanel {
	if s.related == nil {
		return nil
	}
	items, err := s.related.For(ctx, v, inc)
	if err != nil {
		s.log.Error("related incidents", "incident", inc.Ref, "err", err)
		return &relatedPanel{Failed: true}
	}
	p := &relatedPanel{Items: items}
	for _, it := range items {
		p.Open += len(it.OpenItems)
	}
	return p
}
