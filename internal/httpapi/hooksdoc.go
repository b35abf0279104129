package httpapi

import (
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/triage"
)

// The webhook bodies below are the formats internal/intake parses, written
// out for the OpenAPI document only: the handler (hooks.go) reads the raw
// body, so that a batch with some malformed alerts still stores the others.

// AlertmanagerWebhook is the body Prometheus Alertmanager sends (webhook
// version 4).
type AlertmanagerWebhook struct {
	_                 struct{}           `additionalProperties:"true"`
	Version           string             `json:"version" enum:"4" doc:"The webhook format's version; Grafana's (1) is refused here."`
	GroupKey          string             `json:"groupKey,omitempty" doc:"Alertmanager's key of the group."`
	TruncatedAlerts   int                `json:"truncatedAlerts,omitempty" minimum:"0" doc:"How many alerts max_alerts left out of alerts."`
	Status            string             `json:"status,omitempty" enum:"firing,resolved"`
	Receiver          string             `json:"receiver,omitempty"`
	GroupLabels       map[string]string  `json:"groupLabels,omitempty"`
	CommonLabels      map[string]string  `json:"commonLabels,omitempty"`
	CommonAnnotations map[string]string  `json:"commonAnnotations,omitempty"`
	ExternalURL       string             `json:"externalURL,omitempty"`
	Alerts            []AlertmanagerItem `json:"alerts" doc:"Each alert is stored or refused on its own."`
}

// AlertmanagerItem is one alert of an Alertmanager webhook.
type AlertmanagerItem struct {
	_            struct{}          `additionalProperties:"true"`
	Status       string            `json:"status" enum:"firing,resolved"`
	Labels       map[string]string `json:"labels" minProperties:"1" doc:"Its identity; severity is read from the severity label."`
	Annotations  map[string]string `json:"annotations,omitempty" doc:"summary (else title) is the alert's summary, description (else message) its details, runbook_url a link."`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       string            `json:"endsAt,omitempty" doc:"RFC 3339; kept for a resolved alert only."`
	GeneratorURL string            `json:"generatorURL,omitempty" doc:"Kept as the Source link."`
	Fingerprint  string            `json:"fingerprint,omitempty" doc:"Alertmanager's; alerts with one fingerprint are one alert."`
}

// GrafanaWebhook is the body Grafana's unified alerting sends (webhook
// version 1).
type GrafanaWebhook struct {
	_                 struct{}          `additionalProperties:"true"`
	Version           string            `json:"version" enum:"1" doc:"The webhook format's version; Alertmanager's (4) is refused here."`
	GroupKey          string            `json:"groupKey,omitempty"`
	TruncatedAlerts   int               `json:"truncatedAlerts,omitempty" minimum:"0" doc:"How many alerts were left out of alerts."`
	Status            string            `json:"status,omitempty" enum:"firing,resolved"`
	Receiver          string            `json:"receiver,omitempty"`
	GroupLabels       map[string]string `json:"groupLabels,omitempty"`
	CommonLabels      map[string]string `json:"commonLabels,omitempty"`
	CommonAnnotations map[string]string `json:"commonAnnotations,omitempty"`
	ExternalURL       string            `json:"externalURL,omitempty"`
	Alerts            []GrafanaItem     `json:"alerts" doc:"Each alert is stored or refused on its own."`
}

// GrafanaItem is one alert of a Grafana webhook.
type GrafanaItem struct {
	AlertmanagerItem
	SilenceURL   string             `json:"silenceURL,omitempty" doc:"Kept as a link, as are the dashboard, panel and image URLs."`
	DashboardURL string             `json:"dashboardURL,omitempty"`
	PanelURL     string             `json:"panelURL,omitempty"`
	ImageURL     string             `json:"imageURL,omitempty"`
	Values       map[string]float64 `json:"values,omitempty" doc:"The query values, added to the details."`
	ValueString  string             `json:"valueString,omitempty"`
}

// GenericEvent is one event of Firebreak's generic JSON format. Decoding
// is strict: an unknown field is a problem naming its path.
type GenericEvent struct {
	DedupKey   string            `json:"dedup_key,omitempty" maxLength:"255" doc:"Events with one key are one alert; without it, the key is a hash of labels and summary."`
	Action     string            `json:"action,omitempty" enum:"trigger,resolve" default:"trigger"`
	Summary    string            `json:"summary,omitempty" maxLength:"1024" doc:"Required to trigger."`
	Details    any               `json:"details,omitempty" doc:"Text, or any object (kept as indented JSON); at most 64 KiB."`
	Severity   string            `json:"severity,omitempty" enum:"critical,error,warning,info"`
	Source     string            `json:"source,omitempty" maxLength:"255" doc:"The sending system's name, kept as the source annotation."`
	Labels     map[string]string `json:"labels,omitempty" maxProperties:"64" doc:"Names at most 128 bytes, values at most 1024."`
	Links      []GenericLink     `json:"links,omitempty" maxItems:"16"`
	OccurredAt *time.Time        `json:"occurred_at,omitempty" doc:"When it started (trigger) or ended (resolve)."`
}

// GenericLink is a link of a generic event.
type GenericLink struct {
	Href string `json:"href" maxLength:"2048" format:"uri" doc:"http or https only."`
	Text string `json:"text,omitempty" maxLength:"255"`
}

// GenericBatch is several generic events in one body.
type GenericBatch struct {
	Events []GenericEvent `json:"events" maxItems:"1000"`
}

// hookSources are the webhooks, with their bodies and what they say.
var hookSources = []struct {
	kind, name, what string
	body             []reflect.Type
}{
	{"alertmanager", "Prometheus Alertmanager", "A webhook_configs receiver's body (version 4): each alert is grouped, deduplicated and routed to the triage queue.",
		[]reflect.Type{reflect.TypeFor[AlertmanagerWebhook]()}},
	{"grafana", "Grafana", "A Grafana contact point's webhook body (version 1): alerts are taken as Alertmanager's, with links to the rule, dashboard, panel, image and silence.",
		[]reflect.Type{reflect.TypeFor[GrafanaWebhook]()}},
	{"generic", "any system", "Firebreak's generic JSON format: one event, or {\"events\": [...]} with up to 1000.",
		[]reflect.Type{reflect.TypeFor[GenericEvent](), reflect.TypeFor[GenericBatch]()}},
}

// documentHooks adds the inbound webhooks (hooks.go) to the OpenAPI
// document: each source in both its forms, the integration's secret in
// the path or as a bearer token.
func (s *Server) documentHooks(api huma.API) {
	oapi := api.OpenAPI()
	reg := oapi.Components.Schemas
	oapi.Components.SecuritySchemes["integration"] = &huma.SecurityScheme{Type: "http", Scheme: "bearer",
		Description: "An integration's secret (firebreak integrations create), not an API token."}
	receipt := reg.Schema(reflect.TypeFor[triage.Receipt](), true, "HookReceipt")
	partial := reg.Schema(reflect.TypeFor[hookProblem](), true, "HookProblem")
	for _, src := range hookSources {
		var body *huma.Schema
		if len(src.body) == 1 {
			body = reg.Schema(src.body[0], true, "")
		} else {
			body = &huma.Schema{}
			for _, t := range src.body {
				body.OneOf = append(body.OneOf, reg.Schema(t, true, ""))
			}
		}
		for _, inPath := range []bool{true, false} {
			o := &huma.Operation{
				OperationID: "receive-" + src.kind, Method: http.MethodPost, Path: "/hooks/" + src.kind,
				Tags:    []string{"Webhooks"},
				Summary: "Receive alerts from " + src.name,
				Description: src.what + " The answer comes after the alerts are committed. A body that is not the format is 400 and stores nothing; " +
					"a batch with some malformed alerts stores the others and answers 400 naming them, with the receipt (the sender need not retry).",
				Security:    []map[string][]string{{"integration": {}}},
				RequestBody: &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{"application/json": {Schema: body}}},
				Responses: map[string]*huma.Response{
					"200": {Description: "Every alert was stored.", Content: map[string]*huma.MediaType{"application/json": {Schema: receipt}}},
					"400": {Description: "Not the format (nothing stored), or some alerts malformed (the others stored; receipt says which).",
						Content: map[string]*huma.MediaType{"application/problem+json": {Schema: partial}}},
					"401": {Description: "No integration secret, or not one of an enabled " + src.kind + " integration.", Content: problemContent()},
					"413": {Description: "The body is larger than " + strconv.Itoa(MaxHookBody>>20) + " MiB; send smaller batches.", Content: problemContent()},
					"500": {Description: statusWhy[http.StatusInternalServerError], Content: problemContent()},
					"503": {Description: statusWhy[http.StatusServiceUnavailable], Content: problemContent(), Headers: retryAfter()},
				},
			}
			if inPath {
				o.OperationID += "-token-in-path"
				o.Path += "/{token}"
				o.Summary += " (secret in the path)"
				o.Description += " For senders that cannot set a header, the secret is the last path segment."
				o.Security = []map[string][]string{} // the path carries it
				o.Parameters = []*huma.Param{{Name: "token", In: "path", Required: true, Description: "The integration's secret.",
					Schema: &huma.Schema{Type: "string"}}}
			}
			oapi.AddOperation(o)
		}
	}
}
