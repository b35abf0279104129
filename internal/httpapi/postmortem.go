package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// PostmortemBody replaces the post-mortem's text: every section at once,
// a section left out being empty. The fields are the doc's, each optional.
type PostmortemBody struct {
	Summary      string                  `json:"summary,omitempty" maxLength:"65536" doc:"Markdown."`
	Impact       string                  `json:"impact,omitempty" maxLength:"65536" doc:"Markdown."`
	Timeline     []incident.TimelineItem `json:"timeline,omitempty" maxItems:"500" doc:"Lines choosing an event (seq) take its times; lines with seq 0 need their own time."`
	RootCauses   []incident.Cause        `json:"root_causes,omitempty" maxItems:"50"`
	Contributing []incident.Cause        `json:"contributing_factors,omitempty" maxItems:"50"`
	Whys         []string                `json:"whys,omitempty" maxItems:"20"`
	WentWell     string                  `json:"went_well,omitempty" maxLength:"65536" doc:"Markdown."`
	Hard         string                  `json:"hard,omitempty" maxLength:"65536" doc:"Markdown."`
	Lessons      string                  `json:"lessons,omitempty" maxLength:"65536" doc:"Markdown."`
	Reason       string                  `json:"reason,omitempty" maxLength:"20000" doc:"Why a published post-mortem's text changes: needed then, for the new revision."`
}

// BodyOf is the request that writes doc, with reason.
func BodyOf(doc incident.PostmortemDoc, reason string) PostmortemBody {
	return PostmortemBody{Summary: doc.Summary, Impact: doc.Impact, Timeline: doc.Timeline, RootCauses: doc.RootCauses, Contributing: doc.Contributing,
		Whys: doc.Whys, WentWell: doc.WentWell, Hard: doc.Hard, Lessons: doc.Lessons, Reason: reason}
}

// Doc is the text the request writes.
func (b PostmortemBody) Doc() incident.PostmortemDoc {
	return incident.PostmortemDoc{Summary: b.Summary, Impact: b.Impact, Timeline: b.Timeline, RootCauses: b.RootCauses, Contributing: b.Contributing,
		Whys: b.Whys, WentWell: b.WentWell, Hard: b.Hard, Lessons: b.Lessons}
}

// ReviewRequestBody sends the post-mortem to reviewers.
type ReviewRequestBody struct {
	Reviewers []string `json:"reviewers,omitempty" maxItems:"20" doc:"Usernames; none: the IR Lead and, for a significant incident, the commander."`
}

// ReviewBody is a reviewer's verdict on the current text.
type ReviewBody struct {
	Verdict incident.Verdict `json:"verdict" enum:"approve,changes_requested"`
	Comment string           `json:"comment,omitempty" maxLength:"20000" doc:"Needed when asking for changes: which."`
}

// ActionItemBody marks an action item done or not.
type ActionItemBody struct {
	Done bool `json:"done"`
}

// PostmortemView is the post-mortem with its due date and where its review
// stands.
type PostmortemView struct {
	Ref        string                    `json:"ref"`
	Due        *time.Time                `json:"due" doc:"Recovery + the policy's business days; null until recovered."`
	Status     incident.PostmortemStatus `json:"status" enum:"draft,in_review,published"`
	Doc        incident.PostmortemDoc    `json:"doc"`
	TextSHA256 string                    `json:"text_sha256" doc:"SHA-256 of the current text; approvals are given to a text."`
	Authors    []string                  `json:"authors" doc:"Who wrote the text since its last publication."`
	Reviewers  []string                  `json:"reviewers"`
	Reviews    []incident.Review         `json:"reviews" doc:"Every verdict, oldest first; those on an older text no longer count."`
	Approvals  []string                  `json:"approvals" doc:"Reviewers whose last verdict approves the current text."`
	// ChangesRequested are reviewers whose last verdict on the current text
	// asks for changes; publishing waits for them.
	ChangesRequested []string `json:"changes_requested"`
	ApprovalsNeeded  int      `json:"approvals_needed" doc:"The policy's postmortem_approvals."`
	AuthorMayApprove bool     `json:"author_may_approve" doc:"Whether an author of the text may approve it: only when too few others could."`
	// ActionItems are those of a post-mortem written before action items
	// were kept on their own; new post-mortems have none.
	ActionItems []incident.ActionItem `json:"action_items"`
	PublishedAt *time.Time            `json:"published_at,omitempty" doc:"The first publication: the evidence that the post-mortem was on time."`
	UpdatedAt   *time.Time            `json:"updated_at,omitempty"`
	Meeting     *incident.Meeting     `json:"meeting,omitempty" doc:"The review meeting as last scheduled; absent until one is."`
}

// PostmortemOutput is a post-mortem answer, with the incident version.
type PostmortemOutput struct {
	ETag string `header:"ETag"`
	Body PostmortemView
}

// RevisionsOutput lists a post-mortem's published texts.
type RevisionsOutput struct {
	Body struct {
		Ref         string              `json:"ref"`
		PublishedAt *time.Time          `json:"published_at" doc:"The first publication: the evidence that the post-mortem was on time."`
		Items       []incident.Revision `json:"items"`
	}
}

func (s *Server) postmortemOut(inc incident.Incident) *PostmortemOutput {
	pm := inc.Postmortem
	return &PostmortemOutput{ETag: etag(inc.Version), Body: PostmortemView{
		Ref: inc.Ref, Due: inc.PostmortemDue, Status: pm.Status, Doc: pm.Doc, TextSHA256: pm.TextSHA256,
		Authors: pm.Authors, Reviewers: pm.Reviewers, Reviews: pm.Reviews,
		Approvals: pm.Approvals(), ChangesRequested: pm.ChangesRequested(),
		ApprovalsNeeded: s.incidents.PostmortemApprovals(), AuthorMayApprove: s.incidents.AuthorMayApprove(&inc),
		ActionItems: pm.ActionItems, PublishedAt: pm.PublishedAt, UpdatedAt: pm.UpdatedAt, Meeting: pm.Meeting,
	}}
}

// registerPostmortem declares the post-mortem operations, under the
// incidents' tags.
func (s *Server) registerPostmortem(api huma.API, tags []string) {
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-postmortem", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/postmortem", Tags: tags, Summary: "Read the post-mortem", Description: "The incident's post-mortem as it stands: draft, in review or published.",
	}), s.getPostmortem)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "put-postmortem", Method: http.MethodPut, Path: "/api/v1/incidents/{ref}/postmortem", Tags: tags,
		Summary: "Write the post-mortem's text",
		Description: "Replaces every section. A draft stays a draft; a text in review stays in review and approvals given to the earlier text no longer count; " +
			"a published post-mortem stays published and a changed text is a new revision that needs a reason (422, reason). published_at stays the first publication.",
	}), s.putPostmortem)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "request-postmortem-review", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/postmortem/review", Tags: tags,
		Summary: "Ask for a review of the post-mortem",
		Description: "Moves a draft to in_review with its reviewers (none named: the IR Lead and, for a significant incident, the commander); asked again in review, changes the reviewers. " +
			"Needs a summary (422, summary) and at least as many reviewers as the approvals the policy asks (422, reviewers); a published post-mortem refuses (422, status).",
	}), s.requestPostmortemReview)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "review-postmortem", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/postmortem/reviews", Tags: tags,
		Summary: "Approve the post-mortem or ask for changes",
		Description: "The caller's verdict on the current text. Only a named reviewer may give one (403, reviewer); an author of the text may approve it only when too few others could (403, reviewer); " +
			"asking for changes needs a comment (422, comment); only in review (422, status).",
	}), s.reviewPostmortem)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "publish-postmortem", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/postmortem/publish", Tags: tags,
		Summary:     "Publish the post-mortem",
		Description: "Publishes the text in review as revision 1, its SHA-256 on the chain. Needs the approvals the policy asks on this text (422, approvals) and no reviewer asking for changes to it (422, reviews).",
	}), s.publishPostmortem)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-postmortem-revisions", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/postmortem/revisions", Tags: tags,
		Summary:     "List the post-mortem's revisions",
		Description: "Every published text, oldest first: the first publication with its approvals, then each revision with its author, time, reason, the SHA-256 of its text and the event (seq) on the hash chain.",
	}), s.listPostmortemRevisions)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "set-action-item", Method: http.MethodPut, Path: "/api/v1/incidents/{ref}/postmortem/action-items/{item}", Tags: tags,
		Summary:     "Mark an action item of an older post-mortem done or not",
		Description: "For post-mortems written before action items were kept on their own (/api/v1/actions): changes only that item's done mark; the text and the status stay.",
	}), s.setActionItem)
}

// getPostmortem serves GET /api/v1/incidents/{ref}/postmortem: read the post-mortem.
func (s *Server) getPostmortem(ctx context.Context, in *RefParam) (*PostmortemOutput, error) {
	inc, err := s.incidents.Get(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return s.postmortemOut(inc), nil
}

// putPostmortemInput is what put-postmortem takes.
type putPostmortemInput struct {
	RefParam
	IfMatch
	Body PostmortemBody
}

// putPostmortem serves PUT /api/v1/incidents/{ref}/postmortem: write the post-mortem's text.
func (s *Server) putPostmortem(ctx context.Context, in *putPostmortemInput) (*PostmortemOutput, error) {
	c, err := s.command(ctx, in.Ref, in.IfMatch)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	inc, err := s.incidents.SavePostmortem(ctx, c, incident.PostmortemInput{Doc: in.Body.Doc(), Reason: in.Body.Reason})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return s.postmortemOut(inc), nil
}

// requestReviewInput is what request-postmortem-review takes.
type requestReviewInput struct {
	RefParam
	IfMatch
	Body ReviewRequestBody
}

// requestPostmortemReview serves POST /api/v1/incidents/{ref}/postmortem/review: ask for a review.
func (s *Server) requestPostmortemReview(ctx context.Context, in *requestReviewInput) (*PostmortemOutput, error) {
	c, err := s.command(ctx, in.Ref, in.IfMatch)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	inc, err := s.incidents.RequestPostmortemReview(ctx, c, in.Body.Reviewers)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return s.postmortemOut(inc), nil
}

// reviewInput is what review-postmortem takes.
type reviewInput struct {
	RefParam
	IfMatch
	Body ReviewBody
}

// reviewPostmortem serves POST /api/v1/incidents/{ref}/postmortem/reviews: approve or ask for changes.
func (s *Server) reviewPostmortem(ctx context.Context, in *reviewInput) (*PostmortemOutput, error) {
	c, err := s.command(ctx, in.Ref, in.IfMatch)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	inc, err := s.incidents.ReviewPostmortem(ctx, c, in.Body.Verdict, in.Body.Comment)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return s.postmortemOut(inc), nil
}

// publishInput is what publish-postmortem takes.
type publishInput struct {
	RefParam
	IfMatch
}

// publishPostmortem serves POST /api/v1/incidents/{ref}/postmortem/publish: publish the approved text.
func (s *Server) publishPostmortem(ctx context.Context, in *publishInput) (*PostmortemOutput, error) {
	c, err := s.command(ctx, in.Ref, in.IfMatch)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	inc, err := s.incidents.PublishPostmortem(ctx, c)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return s.postmortemOut(inc), nil
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
	return s.postmortemOut(inc), nil
}
