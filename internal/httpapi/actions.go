package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Action items: follow-ups that came from an incident and outlive it
// (issue 17).

// TrackerBody links an item to an external tracker.
type TrackerBody struct {
	URL string `json:"url,omitempty" maxLength:"2048" doc:"The issue's http(s) URL."`
	Key string `json:"key,omitempty" maxLength:"100" doc:"Its key there: PROJ-12, #34."`
}

// ActionBody is a new action item.
type ActionBody struct {
	Title       string       `json:"title" minLength:"1" maxLength:"200"`
	Description string       `json:"description,omitempty" maxLength:"65536" doc:"Markdown."`
	Owner       string       `json:"owner" minLength:"1" maxLength:"200" doc:"An existing user (422, owner, otherwise)."`
	Team        string       `json:"team,omitempty" maxLength:"200" doc:"A configured team."`
	Due         string       `json:"due" minLength:"1" maxLength:"10" doc:"YYYY-MM-DD in the organisation's time zone; today or later (422, due)."`
	Priority    string       `json:"priority,omitempty" enum:"p1,p2,p3,p4" doc:"p3 when left out."`
	Kind        string       `json:"kind,omitempty" enum:"prevent,detect,mitigate,process" doc:"prevent when left out."`
	Tracker     *TrackerBody `json:"tracker,omitempty"`
}

// ActionPatchBody changes an item; fields left out keep their value.
type ActionPatchBody struct {
	Title       *string      `json:"title,omitempty" maxLength:"200"`
	Description *string      `json:"description,omitempty" maxLength:"65536"`
	Owner       *string      `json:"owner,omitempty" maxLength:"200"`
	Team        *string      `json:"team,omitempty" maxLength:"200" doc:"Empty to clear."`
	Due         *string      `json:"due,omitempty" maxLength:"10" doc:"A new date may not be in the past."`
	Priority    *string      `json:"priority,omitempty" enum:"p1,p2,p3,p4"`
	Kind        *string      `json:"kind,omitempty" enum:"prevent,detect,mitigate,process"`
	Tracker     *TrackerBody `json:"tracker,omitempty" doc:"Both fields empty to unlink."`
	State       *string      `json:"state,omitempty" enum:"open,in_progress,done,wont_do" doc:"open → in_progress → done or wont_do; either end may be reopened."`
	Reason      *string      `json:"reason,omitempty" maxLength:"20000" doc:"Why it won't be done: required with wont_do."`
}

// ActionIDParam names an action item in the path.
type ActionIDParam struct {
	ID string `path:"id" maxLength:"32" doc:"ACT-<number>."`
}

// ActionListInput filters GET /actions.
type ActionListInput struct {
	Owner    string   `query:"owner" maxLength:"200" doc:"A user name, or me."`
	Team     string   `query:"team" maxLength:"200" doc:"A team name, or mine (every team the caller is a member of)."`
	State    []string `query:"state,explode" doc:"open, in_progress, done, wont_do; repeat or comma-separate for several; every state when left out."`
	Overdue  bool     `query:"overdue" doc:"Only items still open past their due date."`
	Incident string   `query:"incident" maxLength:"64" doc:"Only this incident's items (INC-7)."`
	Limit    int      `query:"limit" minimum:"1" maximum:"500" default:"500"`
}

// ActionsOutput lists action items.
type ActionsOutput struct {
	Body struct {
		Items []actions.Action `json:"items"`
	}
}

// ActionOutput is one action item; its ETag is its version.
type ActionOutput struct {
	ETag string `header:"ETag"`
	Body actions.Action
}

func (s *Server) registerActions(api huma.API) {
	if s.actions == nil {
		return
	}
	tags := []string{"Action items"}
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-actions", Method: http.MethodGet, Path: "/api/v1/actions", Tags: tags,
		Summary:     "List action items across incidents",
		Description: "Soonest due first; items of restricted incidents only to those who may see the incident. owner=me is the caller's, team=mine their teams', overdue=true the ones still open past their due date.",
	}), s.listActions)
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-action", Method: http.MethodGet, Path: "/api/v1/actions/{id}", Tags: tags,
		Summary: "Get an action item", Description: "Its ETag is its version, for If-Match on PATCH.",
	}), s.getAction)
	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "update-action", Method: http.MethodPatch, Path: "/api/v1/actions/{id}", Tags: tags,
		Summary: "Change an action item",
		Description: "Fields, or the state (open → in_progress → done or wont_do, with a reason for wont_do; either end may be reopened). " +
			"Each change is an action.updated event on the incident's chain, also after the incident closed. If-Match applies it only to that version (412 otherwise).",
	}), s.updateAction)
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-incident-actions", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/actions", Tags: tags,
		Summary: "List an incident's action items", Description: "By number.",
	}), s.listIncidentActions)
	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "create-action", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/actions", Tags: tags,
		Summary: "Add an action item to an incident", DefaultStatus: http.StatusCreated,
		Description: "An action.created event on the incident's chain, also after it closed. The owner must be a user (422, owner), the due date today or later in the organisation's time zone (422, due).",
	}), s.createAction)
}

func (s *Server) listActions(ctx context.Context, in *ActionListInput) (*ActionsOutput, error) {
	v := viewer(ctx)
	f := actions.Filter{Viewer: v, Owner: strings.TrimSpace(in.Owner), Overdue: in.Overdue, Limit: in.Limit}
	if f.Owner == "me" {
		f.Owner = v.User
	}
	switch team := strings.TrimSpace(in.Team); team {
	case "":
	case "mine":
		ts, err := s.actions.TeamsOf(ctx, v.User)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		f.Teams = append([]string{}, ts...)
	default:
		f.Teams = []string{team}
	}
	for _, st := range in.State {
		for _, one := range strings.Split(st, ",") {
			if one = strings.TrimSpace(one); one != "" {
				f.States = append(f.States, actions.State(one))
			}
		}
	}
	if in.Incident != "" {
		inc, err := s.incidents.Get(ctx, v, in.Incident)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		f.IncidentID = inc.ID
	}
	items, err := s.actions.List(ctx, f)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &ActionsOutput{}
	out.Body.Items = items
	return out, nil
}

func (s *Server) getAction(ctx context.Context, in *ActionIDParam) (*ActionOutput, error) {
	a, err := s.actions.Get(ctx, viewer(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &ActionOutput{ETag: etag(a.Version), Body: a}, nil
}

type updateActionInput struct {
	ActionIDParam
	IfMatch
	Body ActionPatchBody
}

func (s *Server) updateAction(ctx context.Context, in *updateActionInput) (*ActionOutput, error) {
	ver, err := in.version()
	if err != nil {
		return nil, s.problem(ctx, errs.E(errs.Invalid, "If-Match", "must be an action item version such as \"3\""))
	}
	// One the caller may not see is not found before anything is decided.
	if _, err := s.actions.Get(ctx, viewer(ctx), in.ID); err != nil {
		return nil, s.problem(ctx, err)
	}
	b := in.Body
	p := actions.Patch{Title: b.Title, Description: b.Description, Owner: b.Owner, Team: b.Team, Due: b.Due, Reason: b.Reason}
	if ver != nil {
		p.IfVersion = *ver
	}
	if b.Priority != nil {
		v := actions.Priority(*b.Priority)
		p.Priority = &v
	}
	if b.Kind != nil {
		v := actions.Kind(*b.Kind)
		p.Kind = &v
	}
	if b.State != nil {
		v := actions.State(*b.State)
		p.State = &v
	}
	if b.Tracker != nil {
		p.Tracker = &actions.Tracker{URL: b.Tracker.URL, Key: b.Tracker.Key}
	}
	a, err := s.actions.Update(ctx, viewer(ctx), in.ID, p)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &ActionOutput{ETag: etag(a.Version), Body: a}, nil
}

func (s *Server) listIncidentActions(ctx context.Context, in *RefParam) (*ActionsOutput, error) {
	_, items, err := s.actions.ForIncident(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &ActionsOutput{}
	out.Body.Items = items
	return out, nil
}

type createActionInput struct {
	RefParam
	Body ActionBody
}

func (s *Server) createAction(ctx context.Context, in *createActionInput) (*ActionOutput, error) {
	b := in.Body
	ai := actions.Input{Title: b.Title, Description: b.Description, Owner: b.Owner, Team: b.Team, Due: b.Due,
		Priority: actions.Priority(b.Priority), Kind: actions.Kind(b.Kind)}
	if b.Tracker != nil {
		ai.Tracker = actions.Tracker{URL: b.Tracker.URL, Key: b.Tracker.Key}
	}
	a, err := s.actions.Create(ctx, viewer(ctx), in.Ref, ai)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &ActionOutput{ETag: etag(a.Version), Body: a}, nil
}
