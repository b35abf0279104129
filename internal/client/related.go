package client

import (
	"context"
	"net/http"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

// Related lists the past incidents sharing the incident's type, an asset
// or an indicator, with their post-mortem and open action items.
func (c *Client) Related(ctx context.Context, ref string) (httpapi.RelatedBody, error) {
	var out httpapi.RelatedBody
	err := c.do(ctx, request{method: http.MethodGet, path: incPath(ref) + "/related"}, &out)
	return out, err
}
