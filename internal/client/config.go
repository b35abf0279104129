package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/firebreak-ir/firebreak/internal/config"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

// ConfigError is a refused on-call file: its problems, each placed in the
// file. Nothing was changed.
type ConfigError struct {
	Err      *Error
	Problems config.Problems
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("the on-call file has %d problem(s); nothing was changed", len(e.Problems))
}

func (e *ConfigError) Unwrap() error { return e.Err }

// ApplyConfig sends an on-call file (admin) with the values of the
// environment variables it names; with in.DryRun the server only reports
// what it would change. A file the server refuses is a *ConfigError.
func (c *Client) ApplyConfig(ctx context.Context, in httpapi.ConfigApplyBody) (httpapi.ConfigChanges, error) {
	var out httpapi.ConfigChanges
	err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/config/apply", body: in}, &out)
	var e *Error
	if errors.As(err, &e) && len(e.Problem.Problems) > 0 {
		var ps config.Problems
		if json.Unmarshal(e.Problem.Problems, &ps) == nil && len(ps) > 0 {
			return out, &ConfigError{Err: e, Problems: ps}
		}
	}
	return out, err
}
