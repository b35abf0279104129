package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

// DeadJobs lists the dead jobs (state "dead", or "discarded"), newest
// first, at most limit (0: the server's default), and how many there are.
func (c *Client) DeadJobs(ctx context.Context, state string, limit int) ([]engine.DeadJob, int, error) {
	q := url.Values{}
	if state != "" {
		q.Set("state", state)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out httpapi.DeadJobsOutput
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/jobs/dead", query: q}, &out.Body)
	return out.Body.Items, out.Body.Total, err
}

// RetryDeadJob runs a dead job again, due now, attempts afresh.
func (c *Client) RetryDeadJob(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodPost, path: "/api/v1/jobs/dead/" + url.PathEscape(id) + "/retry"}, nil)
}

// DiscardDeadJob sets a dead job aside for good.
func (c *Client) DiscardDeadJob(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/api/v1/jobs/dead/" + url.PathEscape(id)}, nil)
}
