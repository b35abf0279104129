package alert

import (
	"slices"
	"time"
)

// Source is the kind of sender an alert came from.
type Source string

const (
	SourceAlertmanager Source = "alertmanager"
	SourceGrafana      Source = "grafana"
	SourceGeneric      Source = "generic"
	SourcePagerDuty    Source = "pagerduty" // PagerDuty Events API v2
	SourceEmail        Source = "email"
	SourceReport       Source = "report"
)

// Sources lists every source.
var Sources = []Source{SourceAlertmanager, SourceGrafana, SourceGeneric, SourcePagerDuty, SourceEmail, SourceReport}

// Valid reports whether s is a known source.
func (s Source) Valid() bool { return slices.Contains(Sources, s) }

// Status is whether an alert is firing or resolved.
type Status string

const (
	StatusFiring   Status = "firing"
	StatusResolved Status = "resolved"
)

// Valid reports whether s is firing or resolved.
func (s Status) Valid() bool { return s == StatusFiring || s == StatusResolved }

// Link is a hyperlink an alert carries (runbook, dashboard, source graph).
type Link struct {
	Text string `json:"text"`
	URL  string `json:"url"`
}

// Alert is one alert from any source, normalised.
type Alert struct {
	Source      Source `json:"source"`
	Integration string `json:"integration"` // the configured integration it arrived through
	// Fingerprint identifies the alert for dedup: the source's own key when
	// it gives one, else Fingerprint(Labels) (filled in by the pipeline).
	Fingerprint string `json:"fingerprint"`
	// DedupKey is the source's raw dedup key, if any (Alertmanager's and
	// Grafana's fingerprint, the generic format's dedup_key).
	DedupKey     string            `json:"dedup_key,omitempty"`
	Status       Status            `json:"status"`
	Summary      string            `json:"summary"`
	Details      string            `json:"details,omitempty"`
	Severity     string            `json:"severity,omitempty"` // as the source said it; mapped later
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	Links        []Link            `json:"links,omitempty"`
	StartsAt     time.Time         `json:"starts_at"`
	EndsAt       time.Time         `json:"ends_at" nullable:"true"` // zero while open, null in JSON (see MarshalJSON)
	ReceivedAt   time.Time         `json:"received_at"`
	GeneratorURL string            `json:"generator_url,omitempty"`
}
