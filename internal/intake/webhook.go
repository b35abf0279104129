package intake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

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
	// The common case, a well-formed body, is decoded in one pass; the
	// rest goes through encoding/json, whose errors name what is wrong.
	if b, err, ok := fastWebhook(f, body, d); ok {
		return b, err
	}
	return slowWebhook(f, body, d)
}

// slowWebhook decodes with encoding/json: the envelope first, then each
// alert on its own, so a malformed alert is a problem of its own index.
func slowWebhook(f webhookFormat, body []byte, d Delivery) (Batch, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		field, msg := decodeError(err)
		if field == "" {
			return Batch{}, invalid("", "not %s webhook: %s", f.name, msg)
		}
		return Batch{}, invalid(field, "%s", msg)
	}
	if err := f.check(env.Version, env.Alerts != nil, env.TruncatedAlerts); err != nil {
		return Batch{}, err
	}
	b := Batch{Alerts: make([]alert.Alert, 0, len(env.Alerts)), Truncated: env.TruncatedAlerts}
	for i, raw := range env.Alerts {
		var w webhookAlert
		if err := json.Unmarshal(raw, &w); err != nil {
			field, msg := decodeError(err)
			b.Problems = append(b.Problems, Problem{Index: i, Field: field, Message: msg})
			continue
		}
		b.add(f, i, &w, d, nil)
	}
	return b, nil
}

// check refuses an envelope of the wrong version, without alerts, or with
// a negative count of left-out alerts.
func (f webhookFormat) check(version *string, hasAlerts bool, truncated int) error {
	switch {
	case version == nil:
		return invalid("version", "missing: not %s webhook", f.name)
	case *version == f.other:
		return invalid("version", "unsupported version %q, want %q: this looks like the other of Alertmanager and Grafana; check the webhook URL", *version, f.version)
	case *version != f.version:
		return invalid("version", "unsupported version %q, want %q", *version, f.version)
	case !hasAlerts:
		return invalid("alerts", "missing")
	case truncated < 0:
		return invalid("truncatedAlerts", "must not be negative, got %d", truncated)
	}
	return nil
}

// add appends the i-th alert of the body, or its problems.
func (b *Batch) add(f webhookFormat, i int, w *webhookAlert, d Delivery, times *timeCache) {
	a, probs := f.alert(w, d, times)
	for _, p := range probs {
		p.Index = i
		b.Problems = append(b.Problems, p)
	}
	if probs == nil {
		b.Alerts = append(b.Alerts, a)
	}
}

// timeCache remembers the last time parsed: the alerts of one body mostly
// share their startsAt and endsAt.
type timeCache struct {
	s string
	t time.Time
}

func (c *timeCache) parse(s string) (time.Time, error) {
	if c == nil {
		return parseTime(s)
	}
	if s == c.s && s != "" {
		return c.t, nil
	}
	t, err := parseTime(s)
	if err == nil && !t.IsZero() { // the zero time is already cheap
		c.s, c.t = s, t
	}
	return t, err
}

func (f webhookFormat) alert(w *webhookAlert, d Delivery, times *timeCache) (alert.Alert, []Problem) {
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
	starts, err := times.parse(w.StartsAt)
	if err != nil {
		bad("startsAt", "%s", err.Error())
	} else if starts.IsZero() {
		bad("startsAt", "missing")
	}
	ends, err := times.parse(w.EndsAt)
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
		Details:      f.details(w),
		Severity:     w.Labels["severity"],
		Labels:       w.Labels,
		Annotations:  w.Annotations,
		Links:        f.links(w),
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
