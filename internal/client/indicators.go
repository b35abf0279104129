package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/indicators"
)

// Indicators lists an incident's indicators with where else each was seen.
func (c *Client) Indicators(ctx context.Context, ref string) ([]httpapi.IndicatorView, error) {
	var out struct {
		Items []httpapi.IndicatorView `json:"items"`
	}
	err := c.do(ctx, request{method: http.MethodGet, path: incPath(ref, "indicators")}, &out)
	return out.Items, err
}

// AddIndicators adds one indicator (type and value), or those found in
// b.Text; with b.Preview only the candidates are returned.
func (c *Client) AddIndicators(ctx context.Context, ref string, b httpapi.AddIndicatorsBody) (httpapi.AddIndicatorsResult, error) {
	var out httpapi.AddIndicatorsResult
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "indicators"), body: b}, &out)
	return out, err
}

// UpdateIndicator changes an indicator.
func (c *Client) UpdateIndicator(ctx context.Context, ref, id string, p indicators.Patch) (httpapi.IndicatorView, error) {
	var out httpapi.IndicatorView
	err := c.do(ctx, request{method: http.MethodPatch, path: incPath(ref, "indicators", id), body: p}, &out)
	return out, err
}

// LookupIndicator finds a value across the incidents you may see.
func (c *Client) LookupIndicator(ctx context.Context, value string) (httpapi.LookupResult, error) {
	var out httpapi.LookupResult
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/indicators/lookup", query: url.Values{"value": {value}}}, &out)
	return out, err
}
