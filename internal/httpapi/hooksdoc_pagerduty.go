package httpapi

import (
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"
)

// PagerDutyEvent is a PagerDuty Events API v2 event, written out for the
// OpenAPI document only (intake.PagerDuty parses it). Unknown fields are
// ignored, as PagerDuty ignores them.
type PagerDutyEvent struct {
	_           struct{}          `additionalProperties:"true"`
	RoutingKey  string            `json:"routing_key,omitempty" doc:"The integration's secret; not needed when the path carries it."`
	EventAction string            `json:"event_action" enum:"trigger,acknowledge,resolve" doc:"trigger opens or repeats the alert; acknowledge acknowledges its queue entry; resolve resolves it."`
	DedupKey    string            `json:"dedup_key,omitempty" maxLength:"255" doc:"The alert's identity; required to acknowledge and resolve, made and answered when a trigger has none."`
	Payload     *PagerDutyPayload `json:"payload,omitempty" doc:"Required to trigger."`
	Links       []GenericLink     `json:"links,omitempty" maxItems:"16"`
	Images      []PagerDutyImage  `json:"images,omitempty" maxItems:"16" doc:"Kept as links; never fetched."`
	Client      string            `json:"client,omitempty" maxLength:"255" doc:"The sending tool's name."`
	ClientURL   string            `json:"client_url,omitempty" maxLength:"2048" format:"uri" doc:"Kept as a link named after client."`
}

// PagerDutyPayload is a trigger's payload.
type PagerDutyPayload struct {
	_             struct{} `additionalProperties:"true"`
	Summary       string   `json:"summary" maxLength:"1024" doc:"The queue entry's title."`
	Source        string   `json:"source" maxLength:"255" doc:"The affected system; a label."`
	Severity      string   `json:"severity" enum:"critical,error,warning,info" doc:"The entry's severity, rank 1 to 4."`
	Timestamp     string   `json:"timestamp,omitempty" doc:"ISO 8601, e.g. 2015-07-17T08:42:58.315+0000: when it started."`
	Component     string   `json:"component,omitempty" doc:"A label."`
	Group         string   `json:"group,omitempty" doc:"A label."`
	Class         string   `json:"class,omitempty" doc:"A label."`
	CustomDetails any      `json:"custom_details,omitempty" doc:"Any JSON; the alert's details (indented JSON), at most 64 KiB."`
}

// PagerDutyImage is an image of an event.
type PagerDutyImage struct {
	Src  string `json:"src" maxLength:"2048" format:"uri" doc:"http or https only."`
	Href string `json:"href,omitempty" maxLength:"2048" format:"uri"`
	Alt  string `json:"alt,omitempty" maxLength:"255"`
}

// PagerDutyAnswer is what PagerDuty's Events API v2 answers, and so
// Firebreak's.
type PagerDutyAnswer struct {
	Status   string   `json:"status" enum:"success,invalid event"`
	Message  string   `json:"message"`
	DedupKey string   `json:"dedup_key,omitempty"`
	Errors   []string `json:"errors,omitempty" doc:"What is wrong, each as field: message."`
}

// documentPagerDuty adds /hooks/pagerduty to the OpenAPI document, in its
// two forms: the secret as routing_key (or a bearer token), and in the
// path. PagerDuty's own path, /v2/enqueue, is the first form's alias.
func (s *Server) documentPagerDuty(api huma.API) {
	oapi := api.OpenAPI()
	reg := oapi.Components.Schemas
	body := reg.Schema(reflect.TypeFor[PagerDutyEvent](), true, "")
	answer := reg.Schema(reflect.TypeFor[PagerDutyAnswer](), true, "")
	pd := func(desc string) *huma.Response {
		return &huma.Response{Description: desc, Content: map[string]*huma.MediaType{"application/json": {Schema: answer}}}
	}
	for _, inPath := range []bool{true, false} {
		o := &huma.Operation{
			OperationID: "receive-pagerduty", Method: http.MethodPost, Path: "/hooks/pagerduty",
			Tags: []string{"Webhooks"}, Summary: "Receive a PagerDuty Events API v2 event",
			Description: "Anything that pages PagerDuty pages Firebreak unchanged: the body is PagerDuty's, the integration's secret is its routing_key " +
				"(or a bearer token), and /v2/enqueue, PagerDuty's own path, is the same. The answer is PagerDuty's and comes after the event is committed.",
			Security:    []map[string][]string{{}, {"integration": {}}},
			RequestBody: &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{"application/json": {Schema: body}}},
			Responses: map[string]*huma.Response{
				"202": pd("Committed: {\"status\":\"success\",\"message\":\"Event processed\",\"dedup_key\":…}."),
				"400": pd("Not a valid event: {\"status\":\"invalid event\",…,\"errors\":[…]}; nothing stored."),
				"401": {Description: "No routing key, or not one of an enabled pagerduty integration.", Content: problemContent()},
				"413": pd("The event is larger than 512 KB, PagerDuty's limit."),
				"500": {Description: statusWhy[http.StatusInternalServerError], Content: problemContent()},
				"503": {Description: statusWhy[http.StatusServiceUnavailable], Content: problemContent(), Headers: retryAfter()},
			},
		}
		if inPath {
			o.OperationID += "-token-in-path"
			o.Path += "/{token}"
			o.Summary += " (secret in the path)"
			o.Description += " Here the secret is the last path segment, and routing_key is not read."
			o.Security = []map[string][]string{}
			o.Parameters = []*huma.Param{{Name: "token", In: "path", Required: true, Description: "The integration's secret.",
				Schema: &huma.Schema{Type: "string"}}}
		}
		oapi.AddOperation(o)
	}
}
