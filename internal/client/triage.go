package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// Integrations lists the configured integrations (admin).
func (c *Client) Integrations(ctx context.Context) ([]triage.Integration, error) {
	var out struct {
		Items []triage.Integration `json:"items"`
	}
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/integrations"}, &out)
	return out.Items, err
}

// CreateIntegration adds an integration (admin). The answer carries its
// token and webhook URL, shown this once.
func (c *Client) CreateIntegration(ctx context.Context, in httpapi.IntegrationBody) (httpapi.NewIntegration, error) {
	var out httpapi.NewIntegration
	err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/integrations", body: in}, &out)
	return out, err
}

// DisableIntegration turns an integration's token off (admin).
func (c *Client) DisableIntegration(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/api/v1/integrations/" + url.PathEscape(id)}, nil)
}

// Queue lists the triage queue, most severe first, then newest; all
// includes entries no longer waiting. limit ≤ 0 is the server's default.
func (c *Client) Queue(ctx context.Context, all bool, limit int) ([]httpapi.TriageEntry, error) {
	p, err := c.QueuePage(ctx, all, limit, "")
	return p.Items, err
}

// QueuePage is one page of the triage queue.
type QueuePage struct {
	Items      []httpapi.TriageEntry `json:"items"`
	NextCursor string                `json:"next_cursor,omitempty"`
}

// QueuePage lists the page of the queue after cursor ("" for the first).
func (c *Client) QueuePage(ctx context.Context, all bool, limit int, cursor string) (QueuePage, error) {
	q := url.Values{}
	if all {
		q.Set("all", "true")
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var out QueuePage
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/triage", query: q}, &out)
	return out, err
}

func triagePath(id string, action ...string) string {
	p := "/api/v1/triage/" + url.PathEscape(id)
	for _, a := range action {
		p += "/" + a
	}
	return p
}

// Entry returns a queue entry with its alerts and record.
func (c *Client) Entry(ctx context.Context, id string) (httpapi.TriageDetail, error) {
	var out httpapi.TriageDetail
	err := c.do(ctx, request{method: http.MethodGet, path: triagePath(id)}, &out)
	return out, err
}

// Acknowledge records that the caller started assessing an entry.
func (c *Client) Acknowledge(ctx context.Context, id string) (httpapi.TriageEntry, error) {
	var out httpapi.TriageEntry
	err := c.do(ctx, request{method: http.MethodPost, path: triagePath(id, "acknowledge")}, &out)
	return out, err
}

// Dismiss takes an entry out of the queue; reason is required.
func (c *Client) Dismiss(ctx context.Context, id, reason string) (httpapi.TriageEntry, error) {
	var out httpapi.TriageEntry
	err := c.do(ctx, request{method: http.MethodPost, path: triagePath(id, "dismiss"), body: httpapi.DismissBody{Reason: reason}}, &out)
	return out, err
}

// Snooze hides an entry until a time.
func (c *Client) Snooze(ctx context.Context, id string, until time.Time) (httpapi.TriageEntry, error) {
	var out httpapi.TriageEntry
	err := c.do(ctx, request{method: http.MethodPost, path: triagePath(id, "snooze"), body: httpapi.SnoozeBody{Until: &until}}, &out)
	return out, err
}

// DeclareFromQueue declares an incident from an entry; fields left empty
// come from the alerts. A non-empty idempotencyKey makes retries safe.
func (c *Client) DeclareFromQueue(ctx context.Context, id string, in httpapi.TriageDeclareBody, idempotencyKey string) (incident.Incident, error) {
	var out incident.Incident
	var h http.Header
	if idempotencyKey != "" {
		h = http.Header{"Idempotency-Key": {idempotencyKey}}
	}
	err := c.do(ctx, request{method: http.MethodPost, path: triagePath(id, "declare"), body: in, header: h}, &out)
	return out, err
}

// Attach feeds an entry into an open incident, named by ref or ID.
func (c *Client) Attach(ctx context.Context, id, incidentRef string) (incident.Incident, error) {
	var out incident.Incident
	err := c.do(ctx, request{method: http.MethodPost, path: triagePath(id, "attach"), body: httpapi.AttachBody{Incident: incidentRef}}, &out)
	return out, err
}
