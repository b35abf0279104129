package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

// ActionFilter narrows Actions; the zero value lists every item the caller
// may see.
type ActionFilter struct {
	Owner    string // a user name, or "me"
	Team     string // a team name, or "mine"
	States   []string
	Overdue  bool
	Incident string
}

// Actions lists action items across incidents, soonest due first.
func (c *Client) Actions(ctx context.Context, f ActionFilter) ([]actions.Action, error) {
	q := url.Values{}
	if f.Owner != "" {
		q.Set("owner", f.Owner)
	}
	if f.Team != "" {
		q.Set("team", f.Team)
	}
	for _, s := range f.States {
		q.Add("state", s)
	}
	if f.Overdue {
		q.Set("overdue", "true")
	}
	if f.Incident != "" {
		q.Set("incident", f.Incident)
	}
	var out httpapi.ActionsOutput
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/actions", query: q}, &out.Body)
	return out.Body.Items, err
}

// Action returns one action item.
func (c *Client) Action(ctx context.Context, id string) (actions.Action, error) {
	var out actions.Action
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/actions/" + url.PathEscape(id)}, &out)
	return out, err
}

// IncidentActions lists an incident's action items.
func (c *Client) IncidentActions(ctx context.Context, ref string) ([]actions.Action, error) {
	var out httpapi.ActionsOutput
	err := c.do(ctx, request{method: http.MethodGet, path: incPath(ref) + "/actions"}, &out.Body)
	return out.Body.Items, err
}

// CreateAction adds an action item to an incident.
func (c *Client) CreateAction(ctx context.Context, ref string, in httpapi.ActionBody) (actions.Action, error) {
	var out actions.Action
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref) + "/actions", body: in}, &out)
	return out, err
}

// UpdateAction changes an action item; version, when > 0, is sent as
// If-Match.
func (c *Client) UpdateAction(ctx context.Context, id string, in httpapi.ActionPatchBody, version int64) (actions.Action, error) {
	var out actions.Action
	err := c.do(ctx, request{method: http.MethodPatch, path: "/api/v1/actions/" + url.PathEscape(id), body: in, header: ifMatch(version)}, &out)
	return out, err
}
