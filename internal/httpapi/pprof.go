package httpapi

import (
	"context"
	"net/http"
	"net/http/pprof"
	runtimepprof "runtime/pprof"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/firebreak-ir/firebreak/internal/auth"
)

// PprofPrefix is where serve --pprof mounts Go's profiling handlers.
const PprofPrefix = "/debug/pprof/"

// pprofHandlers are the named endpoints that are not runtime profiles;
// every other name is looked up with runtime/pprof (heap, goroutine,
// allocs, block, mutex, threadcreate, and any a library registers).
var pprofHandlers = map[string]http.HandlerFunc{
	"cmdline": pprof.Cmdline,
	"profile": pprof.Profile,
	"symbol":  pprof.Symbol,
	"trace":   pprof.Trace,
}

// PprofParams names one profile.
type PprofParams struct {
	Profile string `path:"profile" doc:"heap, goroutine, allocs, block, mutex, threadcreate, profile (CPU), trace, cmdline or symbol."`
}

// registerPprof puts net/http/pprof's handlers under /debug/pprof/ as
// admin operations, so they pass the same authentication and
// authorisation as the API (401 without a token, 403 below admin): a
// profile shows memory contents, command lines and timings. Built from
// the handler functions, never http.DefaultServeMux.
func (s *Server) registerPprof(api huma.API) {
	tags := []string{"Profiling"}
	text := map[string]*huma.MediaType{"text/html": {Schema: &huma.Schema{Type: "string"}}}
	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "get-pprof-index", Method: http.MethodGet, Path: PprofPrefix, Tags: tags,
		Summary:     "The profiles (serve --pprof)",
		Description: "Go's profiling index, as net/http/pprof serves it; only with serve --pprof.",
		Responses:   map[string]*huma.Response{"200": {Description: "The index page.", Content: text}},
	}), func(context.Context, *struct{}) (*huma.StreamResponse, error) {
		return &huma.StreamResponse{Body: func(hc huma.Context) {
			r, w := humago.Unwrap(hc)
			pprof.Index(w, r)
		}}, nil
	})
	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "get-pprof-profile", Method: http.MethodGet, Path: PprofPrefix + "{profile}", Tags: tags,
		Summary: "One profile (serve --pprof)",
		Description: "A profile in pprof's format, or as text with ?debug=1; profile (CPU) and trace take ?seconds= " +
			"(default 30, below the server's write timeout). Only with serve --pprof.",
		Errors: []int{http.StatusBadRequest, http.StatusNotFound},
		Responses: map[string]*huma.Response{"200": {Description: "The profile.", Content: map[string]*huma.MediaType{
			"application/octet-stream": {Schema: &huma.Schema{Type: "string", Format: "binary"}},
			"text/plain":               {Schema: &huma.Schema{Type: "string"}}}}},
	}), func(_ context.Context, in *PprofParams) (*huma.StreamResponse, error) {
		h, ok := pprofHandlers[in.Profile]
		if !ok {
			if runtimepprof.Lookup(in.Profile) == nil {
				return nil, huma.Error404NotFound("no such profile: " + in.Profile)
			}
			h = pprof.Handler(in.Profile).ServeHTTP
		}
		return &huma.StreamResponse{Body: func(hc huma.Context) {
			r, w := humago.Unwrap(hc)
			h(w, r)
		}}, nil
	})
}
