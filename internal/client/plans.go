package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

func planPath(name string, rest ...string) string {
	p := "/api/v1/plans/" + url.PathEscape(name)
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}

// Plans lists the current response plans, by name.
func (c *Client) Plans(ctx context.Context) ([]plan.Versioned, error) {
	// httpapi.PlanView is plan.Versioned's JSON.
	var out struct {
		Items []plan.Versioned `json:"items"`
	}
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/plans"}, &out)
	return out.Items, err
}

// Plan returns a plan's current version, or version when it is above 0.
func (c *Client) Plan(ctx context.Context, name string, version int) (plan.Versioned, error) {
	var q url.Values
	if version > 0 {
		q = url.Values{"version": {strconv.Itoa(version)}}
	}
	var out plan.Versioned
	err := c.do(ctx, request{method: http.MethodGet, path: planPath(name), query: q}, &out)
	return out, err
}

// PlanVersions lists a plan's versions, oldest first.
func (c *Client) PlanVersions(ctx context.Context, name string) ([]httpapi.PlanVersionView, error) {
	var out httpapi.PlanVersionsOutput
	err := c.do(ctx, request{method: http.MethodGet, path: planPath(name, "versions")}, &out.Body)
	return out.Body.Items, err
}

// PutPlan stores p as its name's next version when it changed; the result
// is httpapi.PlanCreated, PlanUpdated or PlanUnchanged.
func (c *Client) PutPlan(ctx context.Context, p plan.Plan) (plan.Versioned, string, error) {
	doc, err := httpapi.PlanDocumentJSON(p)
	if err != nil {
		return plan.Versioned{}, "", err
	}
	return c.putPlan(ctx, p.Name, doc)
}

// PutPlanYAML stores a plan written as YAML under name, as PutPlan.
func (c *Client) PutPlanYAML(ctx context.Context, name, text string) (plan.Versioned, string, error) {
	doc, err := httpapi.PlanDocumentYAML(text)
	if err != nil {
		return plan.Versioned{}, "", err
	}
	return c.putPlan(ctx, name, doc)
}

func (c *Client) putPlan(ctx context.Context, name string, doc httpapi.PlanDocument) (plan.Versioned, string, error) {
	var out struct {
		Result string         `json:"result"`
		Plan   plan.Versioned `json:"plan"`
	}
	err := c.do(ctx, request{method: http.MethodPut, path: planPath(name), body: doc}, &out)
	return out.Plan, out.Result, err
}

// DeletePlan deletes a plan (a tombstone version).
func (c *Client) DeletePlan(ctx context.Context, name string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: planPath(name)}, nil)
}
