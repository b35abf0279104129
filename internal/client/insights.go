package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/insights"
)

// InsightsQuery is what the insights cover; empty fields take the
// server's defaults (month, by severity, the year to today).
type InsightsQuery struct {
	Period, By, From, To string
}

func (q InsightsQuery) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"period": q.Period, "by": q.By, "from": q.From, "to": q.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// Insights returns the figures per period and group.
func (c *Client) Insights(ctx context.Context, q InsightsQuery) (insights.Report, error) {
	var rep insights.Report
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/insights", query: q.values()}, &rep)
	return rep, err
}

// InsightsCSV returns the figures as the server's CSV.
func (c *Client) InsightsCSV(ctx context.Context, q InsightsQuery) ([]byte, error) {
	u := c.BaseURL + "/api/v1/insights.csv"
	if v := q.values(); len(v) > 0 {
		u += "?" + v.Encode()
	}
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
