package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
)

// OpenAPIDocument builds the whole API in-process, on a throwaway SQLite
// database in a temporary directory, and returns its OpenAPI document as
// the server serves it at /api/v1/openapi.json (or, with v30, the OpenAPI
// 3.0 downgrade served at /api/v1/openapi-3.0.json). Nothing listens.
func OpenAPIDocument(ctx context.Context, version string, v30 bool) (doc []byte, err error) {
	dir, err := os.MkdirTemp("", "firebreak-openapi-")
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	defer func() { err = errors.Join(err, os.RemoveAll(dir)) }()
	a, err := New(ctx, Config{Addr: "127.0.0.1:0", DSN: filepath.Join(dir, "firebreak.db"), Version: version})
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	defer func() { err = errors.Join(err, a.Stop(ctx)) }()
	path := "/api/v1/openapi.json"
	if v30 {
		path = "/api/v1/openapi-3.0.json"
	}
	// Asked of the server's own handler, so the answer is the served one.
	rec := httptest.NewRecorder()
	a.srv.Handler.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil))
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("openapi: GET %s: %d %s", path, rec.Code, rec.Body.String())
	}
	return rec.Body.Bytes(), nil
}
