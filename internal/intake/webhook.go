package intake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/alert"
)

// envelope is the body Alertmanager's webhook notifier sends, which
// Grafana's extends. Only the fields Firebreak uses are declared; the rest
// are ignored (see the package doc on strictness).
type envelope struct {
	Version         *string           `json:"version"`
	Status          string            `json:"status"`
	Receiver        string            `json:"receiver"`
	GroupKey        string            `json:"groupKey"`
	GroupLabels     stringMap         `json:"groupLabels"`
	CommonLabels    stringMap         `json:"commonLabels"`
	ExternalURL     string            `json:"externalURL"`
	TruncatedAlerts int               `json:"truncatedAlerts"`
	Alerts          []json.RawMessage `json:"alerts"`
}

// webhookAlert is one alert of the envelope; the URL fields after
// GeneratorURL are Grafana's.
type webhookAlert struct {
	Status       string             `json:"status"`
	Labels       stringMap          `json:"labels"`
	Annotations  stringMap          `json:"annotations"`
	StartsAt     string             `json:"startsAt"`
	EndsAt       string             `json:"endsAt"`
	GeneratorURL string             `json:"generatorURL"`
	Fingerprint  string             `json:"fingerprint"`
	SilenceURL   string             `json:"silenceURL"`
	DashboardURL string             `json:"dashboardURL"`
	PanelURL     string             `json:"panelURL"`
	ImageURL     string             `json:"imageURL"`
	Values       map[string]float64 `json:"values"`
	ValueString  string             `json:"valueString"`
}

type webhookFormat struct {
	name    string
	source  alert.Source
	version string
	other   string // the other format's version, for a helpful error
	links   func(w *webhookAlert) []alert.Link
	details func(w *webhookAlert) string
}

func parseWebhook(f webhookFormat, body []byte, d Delivery) (Batch, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return Batch{}, invalid("", "body is empty")
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		field, msg := decodeError(err)
		if field == "" {
			return Batch{}, invalid("", "not %s webhook: %s", f.name, msg)
		}
		return Batch{}, invalid(field, "%s", msg)
	}
	switch {
	case env.Version == nil:
		return Batch{}, invalid("version", "missing: not %s webhook", f.name)
	case *env.Version == f.other:
		return Batch{}, invalid("version", "unsupported version %q, want %q: this looks like the other of Alertmanager and Grafana; check the webhook URL", *env.Version, f.version)
	case *env.Version != f.version:
		return Batch{}, invalid("version", "unsupported version %q, want %q", *env.Version, f.version)
	case env.Alerts == nil:
		return Batch{}, invalid("alerts", "missing")
	case env.TruncatedAlerts < 0:
		return Batch{}, invalid("truncatedAlerts", "must not be negative, got %d", env.TruncatedAlerts)
	}
	b := Batch{Alerts: make([]alert.Alert, 0, len(env.Alerts)), Truncated: env.TruncatedAlerts}
	for i, raw := range env.Alerts {
		a, probs := f.alert(raw, d)
		for _, p := range probs {
			p.Index = i
			b.Problems = append(b.Problems, p)
		}
		if probs == nil {
			b.Alerts = append(b.Alerts, a)
		}
	}
	return b, nil
}

func (f webhookFormat) alert(raw json.RawMessage, d Delivery) (alert.Alert, []Problem) {
	var w webhookAlert
	if err := json.Unmarshal(raw, &w); err != nil {
		field, msg := decodeError(err)
		return alert.Alert{}, []Problem{{Field: field, Message: msg}}
	}
	var probs []Problem
	bad := func(field, format string, args ...any) {
		probs = append(probs, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	status := alert.Status(w.Status)
	if !status.Valid() {
		bad("status", `must be "firing" or "resolved", got %q`, w.Status)
	}
	if len(w.Labels) == 0 {
		bad("labels", "must not be empty")
	}
	starts, err := parseTime(w.StartsAt)
	if err != nil {
		bad("startsAt", "%s", err.Error())
	} else if starts.IsZero() {
		bad("startsAt", "missing")
	}
	ends, err := parseTime(w.EndsAt)
	if err != nil {
		bad("endsAt", "%s", err.Error())
	}
	if probs != nil {
		return alert.Alert{}, probs
	}
	a := alert.Alert{
		Source:       f.source,
		Integration:  d.Integration,
		Fingerprint:  w.Fingerprint,
		DedupKey:     w.Fingerprint,
		Status:       status,
		Summary:      firstNonEmpty(w.Annotations["summary"], w.Annotations["title"], w.Labels["alertname"]),
		Details:      f.details(&w),
		Severity:     w.Labels["severity"],
		Labels:       w.Labels,
		Annotations:  w.Annotations,
		Links:        f.links(&w),
		StartsAt:     starts,
		ReceivedAt:   d.ReceivedAt,
		GeneratorURL: w.GeneratorURL,
	}
	if status == alert.StatusResolved { // a firing alert's endsAt is a forecast, not an end
		a.EndsAt = ends
	}
	return a, nil
}

func link(links []alert.Link, text, url string) []alert.Link {
	if url = strings.TrimSpace(url); url != "" {
		links = append(links, alert.Link{Text: text, URL: url})
	}
	return links
}

func description(w *webhookAlert) string {
	return firstNonEmpty(w.Annotations["description"], w.Annotations["message"])
}

// valuesText renders Grafana's values map as "B=44.24, C=1", sorted.
func valuesText(vs map[string]float64) string {
	keys := slices.Sorted(maps.Keys(vs))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.FormatFloat(vs[k], 'g', -1, 64)
	}
	return strings.Join(parts, ", ")
}
