package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/notify"
)

// Notices, the notification dossier, notice templates and stakeholder
// updates with their subscriptions.

// NoticeDraftBody starts a notice.
type NoticeDraftBody struct {
	Template     string   `json:"template,omitempty" maxLength:"64" doc:"A template's name; by default the one written for the obligation, else the audience's."`
	Audience     string   `json:"audience,omitempty" enum:"regulator,customer,individuals,internal"`
	ObligationID string   `json:"obligation_id,omitempty" maxLength:"128" doc:"The duty the notice meets; submitting it marks that phase submitted."`
	Phase        string   `json:"phase,omitempty" maxLength:"128"`
	Title        string   `json:"title,omitempty" maxLength:"300" doc:"Instead of the template's."`
	Body         string   `json:"body,omitempty" maxLength:"262144" doc:"Markdown, instead of the template's."`
	Recipients   []string `json:"recipients,omitempty" maxItems:"100" doc:"Email addresses the notice is for; sending without recipients sends to these, and an approval covers them."`
}

// NoticeEditBody changes a draft; fields left out keep their value.
type NoticeEditBody struct {
	Title      *string   `json:"title,omitempty" maxLength:"300"`
	Body       *string   `json:"body,omitempty" maxLength:"262144" doc:"Markdown."`
	Audience   *string   `json:"audience,omitempty" enum:"regulator,customer,individuals,internal"`
	Recipients *[]string `json:"recipients,omitempty" maxItems:"100" doc:"Replaces the email addresses the notice is for ([] for none)."`
}

// NoticeApproveBody approves the notice the reviewer read.
type NoticeApproveBody struct {
	TextSHA256    string `json:"text_sha256,omitempty" maxLength:"64" doc:"The SHA-256 of the text approved; a different stored text answers 409."`
	ContentSHA256 string `json:"content_sha256,omitempty" maxLength:"64" doc:"The notice's content_sha256 (title, text, audience, recipients, attachments) as read; a different one answers 409."`
	Note          string `json:"note,omitempty" maxLength:"2000"`
}

// NoticeAttachmentBody adds a file.
type NoticeAttachmentBody struct {
	Name        string `json:"name" minLength:"1" maxLength:"255" doc:"One line: no control characters."`
	ContentType string `json:"content_type,omitempty" maxLength:"200" doc:"A media type such as application/pdf, detected from the content when left out. Accepted: PDF, plain text, CSV, Markdown, JSON, PNG, JPEG, ZIP, DOCX, XLSX, ODT, ODS; a charset parameter on text types only."`
	Content     []byte `json:"content" doc:"The file, base64 encoded; at most 10 MiB."`
}

// NoticeSubmitBody records a notice as given.
type NoticeSubmitBody struct {
	Recipient   string     `json:"recipient" minLength:"1" maxLength:"300" doc:"Who received it: the authority, the customer."`
	Channel     string     `json:"channel" enum:"regulator_portal,email,letter,phone,other"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty" doc:"When it was given; now when left out. Not in the future."`
	Reference   string     `json:"reference,omitempty" maxLength:"300" doc:"The recipient's reference number, such as the portal's case number."`
	TextSHA256  string     `json:"text_sha256,omitempty" maxLength:"64" doc:"The SHA-256 of the text given; a different stored text answers 409."`
}

// NoticeSendBody emails a notice.
type NoticeSendBody struct {
	To         []string `json:"to,omitempty" maxItems:"100" doc:"Recipients; each gets a message of their own. The notice's own recipients when left out; an approved notice goes only to the recipients its approval covers (409 otherwise)."`
	TextSHA256 string   `json:"text_sha256,omitempty" maxLength:"64"`
}

// NoticeOutput is one notice with its version as an ETag.
type NoticeOutput struct {
	ETag string `header:"ETag"`
	Body notices.Notice
}

func noticeOut(n notices.Notice) *NoticeOutput {
	if n.Attachments == nil {
		n.Attachments = []notices.NoticeAttachment{}
	}
	if n.Editors == nil {
		n.Editors = []string{}
	}
	return &NoticeOutput{ETag: etag(n.Version), Body: n}
}

// NoticeParams name a notice of an incident.
type NoticeParams struct {
	RefParam
	ID string `path:"id" maxLength:"64"`
}

// TemplateBody is a notice template.
type TemplateBody struct {
	Audience    string   `json:"audience" enum:"regulator,customer,individuals,internal"`
	Description string   `json:"description,omitempty" maxLength:"500"`
	Obligations []string `json:"obligations,omitempty" maxItems:"50" doc:"Obligation IDs the template is written for."`
	Phase       string   `json:"phase,omitempty" maxLength:"128"`
	Title       string   `json:"title" minLength:"1" maxLength:"1000" doc:"Go text/template giving one line."`
	Body        string   `json:"body" minLength:"1" maxLength:"262144" doc:"Go text/template giving Markdown, over .Incident, .Facts, .Obligation, .Phase, .Organization and .Now."`
}

// SubscriptionBody adds a channel that receives stakeholder updates.
type SubscriptionBody struct {
	Name    string `json:"name" minLength:"1" maxLength:"100"`
	Kind    string `json:"kind" enum:"email,webhook,slack,teams"`
	Address string `json:"address" minLength:"1" maxLength:"2000" doc:"An email address (a list's), or the incoming-webhook URL."`
	Secret  string `json:"secret,omitempty" maxLength:"500" doc:"A webhook's HMAC signing key."`
}

// UpdateBody is a stakeholder update.
type UpdateBody struct {
	Text string `json:"text" minLength:"1" maxLength:"20000"`
}

func (s *Server) registerNotices(api huma.API) {
	if s.notices == nil {
		return
	}
	tags := []string{"Notices"}
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-notices", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/notices", Tags: tags, Summary: "List an incident's notices", Description: "Every notice of the incident, drafts and sent ones.",
	}), s.listNotices)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "draft-notice", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/notices", Tags: tags,
		Summary: "Draft a notice", DefaultStatus: http.StatusCreated,
		Description: "From a template over the incident and its facts, or from a title and body given. A template that fails answers 422 naming its line.",
	}), s.draftNotice)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-notice", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/notices/{id}", Tags: tags, Summary: "Get a notice", Description: "A notice of the incident, with its text and state.",
	}), s.getNotice)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "edit-notice", Method: http.MethodPatch, Path: "/api/v1/incidents/{ref}/notices/{id}", Tags: tags,
		Summary: "Edit a draft", Description: "Title, text, audience and recipients, until it is submitted or sent; then its text is final (422). " +
			"Each change is a notice.edited event; a change to what an approval covers withdraws it (notice.approval_withdrawn). If-Match takes the notice's ETag.",
	}), s.editNotice)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "approve-notice", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/notices/{id}/approve", Tags: tags,
		Summary: "Approve a notice", DefaultStatus: http.StatusOK,
		Description: "By someone who wrote or changed none of it. The approval covers the title, text, audience, recipients and attachments (content_sha256); " +
			"any change to them withdraws it, and submitting or sending checks it still covers the notice.",
	}), s.approveNotice)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "attach-to-notice", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/notices/{id}/attachments", Tags: tags,
		Summary: "Attach a file to a notice", DefaultStatus: http.StatusOK, MaxBodyBytes: 15 << 20,
		Description: "Kept by its SHA-256, which the notice and the dossier record. The name and media type go into each email's headers: " +
			"control characters or a type not accepted answer 422 naming the field. Adding a file withdraws an approval.",
	}), s.attachToNotice)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "remove-notice-attachment", Method: http.MethodDelete, Path: "/api/v1/incidents/{ref}/notices/{id}/attachments/{sha256}", Tags: tags,
		Summary: "Remove a file from a notice", DefaultStatus: http.StatusOK,
		Description: "Until the notice is final; recorded on the timeline, and it withdraws an approval.",
	}), s.removeNoticeAttachment)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-notice-attachment", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/notices/{id}/attachments/{sha256}", Tags: tags,
		Summary: "Download a notice's attachment", Description: "The attachment's bytes, named by their SHA-256.",
	}), s.getNoticeAttachment)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "submit-notice", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/notices/{id}/submit", Tags: tags,
		Summary: "Record a notice as submitted", DefaultStatus: http.StatusOK,
		Description: "Recipient, channel, time and reference; the text becomes final and the timeline records it with its SHA-256. " +
			"A notice for an obligation marks that phase submitted, which anchors the next one.",
	}), s.submitNotice)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "send-notice", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/notices/{id}/send", Tags: tags,
		Summary: "Email a notice", DefaultStatus: http.StatusOK,
		Description: "Through the server's SMTP relay, one message per recipient, exactly the text with its attachments. The text becomes final; " +
			"each accepted message is recorded with its Message-ID, the relay's reply and the time; failures retry.",
	}), s.sendNotice)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-dossier", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/dossier", Tags: tags,
		Summary: "The notification dossier",
		Description: "The incident in brief, its facts, every duty with its status, every notice with its exact text and hashes, the attachments' " +
			"hashes, deliveries, waivers with reasons, stakeholder updates, and the timeline events that record them.",
	}), s.getDossier)

	s.registerNoticeTemplates(api)
	s.registerUpdates(api)
}

// listNotices serves GET /api/v1/incidents/{ref}/notices: list an incident's notices.
func (s *Server) listNotices(ctx context.Context, in *RefParam) (*struct{ Body []notices.Notice }, error) {
	ns, err := s.notices.List(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	if ns == nil {
		ns = []notices.Notice{}
	}
	return &struct{ Body []notices.Notice }{ns}, nil
}

// draftNoticeInput is what draft-notice takes.
type draftNoticeInput struct {
	RefParam
	Body NoticeDraftBody
}

// draftNotice serves POST /api/v1/incidents/{ref}/notices: draft a notice.
func (s *Server) draftNotice(ctx context.Context, in *draftNoticeInput) (*NoticeOutput, error) {
	b := in.Body
	n, err := s.notices.Draft(ctx, viewer(ctx), in.Ref, notices.DraftInput{Template: b.Template, Audience: notices.Audience(b.Audience),
		ObligationID: b.ObligationID, Phase: b.Phase, Title: b.Title, Body: b.Body, Recipients: b.Recipients})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return noticeOut(n), nil
}

// getNotice serves GET /api/v1/incidents/{ref}/notices/{id}: get a notice.
func (s *Server) getNotice(ctx context.Context, in *NoticeParams) (*NoticeOutput, error) {
	n, err := s.notices.Get(ctx, viewer(ctx), in.Ref, in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return noticeOut(n), nil
}

// editNoticeInput is what edit-notice takes.
type editNoticeInput struct {
	NoticeParams
	IfMatch
	Body NoticeEditBody
}

// editNotice serves PATCH /api/v1/incidents/{ref}/notices/{id}: edit a draft.
func (s *Server) editNotice(ctx context.Context, in *editNoticeInput) (*NoticeOutput, error) {
	v, err := in.IfMatch.version()
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	e := notices.EditInput{Title: in.Body.Title, Body: in.Body.Body, Recipients: in.Body.Recipients, Version: v}
	if in.Body.Audience != nil {
		a := notices.Audience(*in.Body.Audience)
		e.Audience = &a
	}
	n, err := s.notices.Edit(ctx, viewer(ctx), in.Ref, in.ID, e)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return noticeOut(n), nil
}

// approveNoticeInput is what approve-notice takes.
type approveNoticeInput struct {
	NoticeParams
	Body NoticeApproveBody
}

// approveNotice serves POST /api/v1/incidents/{ref}/notices/{id}/approve: approve a notice.
func (s *Server) approveNotice(ctx context.Context, in *approveNoticeInput) (*NoticeOutput, error) {
	n, err := s.notices.Approve(ctx, viewer(ctx), in.Ref, in.ID, in.Body.TextSHA256, in.Body.ContentSHA256, in.Body.Note)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return noticeOut(n), nil
}

// attachToNoticeInput is what attach-to-notice takes.
type attachToNoticeInput struct {
	NoticeParams
	Body NoticeAttachmentBody
}

// attachToNotice serves POST /api/v1/incidents/{ref}/notices/{id}/attachments: attach a file to a notice.
func (s *Server) attachToNotice(ctx context.Context, in *attachToNoticeInput) (*NoticeOutput, error) {
	n, err := s.notices.AddAttachment(ctx, viewer(ctx), in.Ref, in.ID, in.Body.Name, in.Body.ContentType, in.Body.Content)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return noticeOut(n), nil
}

// removeNoticeAttachmentInput is what remove-notice-attachment takes.
type removeNoticeAttachmentInput struct {
	NoticeParams
	SHA256 string `path:"sha256" maxLength:"64"`
}

// removeNoticeAttachment serves DELETE /api/v1/incidents/{ref}/notices/{id}/attachments/{sha256}: remove a file from a notice.
func (s *Server) removeNoticeAttachment(ctx context.Context, in *removeNoticeAttachmentInput) (*NoticeOutput, error) {
	n, err := s.notices.RemoveAttachment(ctx, viewer(ctx), in.Ref, in.ID, in.SHA256)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return noticeOut(n), nil
}

// getNoticeAttachmentInput is what get-notice-attachment takes.
type getNoticeAttachmentInput struct {
	NoticeParams
	SHA256 string `path:"sha256" maxLength:"64"`
}

// getNoticeAttachment serves GET /api/v1/incidents/{ref}/notices/{id}/attachments/{sha256}: download a notice's attachment.
func (s *Server) getNoticeAttachment(ctx context.Context, in *getNoticeAttachmentInput) (*struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}, error) {
	a, data, err := s.notices.AttachmentData(ctx, viewer(ctx), in.Ref, in.ID, in.SHA256)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct {
		ContentType        string `header:"Content-Type"`
		ContentDisposition string `header:"Content-Disposition"`
		Body               []byte
	}{a.ContentType, `attachment; filename="` + strings.ReplaceAll(a.Name, `"`, "") + `"`, data}, nil
}

// submitNoticeInput is what submit-notice takes.
type submitNoticeInput struct {
	NoticeParams
	Body NoticeSubmitBody
}

// submitNotice serves POST /api/v1/incidents/{ref}/notices/{id}/submit: record a notice as submitted.
func (s *Server) submitNotice(ctx context.Context, in *submitNoticeInput) (*NoticeOutput, error) {
	b := in.Body
	n, err := s.notices.Submit(ctx, viewer(ctx), in.Ref, in.ID, notices.SubmitInput{Recipient: b.Recipient, Channel: notices.Channel(b.Channel),
		At: b.SubmittedAt, Reference: b.Reference, TextSHA256: b.TextSHA256})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return noticeOut(n), nil
}

// sendNoticeInput is what send-notice takes.
type sendNoticeInput struct {
	NoticeParams
	Body NoticeSendBody
}

// sendNotice serves POST /api/v1/incidents/{ref}/notices/{id}/send: email a notice.
func (s *Server) sendNotice(ctx context.Context, in *sendNoticeInput) (*NoticeOutput, error) {
	n, err := s.notices.Send(ctx, viewer(ctx), in.Ref, in.ID, in.Body.To, in.Body.TextSHA256)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return noticeOut(n), nil
}

// getDossier serves GET /api/v1/incidents/{ref}/dossier: the notification dossier.
func (s *Server) getDossier(ctx context.Context, in *RefParam) (*struct{ Body notices.Dossier }, error) {
	d, err := s.notices.Dossier(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body notices.Dossier }{d}, nil
}

func (s *Server) registerNoticeTemplates(api huma.API) {
	tags := []string{"Notices"}
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-notice-templates", Method: http.MethodGet, Path: "/api/v1/notice-templates", Tags: tags,
		Summary: "List notice templates", Description: "Built-in, from the policy file, and stored; a stored one replaces one of the same name.",
	}), s.listNoticeTemplates)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-notice-template", Method: http.MethodGet, Path: "/api/v1/notice-templates/{name}", Tags: tags, Summary: "Get a notice template", Description: "A notice template by name, with its text.",
	}), s.getNoticeTemplate)

	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "put-notice-template", Method: http.MethodPut, Path: "/api/v1/notice-templates/{name}", Tags: tags,
		Summary: "Create or replace a notice template", MaxBodyBytes: 1 << 20,
		Description: "Parsed and run over a sample incident first: a template that fails answers 422 naming the field and its line.",
	}), s.putNoticeTemplate)

	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "delete-notice-template", Method: http.MethodDelete, Path: "/api/v1/notice-templates/{name}", Tags: tags,
		Summary: "Delete a stored notice template", Description: "Removes a template stored with PUT.", DefaultStatus: http.StatusNoContent,
	}), s.deleteNoticeTemplate)
}

// listNoticeTemplates serves GET /api/v1/notice-templates: list notice templates.
func (s *Server) listNoticeTemplates(ctx context.Context, _ *struct{}) (*struct{ Body []notices.Template }, error) {
	ts, err := s.notices.Templates(ctx)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body []notices.Template }{ts}, nil
}

// getNoticeTemplateInput is what get-notice-template takes.
type getNoticeTemplateInput struct {
	Name string `path:"name" maxLength:"64"`
}

// getNoticeTemplate serves GET /api/v1/notice-templates/{name}: get a notice template.
func (s *Server) getNoticeTemplate(ctx context.Context, in *getNoticeTemplateInput) (*struct{ Body notices.Template }, error) {
	t, err := s.notices.Template(ctx, in.Name)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body notices.Template }{t}, nil
}

// putNoticeTemplateInput is what put-notice-template takes.
type putNoticeTemplateInput struct {
	Name string `path:"name" maxLength:"64"`
	Body TemplateBody
}

// putNoticeTemplate serves PUT /api/v1/notice-templates/{name}: create or replace a notice template.
func (s *Server) putNoticeTemplate(ctx context.Context, in *putNoticeTemplateInput) (*struct{ Body notices.Template }, error) {
	b := in.Body
	t, err := s.notices.PutTemplate(ctx, viewer(ctx).User, notices.Template{Name: in.Name, Audience: notices.Audience(b.Audience),
		Description: b.Description, Obligations: b.Obligations, Phase: b.Phase, Title: b.Title, Body: b.Body})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body notices.Template }{t}, nil
}

// deleteNoticeTemplateInput is what delete-notice-template takes.
type deleteNoticeTemplateInput struct {
	Name string `path:"name" maxLength:"64"`
}

// deleteNoticeTemplate serves DELETE /api/v1/notice-templates/{name}: delete a stored notice template.
func (s *Server) deleteNoticeTemplate(ctx context.Context, in *deleteNoticeTemplateInput) (*struct{}, error) {
	if err := s.notices.DeleteTemplate(ctx, in.Name); err != nil {
		return nil, s.problem(ctx, err)
	}
	return nil, nil
}

// SubscriptionsOutput lists subscriptions.
type SubscriptionsOutput struct {
	Body []notices.UpdateSubscription
}

func subscriptionsOut(subs []notices.UpdateSubscription) *SubscriptionsOutput {
	if subs == nil {
		subs = []notices.UpdateSubscription{}
	}
	return &SubscriptionsOutput{Body: subs}
}

func (s *Server) registerUpdates(api huma.API) {
	tags := []string{"Stakeholder updates"}
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-updates", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/updates", Tags: tags,
		Summary: "An incident's stakeholder updates", Description: "Newest first, with their deliveries and when the next is due.",
	}), s.listUpdates)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "post-update", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/updates", Tags: tags,
		Summary: "Post a stakeholder update", DefaultStatus: http.StatusCreated,
		Description: "Recorded on the timeline, sent to the subscribed channels, and the next reminder is scheduled from it.",
	}), s.postUpdate)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-incident-subscriptions", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/subscriptions", Tags: tags,
		Summary: "Channels that receive an incident's updates", Description: "Its own and the global ones (those skip restricted incidents).",
	}), s.listIncidentSubscriptions)
	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "subscribe-incident", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/subscriptions", Tags: tags,
		Summary: "Send an incident's updates to a channel", Description: "Each stakeholder update of this incident is sent to the channel (email, signed webhook, Slack or Teams).", DefaultStatus: http.StatusCreated,
	}), s.subscribeIncident)
	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "unsubscribe-incident", Method: http.MethodDelete, Path: "/api/v1/incidents/{ref}/subscriptions/{id}", Tags: tags,
		Summary: "Stop sending an incident's updates to a channel", Description: "The channel receives no further updates of this incident.", DefaultStatus: http.StatusNoContent,
	}), s.unsubscribeIncident)
	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "list-subscriptions", Method: http.MethodGet, Path: "/api/v1/subscriptions", Tags: tags,
		Summary: "Channels that receive every incident's updates", Description: "The channels that receive the stakeholder updates of every unrestricted incident.",
	}), s.listSubscriptions)
	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "subscribe", Method: http.MethodPost, Path: "/api/v1/subscriptions", Tags: tags,
		Summary: "Send every unrestricted incident's updates to a channel", Description: "Every stakeholder update of an unrestricted incident is sent to the channel (email, signed webhook, Slack or Teams).", DefaultStatus: http.StatusCreated,
	}), s.subscribe)
	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "unsubscribe", Method: http.MethodDelete, Path: "/api/v1/subscriptions/{id}", Tags: tags,
		Summary: "Remove a global subscription", Description: "The channel receives no further updates.", DefaultStatus: http.StatusNoContent,
	}), s.unsubscribe)
}

// listUpdates serves GET /api/v1/incidents/{ref}/updates: an incident's stakeholder updates.
func (s *Server) listUpdates(ctx context.Context, in *RefParam) (*struct{ Body notices.UpdatesView }, error) {
	v, err := s.notices.Updates(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body notices.UpdatesView }{v}, nil
}

// postUpdateInput is what post-update takes.
type postUpdateInput struct {
	RefParam
	Body UpdateBody
}

// postUpdate serves POST /api/v1/incidents/{ref}/updates: post a stakeholder update.
func (s *Server) postUpdate(ctx context.Context, in *postUpdateInput) (*struct{ Body notices.StakeholderUpdate }, error) {
	u, err := s.notices.Post(ctx, viewer(ctx), in.Ref, in.Body.Text)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body notices.StakeholderUpdate }{u}, nil
}

// listIncidentSubscriptions serves GET /api/v1/incidents/{ref}/subscriptions: channels that receive an incident's updates.
func (s *Server) listIncidentSubscriptions(ctx context.Context, in *RefParam) (*SubscriptionsOutput, error) {
	subs, err := s.notices.Subscriptions(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return subscriptionsOut(subs), nil
}

// subscribeIncidentInput is what subscribe-incident takes.
type subscribeIncidentInput struct {
	RefParam
	Body SubscriptionBody
}

// subscribeIncident serves POST /api/v1/incidents/{ref}/subscriptions: send an incident's updates to a channel.
func (s *Server) subscribeIncident(ctx context.Context, in *subscribeIncidentInput) (*struct{ Body notices.UpdateSubscription }, error) {
	return s.subscribeTo(ctx, in.Ref, in.Body)
}

// unsubscribeIncidentInput is what unsubscribe-incident takes.
type unsubscribeIncidentInput struct {
	RefParam
	ID string `path:"id" maxLength:"64"`
}

// unsubscribeIncident serves DELETE /api/v1/incidents/{ref}/subscriptions/{id}: stop sending an incident's updates to a channel.
func (s *Server) unsubscribeIncident(ctx context.Context, in *unsubscribeIncidentInput) (*struct{}, error) {
	if err := s.notices.Unsubscribe(ctx, viewer(ctx), in.Ref, in.ID); err != nil {
		return nil, s.problem(ctx, err)
	}
	return nil, nil
}

// listSubscriptions serves GET /api/v1/subscriptions: channels that receive every incident's updates.
func (s *Server) listSubscriptions(ctx context.Context, _ *struct{}) (*SubscriptionsOutput, error) {
	subs, err := s.notices.Subscriptions(ctx, viewer(ctx), "")
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return subscriptionsOut(subs), nil
}

// subscribeInput is what subscribe takes.
type subscribeInput struct{ Body SubscriptionBody }

// subscribe serves POST /api/v1/subscriptions: send every unrestricted incident's updates to a channel.
func (s *Server) subscribe(ctx context.Context, in *subscribeInput) (*struct{ Body notices.UpdateSubscription }, error) {
	return s.subscribeTo(ctx, "", in.Body)
}

// unsubscribeInput is what unsubscribe takes.
type unsubscribeInput struct {
	ID string `path:"id" maxLength:"64"`
}

// unsubscribe serves DELETE /api/v1/subscriptions/{id}: remove a global subscription.
func (s *Server) unsubscribe(ctx context.Context, in *unsubscribeInput) (*struct{}, error) {
	if err := s.notices.Unsubscribe(ctx, viewer(ctx), "", in.ID); err != nil {
		return nil, s.problem(ctx, err)
	}
	return nil, nil
}

// subscribeTo sends updates to a channel: the incident ref's, or every
// unrestricted incident's when ref is empty.
func (s *Server) subscribeTo(ctx context.Context, ref string, b SubscriptionBody) (*struct{ Body notices.UpdateSubscription }, error) {
	t := notify.Target{Kind: notify.Kind(b.Kind), Address: b.Address, Secret: b.Secret}
	sub, err := s.notices.Subscribe(ctx, viewer(ctx), ref, b.Name, t)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body notices.UpdateSubscription }{sub}, nil
}
