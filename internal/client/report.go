package client

import (
	"context"
	"net/http"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

// Report files an internal report and returns its reference.
func (c *Client) Report(ctx context.Context, title, description string) (string, error) {
	var out struct {
		Reference string `json:"reference"`
	}
	err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/reports", body: httpapi.ReportBody{Title: title, Description: description}}, &out)
	return out.Reference, err
}
