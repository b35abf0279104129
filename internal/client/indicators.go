package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

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

// ExportIndicators returns an incident's indicators as a STIX 2.1 bundle
// (format "stix") or CSV ("csv"), as the server wrote them.
func (c *Client) ExportIndicators(ctx context.Context, ref, format string) ([]byte, error) {
	u := c.BaseURL + incPath(ref, "indicators", "export") + "?" + url.Values{"format": {format}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", c.BaseURL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		e := &Error{Status: resp.StatusCode}
		if json.Unmarshal(data, &e.Problem) != nil {
			e.Problem.Detail = strings.TrimSpace(string(data))
		}
		return nil, e
	}
	return data, nil
}

// ImportIndicators adds the indicators of a STIX 2.1 bundle.
func (c *Client) ImportIndicators(ctx context.Context, ref string, bundle []byte) (indicators.ImportResult, error) {
	var out indicators.ImportResult
	if !json.Valid(bundle) {
		return out, fmt.Errorf("the bundle is not JSON")
	}
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "indicators", "import"), body: json.RawMessage(bundle)}, &out)
	return out, err
}
