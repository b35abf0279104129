package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// IntegrationBody adds an integration.
type IntegrationBody struct {
	Kind    string `json:"kind" enum:"alertmanager,grafana,generic,pagerduty" doc:"The format the sender speaks; pagerduty is the PagerDuty Events API v2."`
	Name    string `json:"name" minLength:"1" maxLength:"63" doc:"Lowercase letters, digits, . _ -; shown as the source of its alerts."`
	Service string `json:"service,omitempty" maxLength:"100" doc:"The service its alerts are about; defaults to the name."`
	Team    string `json:"team,omitempty" maxLength:"100" doc:"The team that owns them."`
}

// NewIntegration is a created integration with its one-time secret and the
// URL to give the sender.
type NewIntegration struct {
	triage.Integration
	Token      string `json:"token" doc:"Shown once; only its hash is stored."`
	WebhookURL string `json:"webhook_url" doc:"Where the sender posts: the token is part of it, so keep it as secret as the token."`
}

// IntegrationsOutput lists integrations.
type IntegrationsOutput struct {
	Body struct {
		Items []triage.Integration `json:"items"`
	}
}

// TriageEntry is a queue entry with its ID at the top (the group's ID).
type TriageEntry struct {
	ID string `json:"id" doc:"The entry's ID: its alert group's."`
	triage.Entry
}

// TriageDetail is a queue entry with its alerts and its record.
type TriageDetail struct {
	ID string `json:"id" doc:"The entry's ID: its alert group's."`
	triage.Detail
}

// QueueOutput is the triage queue.
type QueueOutput struct {
	Body struct {
		Items      []TriageEntry `json:"items"`
		NextCursor string        `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last."`
	}
}

// DismissBody dismisses an entry.
type DismissBody struct {
	Reason string `json:"reason,omitempty" maxLength:"2000" doc:"Required: why it needs no incident, such as \"false positive: load test\"."`
}

// SnoozeBody hides an entry until a time.
type SnoozeBody struct {
	Until *time.Time `json:"until,omitempty" doc:"Required: RFC 3339, in the future and within 30 days."`
}

// TriageDeclareBody declares an incident from an entry; every field
// defaults to the alerts'.
type TriageDeclareBody struct {
	Title      string `json:"title,omitempty" maxLength:"200" doc:"Defaults to the alerts' summary."`
	Summary    string `json:"summary,omitempty" maxLength:"20000"`
	Severity   string `json:"severity,omitempty" maxLength:"32" doc:"A configured severity level, such as SEV1."`
	Type       string `json:"type,omitempty" maxLength:"100"`
	Restricted bool   `json:"restricted,omitempty" doc:"Visible only to participants, the declarer and admins."`
}

// AttachBody attaches an entry to an open incident.
type AttachBody struct {
	Incident string `json:"incident,omitempty" maxLength:"64" doc:"Required: the open incident's ref (INC-7) or ID."`
}

// AttachmentOutput is a file served as a download, never rendered.
type AttachmentOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	NoSniff            string `header:"X-Content-Type-Options"`
	CacheControl       string `header:"Cache-Control"`
	Body               []byte
}

// EntryParam names a queue entry in the path.
type EntryParam struct {
	ID string `path:"id" maxLength:"64" doc:"The queue entry's ID."`
}

// hookURL is where an integration's sender posts, under this server's
// public URL (never the request's Host or X-Forwarded-*, which are the
// client's to write).
func (s *Server) hookURL(kind alert.Source, token string) string {
	base := ""
	if s.baseURL != nil {
		base = strings.TrimRight(s.baseURL(), "/")
	}
	return base + "/hooks/" + url.PathEscape(string(kind)) + "/" + url.PathEscape(token)
}

func triageEntry(e triage.Entry) TriageEntry { return TriageEntry{ID: e.Group.ID, Entry: e} }

func required(field, msg string) error { return errs.E(errs.Invalid, field, "%s", msg) }

func (s *Server) registerTriage(api huma.API) {
	itags := []string{"Integrations"}
	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "list-integrations", Method: http.MethodGet, Path: "/api/v1/integrations", Tags: itags,
		Summary: "List integrations", Description: "Every configured sender of alerts, disabled ones included. Tokens are never shown again.",
	}), s.listIntegrations)

	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "create-integration", Method: http.MethodPost, Path: "/api/v1/integrations", Tags: itags,
		Summary: "Add an integration", DefaultStatus: http.StatusCreated,
		Description: "Answers with the token and the webhook URL to configure in the sender (POST /hooks/{kind}/{token}); " +
			"they are in this answer only.",
	}), s.createIntegration)

	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "disable-integration", Method: http.MethodDelete, Path: "/api/v1/integrations/{id}", Tags: itags,
		Summary: "Disable an integration", DefaultStatus: http.StatusNoContent,
		Description: "Its token stops working at once; its alerts and queue entries stay.",
	}), s.disableIntegration)

	tags := []string{"Triage"}
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-triage", Method: http.MethodGet, Path: "/api/v1/triage", Tags: tags,
		Summary: "List the triage queue",
		Description: "Alert groups awaiting assessment (new, acknowledged, and snoozed ones once due), most severe first, then newest. " +
			"all=true includes declared, attached, dismissed and still-snoozed entries. An entry linked to a restricted incident " +
			"is listed only for those who may see the incident. Page with next_cursor.",
	}), s.listTriage)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-triage-entry", Method: http.MethodGet, Path: "/api/v1/triage/{id}", Tags: tags,
		Summary: "Get a queue entry", Description: "The entry with its alerts and every action taken on it. " +
			"An entry linked to a restricted incident is not found for those who may not see the incident.",
	}), s.getTriageEntry)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-triage-attachment", Method: http.MethodGet, Path: "/api/v1/triage/{id}/attachments/{sha256}", Tags: tags,
		Summary: "Download a reporter's attachment",
		Description: "A file a report came with (annotations attachment_sha256, attachment_2_sha256, …), always as " +
			"application/octet-stream with Content-Disposition: attachment. Each download is recorded first: on the entry's record and, " +
			"when the entry is linked to an incident, on its timeline. An entry linked to a restricted incident one may not see " +
			"answers as a missing file does (404).",
		Responses: map[string]*huma.Response{"200": {Description: "The file.", Content: map[string]*huma.MediaType{
			"application/octet-stream": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}},
	}), s.getTriageAttachment)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "acknowledge-triage-entry", Method: http.MethodPost, Path: "/api/v1/triage/{id}/acknowledge", Tags: tags,
		Summary: "Acknowledge: start the assessment", Description: "Marks the queue entry acknowledged by the caller: its assessment has started. It counts toward the time to acknowledge.", DefaultStatus: http.StatusOK,
	}), s.acknowledgeTriageEntry)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "dismiss-triage-entry", Method: http.MethodPost, Path: "/api/v1/triage/{id}/dismiss", Tags: tags,
		Summary: "Dismiss as a false positive or duplicate", Description: "Closes the queue entry without an incident; the reason is required and kept.", DefaultStatus: http.StatusOK,
	}), s.dismissTriageEntry)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "snooze-triage-entry", Method: http.MethodPost, Path: "/api/v1/triage/{id}/snooze", Tags: tags,
		Summary: "Snooze until a time", DefaultStatus: http.StatusOK,
		Description: "The entry leaves the queue and comes back at until.",
	}), s.snoozeTriageEntry)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "declare-from-triage", Method: http.MethodPost, Path: "/api/v1/triage/{id}/declare", Tags: tags,
		Summary: "Declare an incident from an entry", DefaultStatus: http.StatusCreated,
		Description: "Fields left out come from the alerts: the title from their summary, labels from their common labels, " +
			"detected_at from the first alert. The incident's timeline records the link; the group's later alerts go there.",
	}), s.declareFromTriage)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "attach-triage-entry", Method: http.MethodPost, Path: "/api/v1/triage/{id}/attach", Tags: tags,
		Summary: "Attach an entry to an open incident", DefaultStatus: http.StatusOK,
		Description: "The incident's timeline records the link; the group's later alerts go there.",
	}), s.attachTriageEntry)
}

// listIntegrations serves GET /api/v1/integrations: list integrations.
func (s *Server) listIntegrations(ctx context.Context, _ *struct{}) (*IntegrationsOutput, error) {
	its, err := s.triage.Integrations(ctx)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &IntegrationsOutput{}
	out.Body.Items = its
	if out.Body.Items == nil {
		out.Body.Items = []triage.Integration{}
	}
	return out, nil
}

// createIntegrationInput is what create-integration takes.
type createIntegrationInput struct {
	Body IntegrationBody
}

// createIntegration serves POST /api/v1/integrations: add an integration.
func (s *Server) createIntegration(ctx context.Context, in *createIntegrationInput) (*struct{ Body NewIntegration }, error) {
	b := in.Body
	it, secret, err := s.triage.CreateIntegration(ctx, viewer(ctx).User, triage.IntegrationInput{
		Kind: alert.Source(b.Kind), Name: b.Name, Service: b.Service, Team: b.Team})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body NewIntegration }{Body: NewIntegration{Integration: it, Token: secret, WebhookURL: s.hookURL(it.Kind, secret)}}, nil
}

// disableIntegrationInput is what disable-integration takes.
type disableIntegrationInput struct {
	ID string `path:"id" maxLength:"64"`
}

// disableIntegration serves DELETE /api/v1/integrations/{id}: disable an integration.
func (s *Server) disableIntegration(ctx context.Context, in *disableIntegrationInput) (*struct{}, error) {
	if err := s.triage.DisableIntegration(ctx, in.ID); err != nil {
		return nil, s.problem(ctx, err)
	}
	return nil, nil
}

// listTriageInput is what list-triage takes.
type listTriageInput struct {
	All    bool   `query:"all" doc:"Include entries no longer waiting."`
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"100"`
	Cursor string `query:"cursor" maxLength:"400" doc:"The next_cursor of the previous page."`
}

// listTriage serves GET /api/v1/triage: list the triage queue.
func (s *Server) listTriage(ctx context.Context, in *listTriageInput) (*QueueOutput, error) {
	page, err := s.triage.QueuePage(ctx, viewer(ctx), in.All, in.Limit, in.Cursor)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &QueueOutput{}
	out.Body.Items = make([]TriageEntry, 0, len(page.Items))
	for _, e := range page.Items {
		out.Body.Items = append(out.Body.Items, triageEntry(e))
	}
	out.Body.NextCursor = page.NextCursor
	return out, nil
}

// getTriageEntry serves GET /api/v1/triage/{id}: get a queue entry.
func (s *Server) getTriageEntry(ctx context.Context, in *EntryParam) (*struct{ Body TriageDetail }, error) {
	d, err := s.triage.Get(ctx, viewer(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body TriageDetail }{Body: TriageDetail{ID: d.Group.ID, Detail: d}}, nil
}

// getTriageAttachmentInput is what get-triage-attachment takes.
type getTriageAttachmentInput struct {
	EntryParam
	SHA256 string `path:"sha256" maxLength:"64" doc:"The file's SHA-256, lowercase hex."`
}

// getTriageAttachment serves GET /api/v1/triage/{id}/attachments/{sha256}: download a reporter's attachment.
func (s *Server) getTriageAttachment(ctx context.Context, in *getTriageAttachmentInput) (*AttachmentOutput, error) {
	a, data, err := s.triage.EntryAttachment(ctx, viewer(ctx), in.ID, in.SHA256)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &AttachmentOutput{ContentType: "application/octet-stream", ContentDisposition: triage.Disposition(a.Name),
		NoSniff: "nosniff", CacheControl: "no-store", Body: data}, nil
}

// acknowledgeTriageEntry serves POST /api/v1/triage/{id}/acknowledge: acknowledge: start the assessment.
func (s *Server) acknowledgeTriageEntry(ctx context.Context, in *EntryParam) (*struct{ Body TriageEntry }, error) {
	e, err := s.triage.Acknowledge(ctx, viewer(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body TriageEntry }{Body: triageEntry(e)}, nil
}

// dismissTriageEntryInput is what dismiss-triage-entry takes.
type dismissTriageEntryInput struct {
	EntryParam
	Body DismissBody
}

// dismissTriageEntry serves POST /api/v1/triage/{id}/dismiss: dismiss as a false positive or duplicate.
func (s *Server) dismissTriageEntry(ctx context.Context, in *dismissTriageEntryInput) (*struct{ Body TriageEntry }, error) {
	e, err := s.triage.Dismiss(ctx, viewer(ctx), in.ID, in.Body.Reason)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body TriageEntry }{Body: triageEntry(e)}, nil
}

// snoozeTriageEntryInput is what snooze-triage-entry takes.
type snoozeTriageEntryInput struct {
	EntryParam
	Body SnoozeBody
}

// snoozeTriageEntry serves POST /api/v1/triage/{id}/snooze: snooze until a time.
func (s *Server) snoozeTriageEntry(ctx context.Context, in *snoozeTriageEntryInput) (*struct{ Body TriageEntry }, error) {
	if in.Body.Until == nil {
		return nil, s.problem(ctx, required("until", "snoozing needs until: an RFC 3339 time such as 2026-11-27T09:00:00Z"))
	}
	e, err := s.triage.Snooze(ctx, viewer(ctx), in.ID, *in.Body.Until)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body TriageEntry }{Body: triageEntry(e)}, nil
}

// declareFromTriageInput is what declare-from-triage takes.
type declareFromTriageInput struct {
	EntryParam
	Body *TriageDeclareBody `required:"false"`
}

// declareFromTriage serves POST /api/v1/triage/{id}/declare: declare an incident from an entry.
func (s *Server) declareFromTriage(ctx context.Context, in *declareFromTriageInput) (*IncidentOutput, error) {
	var b TriageDeclareBody
	if in.Body != nil {
		b = *in.Body
	}
	inc, err := s.triage.Declare(ctx, viewer(ctx), in.ID, incident.DeclareInput{
		Title: b.Title, Summary: b.Summary, Severity: b.Severity, Type: b.Type, Restricted: b.Restricted})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return incidentOut(inc), nil
}

// attachTriageEntryInput is what attach-triage-entry takes.
type attachTriageEntryInput struct {
	EntryParam
	Body AttachBody
}

// attachTriageEntry serves POST /api/v1/triage/{id}/attach: attach an entry to an open incident.
func (s *Server) attachTriageEntry(ctx context.Context, in *attachTriageEntryInput) (*IncidentOutput, error) {
	ref := strings.TrimSpace(in.Body.Incident)
	if ref == "" {
		return nil, s.problem(ctx, required("incident", "attaching needs incident: the ref of an open incident, such as INC-7"))
	}
	inc, err := s.triage.Attach(ctx, viewer(ctx), in.ID, ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return incidentOut(inc), nil
}
