package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/related"
)

// RelatedBody is what GET /incidents/{ref}/related answers.
type RelatedBody struct {
	Ref   string         `json:"ref"`
	Items []related.Past `json:"items" doc:"Past incidents you may see that share this one's type, an asset or an indicator, newest first (at most 20)."`
}

// RelatedOutput wraps RelatedBody.
type RelatedOutput struct{ Body RelatedBody }

func (s *Server) registerRelated(api huma.API) {
	if s.related == nil {
		return
	}
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-related-incidents", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/related", Tags: []string{"Incidents"},
		Summary: "Past incidents this one has something in common with",
		Description: "Incidents declared before this one that share its type, an affected asset (kind and identifier) or an indicator (type and value), " +
			"each with what it shares (because), its post-mortem's status and its open action items: this happened before, these fixes are still open. " +
			"Only incidents the caller may see are looked at; a restricted one is neither listed nor counted.",
	}), s.listRelated)
}

// listRelated serves GET /api/v1/incidents/{ref}/related.
func (s *Server) listRelated(ctx context.Context, in *RefParam) (*RelatedOutput, error) {
	inc, items, err := s.related.Related(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &RelatedOutput{Body: RelatedBody{Ref: inc.Ref, Items: items}}, nil
}
