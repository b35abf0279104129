package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// PostmortemBody replaces the post-mortem.
type PostmortemBody struct {
	Status      string                `json:"status" enum:"draft,published" doc:"A published post-mortem stays published: draft is refused (422, status)."`
	Body        string                `json:"body,omitempty" maxLength:"65536" doc:"Markdown: analysis and timeline."`
	Lessons     string                `json:"lessons,omitempty" maxLength:"65536"`
	ActionItems []incident.ActionItem `json:"action_items,omitempty" maxItems:"200"`
	Reason      string                `json:"reason,omitempty" maxLength:"20000" doc:"Why a published post-mortem's text changes: needed then, for the new revision."`
}

// RevisionsOutput lists a post-mortem's published texts.
type RevisionsOutput struct {
	Body struct {
		Ref         string              `json:"ref"`
		PublishedAt *time.Time          `json:"published_at" doc:"The first publication: the evidence that the post-mortem was on time."`
		Items       []incident.Revision `json:"items"`
	}
}

// ActionItemBody marks an action item done or not.
type ActionItemBody struct {
	Done bool `json:"done"`
}

// PostmortemOutput is the post-mortem with its due date.
type PostmortemOutput struct {
	ETag string `header:"ETag"`
	Body struct {
		Ref string     `json:"ref"`
		Due *time.Time `json:"due" doc:"Recovery + 5 business days; null until recovered."`
		incident.Postmortem
	}
}

func postmortemOut(inc incident.Incident) *PostmortemOutput {
	o := &PostmortemOutput{ETag: etag(inc.Version)}
	o.Body.Ref, o.Body.Due, o.Body.Postmortem = inc.Ref, inc.PostmortemDue, inc.Postmortem
	if o.Body.ActionItems == nil {
		o.Body.ActionItems = []incident.ActionItem{}
	}
	return o
}

// registerPostmortem declares the post-mortem operations, under the
// incidents' tags.
func (s *Server) registerPostmortem(api huma.API, tags []string) {
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-postmortem", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/postmortem", Tags: tags, Summary: "Read the post-mortem",
	}), s.getPostmortem)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "put-postmortem", Method: http.MethodPut, Path: "/api/v1/incidents/{ref}/postmortem", Tags: tags,
		Summary:     "Write or publish the post-mortem",
		Description: "Replaces the whole record; status published publishes it. Once published it stays published: status draft is refused (422, status); a changed text publishes a new revision and needs a reason (422, reason); action items' done marks change alone. published_at stays the first publication.",
	}), s.putPostmortem)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-postmortem-revisions", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/postmortem/revisions", Tags: tags,
		Summary:     "List the post-mortem's revisions",
		Description: "Every published text, oldest first: the first publication, then each revision with its author, time, reason, the SHA-256 of its text and the event (seq) on the hash chain.",
	}), s.listPostmortemRevisions)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "set-action-item", Method: http.MethodPut, Path: "/api/v1/incidents/{ref}/postmortem/action-items/{item}", Tags: tags,
		Summary:     "Mark an action item done or not",
		Description: "Changes only that item's done mark, on a draft or a published post-mortem alike; the text and the status stay.",
	}), s.setActionItem)
}

// getPostmortem serves GET /api/v1/incidents/{ref}/postmortem: read the post-mortem.
func (s *Server) getPostmortem(ctx context.Context, in *RefParam) (*PostmortemOutput, error) {
	inc, err := s.incidents.Get(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return postmortemOut(inc), nil
}

// putPostmortemInput is what put-postmortem takes.
type putPostmortemInput struct {
	RefParam
	IfMatch
	Body PostmortemBody
}

// putPostmortem serves PUT /api/v1/incidents/{ref}/postmortem: write or publish the post-mortem.
func (s *Server) putPostmortem(ctx context.Context, in *putPostmortemInput) (*PostmortemOutput, error) {
	c, err := s.command(ctx, in.Ref, in.IfMatch)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	b := in.Body
	inc, err := s.incidents.SavePostmortem(ctx, c, incident.PostmortemInput{Status: incident.PostmortemStatus(b.Status), Body: b.Body, Lessons: b.Lessons, ActionItems: b.ActionItems, Reason: b.Reason})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return postmortemOut(inc), nil
}

// listPostmortemRevisions serves GET /api/v1/incidents/{ref}/postmortem/revisions: list the post-mortem's revisions.
func (s *Server) listPostmortemRevisions(ctx context.Context, in *RefParam) (*RevisionsOutput, error) {
	inc, revs, err := s.incidents.Revisions(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &RevisionsOutput{}
	out.Body.Ref, out.Body.PublishedAt, out.Body.Items = inc.Ref, inc.Postmortem.PublishedAt, revs
	if out.Body.Items == nil {
		out.Body.Items = []incident.Revision{}
	}
	return out, nil
}

// setActionItemInput is what set-action-item takes.
type setActionItemInput struct {
	RefParam
	IfMatch
	Item int `path:"item" minimum:"1" maximum:"200" doc:"The item's number, 1 for the first."`
	Body ActionItemBody
}

// setActionItem serves PUT /api/v1/incidents/{ref}/postmortem/action-items/{item}: mark an action item done or not.
func (s *Server) setActionItem(ctx context.Context, in *setActionItemInput) (*PostmortemOutput, error) {
	c, err := s.command(ctx, in.Ref, in.IfMatch)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	inc, err := s.incidents.SetActionItem(ctx, c, in.Item-1, in.Body.Done)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return postmortemOut(inc), nil
}
