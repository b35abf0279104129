package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// Deliveries lists outgoing messages (the outbox), newest first, filtered
// by q, and the cursor of the next page ("" on the last).
func (c *Client) Deliveries(ctx context.Context, q outbox.Query) ([]httpapi.DeliveryView, string, error) {
	v := url.Values{}
	for k, s := range map[string]string{"kind": q.Kind, "state": string(q.State), "subject_kind": q.SubjectKind,
		"subject_id": q.SubjectID, "incident": q.Incident, "before": q.Before} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var out httpapi.DeliveriesOutput
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/deliveries", query: v}, &out.Body)
	return out.Body.Items, out.Body.Next, err
}
