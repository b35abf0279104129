package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// IncidentTasks reads an incident's tasks, their progress per phase, the
// plans applied and the plans suggested.
func (c *Client) IncidentTasks(ctx context.Context, ref string) (httpapi.IncidentTasks, error) {
	var out httpapi.IncidentTasks
	err := c.do(ctx, request{method: http.MethodGet, path: incPath(ref, "tasks")}, &out)
	return out, err
}

// AddTask adds a task by hand; it is the last of the answer's tasks.
func (c *Client) AddTask(ctx context.Context, ref string, b httpapi.TaskBody) (incident.Incident, error) {
	var out incident.Incident
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "tasks"), body: b}, &out)
	return out, err
}

// UpdateTask changes a task.
func (c *Client) UpdateTask(ctx context.Context, ref, key string, b httpapi.TaskPatchBody) (incident.Incident, error) {
	var out incident.Incident
	err := c.do(ctx, request{method: http.MethodPatch, path: incPath(ref, "tasks", key), body: b}, &out)
	return out, err
}

// ApplyPlan applies a response plan by hand.
func (c *Client) ApplyPlan(ctx context.Context, ref, name string) (incident.Incident, error) {
	var out incident.Incident
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "plans"), body: httpapi.ApplyPlanBody{Plan: name}}, &out)
	return out, err
}

// DetachPlan removes a plan's open tasks.
func (c *Client) DetachPlan(ctx context.Context, ref, name, reason string) (incident.Incident, error) {
	q := url.Values{}
	if reason != "" {
		q.Set("reason", reason)
	}
	var out incident.Incident
	err := c.do(ctx, request{method: http.MethodDelete, path: incPath(ref, "plans", name), query: q}, &out)
	return out, err
}

// AssessmentForm reads the impact assessment form.
func (c *Client) AssessmentForm(ctx context.Context) (incident.Impact, error) {
	var out incident.Impact
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/assessment"}, &out)
	return out, err
}

// Assess records an impact assessment.
func (c *Client) Assess(ctx context.Context, ref string, b httpapi.AssessBody) (incident.Incident, error) {
	var out incident.Incident
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "assessment"), body: b}, &out)
	return out, err
}

// TaskOptions filter tasks across incidents.
type TaskOptions struct {
	Assignee     string // "me", a username, or empty for everyone's
	All          bool   // done and skipped tasks too
	Overdue      bool
	AllIncidents bool // tasks of closed incidents too
	Limit        int
}

// Tasks lists tasks across the incidents the caller may see.
func (c *Client) Tasks(ctx context.Context, o TaskOptions) ([]incident.TaskRow, error) {
	q := url.Values{}
	if o.Assignee != "" {
		q.Set("assignee", o.Assignee)
	}
	if o.All {
		q.Set("state", "all")
	}
	if o.Overdue {
		q.Set("overdue", "true")
	}
	if o.AllIncidents {
		q.Set("incidents", "all")
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	var out struct {
		Items []incident.TaskRow `json:"items"`
	}
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/tasks", query: q}, &out)
	return out.Items, err
}
