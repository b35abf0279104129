package httpapi

import (
	"context"
	"net/http"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/status"
)

// The status page, managed by staff: its settings and components
// (administrators), public incidents and their updates (responders; a
// restricted incident's public face only by administrators, who confirm it
// the first time), and subscribers (administrators). What the public reads
// is served by the web console under /status, without signing in.

// StatusPageOutput is the page's settings and where it is.
type StatusPageOutput struct {
	status.Page
	URL           string `json:"url" doc:"The public page."`
	Subscriptions bool   `json:"subscriptions" doc:"Whether email subscriptions are on (an outbound mail relay is configured)."`
}

// StatusPageBody changes the page's settings.
type StatusPageBody struct {
	Name     *string `json:"name,omitempty" minLength:"1" maxLength:"100" doc:"The name shown at the top of the page and in its documents."`
	TimeZone *string `json:"time_zone,omitempty" maxLength:"64" doc:"IANA time zone for times and the days of the history, such as Europe/Berlin."`
}

// ComponentBody creates or changes a component; on a change, absent
// fields stay.
type ComponentBody struct {
	Name        *string       `json:"name,omitempty" maxLength:"100"`
	Description *string       `json:"description,omitempty" maxLength:"500"`
	Group       *string       `json:"group,omitempty" maxLength:"100" doc:"Components with the same group show together; empty for none."`
	Position    *int          `json:"position,omitempty" minimum:"0" maximum:"10000" doc:"Lower first; a new component goes last by default."`
	State       *status.State `json:"state,omitempty" enum:"operational,degraded_performance,partial_outage,major_outage,under_maintenance"`
}

func (b ComponentBody) input() status.ComponentInput {
	return status.ComponentInput{Name: b.Name, Description: b.Description, Group: b.Group, Position: b.Position, State: b.State}
}

// PublishBody puts an incident or a maintenance on the status page.
type PublishBody struct {
	Incident          string                  `json:"incident,omitempty" maxLength:"64" doc:"The internal incident this is the public face of (INC-7); absent for a standalone one such as a maintenance."`
	ConfirmRestricted bool                    `json:"confirm_restricted,omitempty" doc:"Required, and only an administrator may set it, to publish a restricted incident."`
	Kind              status.Kind             `json:"kind,omitempty" enum:"incident,maintenance" doc:"Defaults to incident."`
	Title             string                  `json:"title" maxLength:"200" doc:"The public title, written for customers: nothing is taken from the internal incident."`
	Impact            status.Impact           `json:"impact,omitempty" enum:"none,minor,major,critical,maintenance" doc:"Required for an incident; a maintenance's is maintenance."`
	Status            status.Status           `json:"status,omitempty" enum:"investigating,identified,monitoring,resolved,scheduled,in_progress,verifying,completed" doc:"Defaults to investigating (an incident) or scheduled (a maintenance)."`
	Body              string                  `json:"body" maxLength:"10000" doc:"The first update's text."`
	Components        []string                `json:"components,omitempty" maxItems:"100" doc:"Affected components' IDs."`
	ComponentStates   map[string]status.State `json:"component_states,omitempty" doc:"New states of affected components, by ID."`
	ScheduledFor      *time.Time              `json:"scheduled_for,omitempty" doc:"A maintenance's start."`
	ScheduledUntil    *time.Time              `json:"scheduled_until,omitempty" doc:"A maintenance's end."`
	Notify            *bool                   `json:"notify,omitempty" doc:"Email subscribers; default true."`
}

// PostUpdateBody posts an update to a public incident.
type PostUpdateBody struct {
	Status            status.Status           `json:"status" enum:"investigating,identified,monitoring,resolved,scheduled,in_progress,verifying,completed"`
	Body              string                  `json:"body" maxLength:"10000"`
	Title             string                  `json:"title,omitempty" maxLength:"200" doc:"A new public title; absent keeps it."`
	Impact            status.Impact           `json:"impact,omitempty" enum:"none,minor,major,critical,maintenance" doc:"A new impact; absent keeps it."`
	ComponentStates   map[string]status.State `json:"component_states,omitempty" doc:"New states of affected components, by ID."`
	Notify            *bool                   `json:"notify,omitempty" doc:"Email subscribers; default true."`
	ConfirmRestricted bool                    `json:"confirm_restricted,omitempty" doc:"Required, the first time, to update the public page of an incident that was restricted after it was published (administrators only)."`
}

// SubscribersOutput lists subscribers.
type SubscribersOutput struct {
	Confirmed int                 `json:"confirmed"`
	Items     []status.Subscriber `json:"items"`
}

// IDParam names a status page object in the path.
type IDParam struct {
	ID string `path:"id" maxLength:"64"`
}

func statusActor(ctx context.Context) status.Actor {
	p, _ := principalFrom(ctx)
	return status.Actor{User: p.User.Username, Admin: p.User.Role == auth.Admin}
}

// inBody names the fields of a validation problem or a conflict by their
// place in the body, as the schema checks do (body.title).
func inBody(err error) error {
	e, ok := errs.As(err)
	if !ok || e.Field == "" || e.Code != errs.Invalid && e.Code != errs.Conflict {
		return err
	}
	c := *e
	c.Field = "body." + c.Field
	c.Details = nil
	for _, d := range e.Details {
		c.Details = append(c.Details, errs.Detail{Field: "body." + d.Field, Message: d.Message})
	}
	return &c
}

// The status page's types share their names with others (incident.Incident);
// the OpenAPI document names them by these.
type (
	StatusIncident        status.Incident
	StatusUpdate          status.Update
	StatusComponent       status.Component
	StatusComponentUpdate status.ComponentUpdate
	StatusSubscriber      status.Subscriber
	StatusPage            status.Page
)

func (s *Server) registerStatus(api huma.API) {
	if s.status == nil {
		return
	}
	reg := api.OpenAPI().Components.Schemas
	reg.RegisterTypeAlias(reflect.TypeFor[status.Incident](), reflect.TypeFor[StatusIncident]())
	reg.RegisterTypeAlias(reflect.TypeFor[status.Update](), reflect.TypeFor[StatusUpdate]())
	reg.RegisterTypeAlias(reflect.TypeFor[status.Component](), reflect.TypeFor[StatusComponent]())
	reg.RegisterTypeAlias(reflect.TypeFor[status.ComponentUpdate](), reflect.TypeFor[StatusComponentUpdate]())
	reg.RegisterTypeAlias(reflect.TypeFor[status.Subscriber](), reflect.TypeFor[StatusSubscriber]())
	reg.RegisterTypeAlias(reflect.TypeFor[status.Page](), reflect.TypeFor[StatusPage]())
	tags := []string{"Status page"}
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-status-page", Method: http.MethodGet, Path: "/api/v1/status/page", Tags: tags,
		Summary: "Get the status page's settings", Description: "The public status page's name and time zone.",
	}), s.getStatusPage)
	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "set-status-page", Method: http.MethodPatch, Path: "/api/v1/status/page", Tags: tags,
		Summary: "Change the status page's name or time zone", Description: "Fields left out stay. The time zone is an IANA name; it sets the days of the page's history.",
	}), s.setStatusPage)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-status-components", Method: http.MethodGet, Path: "/api/v1/status/components", Tags: tags,
		Summary: "List the status page's components", Description: "In display order: by position, each group's members together.",
	}), s.listStatusComponents)
	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "create-status-component", Method: http.MethodPost, Path: "/api/v1/status/components", Tags: tags,
		Summary: "Add a component", DefaultStatus: http.StatusCreated,
		Description: "A name is required and unique. The state defaults to operational.",
	}), s.createStatusComponent)
	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "update-status-component", Method: http.MethodPatch, Path: "/api/v1/status/components/{id}", Tags: tags,
		Summary:     "Change a component",
		Description: "A change of state is kept in the component's 90-day history. Responders change states through their incident's updates instead.",
	}), s.updateStatusComponent)
	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "delete-status-component", Method: http.MethodDelete, Path: "/api/v1/status/components/{id}", Tags: tags,
		Summary: "Remove a component and its history", Description: "The component leaves the status page, with its history.", DefaultStatus: http.StatusNoContent,
	}), s.deleteStatusComponent)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-public-incidents", Method: http.MethodGet, Path: "/api/v1/status/incidents", Tags: tags,
		Summary: "List public incidents and maintenances",
		Description: "Newest first, with their updates, including those the public does not see (hidden: a restricted incident " +
			"nobody confirmed). Those of restricted incidents you may not see are left out.",
	}), s.listPublicIncidents)
	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "publish-incident", Method: http.MethodPost, Path: "/api/v1/status/incidents", Tags: tags,
		Summary: "Put an incident or a maintenance on the status page", DefaultStatus: http.StatusCreated,
		Description: "With incident set, it is the public face of that internal incident (one each). The public title and " +
			"text are written here; nothing is copied from the incident. A restricted incident may only be published by an " +
			"administrator with confirm_restricted: 403 for others who take part in it, 422 naming confirm_restricted without it; to someone who may not see it, " +
			"it does not exist (404, as for a ref that names nothing). Subscribers are emailed unless notify is false.",
	}), s.publishIncident)
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-public-incident", Method: http.MethodGet, Path: "/api/v1/status/incidents/{id}", Tags: tags,
		Summary: "Get a public incident with its updates", Description: "A published incident as the status page shows it, with every public update.",
	}), s.getPublicIncident)
	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "post-public-update", Method: http.MethodPost, Path: "/api/v1/status/incidents/{id}/updates", Tags: tags,
		Summary: "Post an update to a public incident", DefaultStatus: http.StatusCreated,
		Description: "Sets its status, optionally a new title, impact and affected components' states; subscribers are " +
			"emailed unless notify is false. Answers with the incident, the new update first.",
	}), s.postPublicUpdate)
	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "unpublish-incident", Method: http.MethodDelete, Path: "/api/v1/status/incidents/{id}", Tags: tags,
		Summary: "Remove a public incident and its updates from the status page", Description: "The public incident and its updates leave the status page.", DefaultStatus: http.StatusNoContent,
	}), s.unpublishIncident)

	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "list-status-subscribers", Method: http.MethodGet, Path: "/api/v1/status/subscribers", Tags: tags,
		Summary: "List email subscribers", Description: "Newest first, pending ones included; confirmed counts those who get updates.",
	}), s.listStatusSubscribers)
	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "delete-status-subscriber", Method: http.MethodDelete, Path: "/api/v1/status/subscribers/{id}", Tags: tags,
		Summary: "Remove a subscriber", Description: "The subscriber gets no further status page notifications.", DefaultStatus: http.StatusNoContent,
	}), s.deleteStatusSubscriber)
}

// getStatusPage serves GET /api/v1/status/page: get the status page's settings.
func (s *Server) getStatusPage(ctx context.Context, _ *struct{}) (*struct{ Body StatusPageOutput }, error) {
	p, err := s.status.Page(ctx)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body StatusPageOutput }{StatusPageOutput{Page: p, URL: s.status.URL(), Subscriptions: s.status.Subscriptions()}}, nil
}

// setStatusPageInput is what set-status-page takes.
type setStatusPageInput struct{ Body StatusPageBody }

// setStatusPage serves PATCH /api/v1/status/page: change the status page's name or time zone.
func (s *Server) setStatusPage(ctx context.Context, in *setStatusPageInput) (*struct{ Body StatusPageOutput }, error) {
	p, err := s.status.SetPage(ctx, statusActor(ctx), status.PageInput{Name: in.Body.Name, TimeZone: in.Body.TimeZone})
	if err != nil {
		return nil, s.problem(ctx, inBody(err))
	}
	return &struct{ Body StatusPageOutput }{StatusPageOutput{Page: p, URL: s.status.URL(), Subscriptions: s.status.Subscriptions()}}, nil
}

// listStatusComponents serves GET /api/v1/status/components: list the status page's components.
func (s *Server) listStatusComponents(ctx context.Context, _ *struct{}) (*struct{ Body Items[status.Component] }, error) {
	c, err := s.status.Components(ctx)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return items(c), nil
}

// createStatusComponentInput is what create-status-component takes.
type createStatusComponentInput struct{ Body ComponentBody }

// createStatusComponent serves POST /api/v1/status/components: add a component.
func (s *Server) createStatusComponent(ctx context.Context, in *createStatusComponentInput) (*struct{ Body status.Component }, error) {
	c, err := s.status.CreateComponent(ctx, statusActor(ctx), in.Body.input())
	if err != nil {
		return nil, s.problem(ctx, inBody(err))
	}
	return &struct{ Body status.Component }{c}, nil
}

// updateStatusComponentInput is what update-status-component takes.
type updateStatusComponentInput struct {
	IDParam
	Body ComponentBody
}

// updateStatusComponent serves PATCH /api/v1/status/components/{id}: change a component.
func (s *Server) updateStatusComponent(ctx context.Context, in *updateStatusComponentInput) (*struct{ Body status.Component }, error) {
	c, err := s.status.UpdateComponent(ctx, statusActor(ctx), in.ID, in.Body.input())
	if err != nil {
		return nil, s.problem(ctx, inBody(err))
	}
	return &struct{ Body status.Component }{c}, nil
}

// deleteStatusComponent serves DELETE /api/v1/status/components/{id}: remove a component and its history.
func (s *Server) deleteStatusComponent(ctx context.Context, in *IDParam) (*struct{}, error) {
	if err := s.status.DeleteComponent(ctx, statusActor(ctx), in.ID); err != nil {
		return nil, s.problem(ctx, err)
	}
	return nil, nil
}

// listPublicIncidentsInput is what list-public-incidents takes.
type listPublicIncidentsInput struct {
	Active bool `query:"active" doc:"Only unresolved incidents and maintenances not completed."`
	Limit  int  `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

// listPublicIncidents serves GET /api/v1/status/incidents: list public incidents and maintenances.
func (s *Server) listPublicIncidents(ctx context.Context, in *listPublicIncidentsInput) (*struct{ Body Items[status.Incident] }, error) {
	list, err := s.status.Staff(ctx, statusActor(ctx), status.Query{Active: in.Active, Limit: in.Limit})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return items(list), nil
}

// publishIncidentInput is what publish-incident takes.
type publishIncidentInput struct{ Body PublishBody }

// publishIncident serves POST /api/v1/status/incidents: put an incident or a maintenance on the status page.
func (s *Server) publishIncident(ctx context.Context, in *publishIncidentInput) (*struct{ Body status.Incident }, error) {
	b := in.Body
	inc, err := s.status.Publish(ctx, statusActor(ctx), status.PublishInput{Incident: b.Incident, ConfirmRestricted: b.ConfirmRestricted,
		Kind: b.Kind, Title: b.Title, Impact: b.Impact, Status: b.Status, Body: b.Body, Components: b.Components, States: b.ComponentStates,
		ScheduledFor: b.ScheduledFor, ScheduledUntil: b.ScheduledUntil, Notify: b.Notify})
	if err != nil {
		return nil, s.problem(ctx, inBody(err))
	}
	return &struct{ Body status.Incident }{inc}, nil
}

// getPublicIncident serves GET /api/v1/status/incidents/{id}: get a public incident with its updates.
func (s *Server) getPublicIncident(ctx context.Context, in *IDParam) (*struct{ Body status.Incident }, error) {
	inc, err := s.status.Get(ctx, statusActor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body status.Incident }{inc}, nil
}

// postPublicUpdateInput is what post-public-update takes.
type postPublicUpdateInput struct {
	IDParam
	Body PostUpdateBody
}

// postPublicUpdate serves POST /api/v1/status/incidents/{id}/updates: post an update to a public incident.
func (s *Server) postPublicUpdate(ctx context.Context, in *postPublicUpdateInput) (*struct{ Body status.Incident }, error) {
	b := in.Body
	inc, err := s.status.Post(ctx, statusActor(ctx), in.ID, status.UpdateInput{Status: b.Status, Body: b.Body, Title: b.Title,
		Impact: b.Impact, States: b.ComponentStates, Notify: b.Notify, ConfirmRestricted: b.ConfirmRestricted})
	if err != nil {
		return nil, s.problem(ctx, inBody(err))
	}
	return &struct{ Body status.Incident }{inc}, nil
}

// unpublishIncident serves DELETE /api/v1/status/incidents/{id}: remove a public incident and its updates from the status page.
func (s *Server) unpublishIncident(ctx context.Context, in *IDParam) (*struct{}, error) {
	if err := s.status.Unpublish(ctx, statusActor(ctx), in.ID); err != nil {
		return nil, s.problem(ctx, err)
	}
	return nil, nil
}

// listStatusSubscribers serves GET /api/v1/status/subscribers: list email subscribers.
func (s *Server) listStatusSubscribers(ctx context.Context, _ *struct{}) (*struct{ Body SubscribersOutput }, error) {
	list, n, err := s.status.Subscribers(ctx, statusActor(ctx), 1000)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body SubscribersOutput }{SubscribersOutput{Confirmed: n, Items: list}}, nil
}

// deleteStatusSubscriber serves DELETE /api/v1/status/subscribers/{id}: remove a subscriber.
func (s *Server) deleteStatusSubscriber(ctx context.Context, in *IDParam) (*struct{}, error) {
	if err := s.status.RemoveSubscriber(ctx, statusActor(ctx), in.ID); err != nil {
		return nil, s.problem(ctx, err)
	}
	return nil, nil
}
