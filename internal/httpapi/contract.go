package httpapi

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// The document's contact: the project, since each deployment's operators
// are not known to the code.
const (
	contactName = "Firebreak"
	contactURL  = "https://github.com/firebreak-ir/firebreak/issues"
)

// tagDescriptions describe the document's tags. TestOpenAPITagsAreDescribed
// fails when an operation uses a tag missing here.
var tagDescriptions = map[string]string{
	"Action items":                  "Post-mortem action items: owners, due dates, reminders, done or won't do.",
	"Assets, credentials and fixes": "Affected assets, compromised credentials and the fixes applied, recorded on an incident.",
	"Configuration":                 "Configuration as code: validate and apply the on-call and policy YAML, export what is stored.",
	"Contacts":                      "A person's contact methods (verified before use) and the rules that say when each is paged.",
	"Escalations":                   "Escalation policies running for incidents and triage entries: acknowledge, escalate, page by hand.",
	"Evidence":                      "Evidence files of an incident and their chain of custody.",
	"Incidents":                     "Declare, classify and carry incidents through the lifecycle; roles, the timeline and the post-mortem.",
	"Indicators":                    "Indicators of compromise (addresses, domains, hashes…) seen in incidents.",
	"Insights":                      "Figures of the response programme: times to assess, contain and recover, trends, post-mortem follow-up.",
	"Integrations":                  "Monitoring integrations: each has the secret its webhook (/hooks/…) is called with.",
	"Jobs":                          "Durable background jobs: the dead ones, retried or discarded by an admin.",
	"Notices":                       "Notices to customers and regulators: drafts from templates, approval, sending and its record.",
	"Notification duties":           "Legal and contractual notification duties of an incident, computed from its facts, with their deadlines.",
	"On-call":                       "Teams, services, schedules, overrides, escalation policies and incident rules; who is on call.",
	"Profiling":                     "Go's runtime profiles (net/http/pprof) for administrators, only when the server runs with --pprof.",
	"Plans":                         "Response plans by incident type and severity: the tasks, roles and update cadences they create.",
	"Stakeholder updates":           "Subscriptions to an incident's updates and the updates sent on its cadence.",
	"Status page":                   "The public status page: components, published incidents, maintenances and subscribers.",
	"Triage":                        "The triage queue: alerts and reports grouped, acknowledged, dismissed or declared as incidents.",
	"Users":                         "Users, their roles, passwords and API tokens.",
	"Webhooks":                      "Inbound webhooks of monitoring systems, authenticated by the integration's secret, not by an API token.",
}

// problemContent is an answer's body when it is a problem (RFC 9457).
func problemContent() map[string]*huma.MediaType {
	return map[string]*huma.MediaType{"application/problem+json": {Schema: &huma.Schema{Ref: "#/components/schemas/ErrorModel"}}}
}

// retryAfter documents the Retry-After header of 429 and 503 answers.
func retryAfter() map[string]*huma.Param {
	return map[string]*huma.Param{"Retry-After": {
		Description: "Seconds to wait before retrying.",
		Schema:      &huma.Schema{Type: "integer", Minimum: ptr(0.0)},
	}}
}

func ptr[T any](v T) *T { return &v }

// statusWhy says, in the document, why an operation may answer a status.
var statusWhy = map[int]string{
	http.StatusBadRequest:            "The body is not JSON, or a required body is missing.",
	http.StatusUnauthorized:          "No valid API token (Authorization: Bearer <token>).",
	http.StatusForbidden:             "The token's user lacks the role, or may not see this.",
	http.StatusNotFound:              "Nothing of that name or id, or one the caller may not see.",
	http.StatusConflict:              "A conflict with the current state: a duplicate, a state that moved on, an Idempotency-Key still being processed or used with another request.",
	http.StatusPreconditionFailed:    "The If-Match version is stale: someone changed it since; read it again.",
	http.StatusRequestEntityTooLarge: "The body is larger than the operation accepts.",
	http.StatusUnsupportedMediaType:  "The body's Content-Type is not JSON.",
	http.StatusUnprocessableEntity:   "Invalid input, or a rule blocks the change; errors[].location names the field.",
	http.StatusTooManyRequests:       "Too many attempts; Retry-After says when to try again.",
	http.StatusInternalServerError:   "An unexpected error; nothing was half-applied.",
	http.StatusServiceUnavailable:    "The database cannot serve now (unreachable, full, past the request's deadline); nothing was stored. Retry after Retry-After.",
}

// statusesOf lists the error statuses an operation can answer, from its
// shape: every operation can be refused (401, 403), fail (500) or find the
// database unable to serve (503); one with path parameters names
// something that may not exist (404); one with input may be invalid (422);
// one with a body may be malformed, too large or not JSON (400, 413, 415);
// every write may conflict with the current state (409, which includes an
// Idempotency-Key in use); an If-Match precondition may be stale (412).
func statusesOf(method, path string, o *huma.Operation) []int {
	out := []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusInternalServerError, http.StatusServiceUnavailable}
	hasPath := strings.Contains(path, "{")
	input := hasPath || o.RequestBody != nil
	for _, p := range o.Parameters {
		input = true
		if p.In == "header" && strings.EqualFold(p.Name, "If-Match") {
			out = append(out, http.StatusPreconditionFailed)
		}
	}
	if hasPath {
		out = append(out, http.StatusNotFound)
	}
	if input {
		out = append(out, http.StatusUnprocessableEntity)
	}
	if o.RequestBody != nil {
		out = append(out, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	}
	if method != http.MethodGet && method != http.MethodHead {
		out = append(out, http.StatusConflict)
	}
	return out
}

// completeDocument finishes the OpenAPI document once every operation is
// registered: the statuses each operation can answer with their problem
// body, the server, contact and tags. Declaring them here, from each
// operation's shape, keeps a new operation from forgetting one, so
// generated clients get typed errors everywhere.
func completeDocument(oapi *huma.OpenAPI) {
	// Relative: the paths are under the server that serves the document,
	// whatever name people reach it by.
	oapi.Servers = []*huma.Server{{URL: "/", Description: "The Firebreak server that serves this document."}}
	oapi.Info.Contact = &huma.Contact{Name: contactName, URL: contactURL}
	if oapi.Components.Responses == nil {
		oapi.Components.Responses = map[string]*huma.Response{}
	}
	used := map[string]bool{}
	for path, item := range oapi.Paths {
		for method, o := range operations(item) {
			for _, t := range o.Tags {
				used[t] = true
			}
			if !strings.HasPrefix(path, "/api/") {
				continue // the webhooks declare their own answers (hooksdoc.go)
			}
			if o.Responses == nil {
				o.Responses = map[string]*huma.Response{}
			}
			for _, status := range statusesOf(method, path, o) {
				if _, ok := o.Responses[strconv.Itoa(status)]; !ok {
					o.Responses[strconv.Itoa(status)] = &huma.Response{Description: http.StatusText(status), Content: problemContent()}
				}
			}
			// A problem answer huma wrote with the bare status text
			// becomes a reference to the shared answer, which says why.
			for code, r := range o.Responses {
				n, _ := strconv.Atoi(code)
				if _, ok := statusWhy[n]; ok && r.Ref == "" && r.Description == http.StatusText(n) && isProblem(r) {
					o.Responses[code] = &huma.Response{Ref: "#/components/responses/" + sharedResponse(oapi, n)}
				}
			}
		}
	}
	oapi.Tags = nil
	for _, name := range slices.Sorted(maps.Keys(used)) {
		oapi.Tags = append(oapi.Tags, &huma.Tag{Name: name, Description: tagDescriptions[name]})
	}
}

// isProblem reports whether r's only body is a problem.
func isProblem(r *huma.Response) bool {
	m, ok := r.Content["application/problem+json"]
	return ok && len(r.Content) == 1 && m.Schema != nil && m.Schema.Ref == "#/components/schemas/ErrorModel"
}

// sharedResponse puts the problem answer of status in the document's
// components, once, and returns its name.
func sharedResponse(oapi *huma.OpenAPI, status int) string {
	name := strings.ReplaceAll(http.StatusText(status), " ", "")
	if _, ok := oapi.Components.Responses[name]; !ok {
		r := &huma.Response{Description: statusWhy[status], Content: problemContent()}
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			r.Headers = retryAfter()
		}
		oapi.Components.Responses[name] = r
	}
	return name
}

// operations are a path item's operations by method.
func operations(p *huma.PathItem) map[string]*huma.Operation {
	all := map[string]*huma.Operation{
		http.MethodGet: p.Get, http.MethodPut: p.Put, http.MethodPost: p.Post, http.MethodDelete: p.Delete,
		http.MethodOptions: p.Options, http.MethodHead: p.Head, http.MethodPatch: p.Patch, http.MethodTrace: p.Trace,
	}
	for m, o := range all {
		if o == nil {
			delete(all, m)
		}
	}
	return all
}
