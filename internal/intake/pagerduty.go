package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
)

// PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/overview/):
// what a tool that pages PagerDuty sends to https://events.pagerduty.com/v2/enqueue,
// so pointing it at Firebreak needs no change but the URL.

// MaxImages bounds the images of one PagerDuty event (kept as links).
const MaxImages = 16

// PagerDuty actions.
const (
	PDTrigger     = "trigger"
	PDAcknowledge = "acknowledge"
	PDResolve     = "resolve"
)

// pdEvent is one Events API v2 event. Fields Firebreak does not use are
// ignored, as PagerDuty does, so any sender's body is accepted.
type pdEvent struct {
	RoutingKey  json.RawMessage `json:"routing_key"`
	EventAction json.RawMessage `json:"event_action"`
	DedupKey    json.RawMessage `json:"dedup_key"`
	Payload     json.RawMessage `json:"payload"`
	Images      json.RawMessage `json:"images"`
	Links       json.RawMessage `json:"links"`
	Client      json.RawMessage `json:"client"`
	ClientURL   json.RawMessage `json:"client_url"`
}

type pdPayload struct {
	Summary       json.RawMessage `json:"summary"`
	Source        json.RawMessage `json:"source"`
	Severity      json.RawMessage `json:"severity"`
	Timestamp     json.RawMessage `json:"timestamp"`
	Component     json.RawMessage `json:"component"`
	Group         json.RawMessage `json:"group"`
	Class         json.RawMessage `json:"class"`
	CustomDetails json.RawMessage `json:"custom_details"`
}

// PagerDutyRoutingKey returns the routing_key of an Events API v2 body, or
// "" when it has none: the webhook edge authenticates with it when the URL
// carries no token.
func PagerDutyRoutingKey(body []byte) string {
	var ev struct {
		RoutingKey any `json:"routing_key"`
	}
	if json.Unmarshal(body, &ev) != nil {
		return ""
	}
	s, _ := ev.RoutingKey.(string)
	return strings.TrimSpace(s)
}

// PagerDuty parses a PagerDuty Events API v2 event:
//
//	routing_key   the integration's token (when the URL does not carry it)
//	event_action  "trigger", "acknowledge" or "resolve"
//	dedup_key     at most 255 bytes; required to acknowledge and resolve;
//	              made from the event when a trigger has none
//	payload       to trigger: summary (at most 1024 bytes), source and
//	              severity ("critical", "error", "warning", "info") required;
//	              timestamp (ISO 8601), component, group, class,
//	              custom_details (any JSON) optional
//	links         [{"href", "text"}]; images [{"src", "href", "alt"}] kept
//	              as links and never fetched; client and client_url
//
// A trigger is an alert whose fingerprint is the dedup_key, labelled
// alertname=<dedup_key> so each PagerDuty alert is its own queue entry, as
// in PagerDuty; source, component, group and class are labels too. A
// resolve resolves it; an acknowledge is returned in Batch.Acks.
func PagerDuty(body []byte, d Delivery) (Batch, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return Batch{}, invalid("", "body is empty")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		msg := "must be an object"
		if err != nil {
			_, msg = decodeError(err)
		}
		return Batch{}, invalid("", "not a PagerDuty event: %s", msg)
	}
	var ev pdEvent
	if err := json.Unmarshal(body, &ev); err != nil { // the same object: cannot fail
		return Batch{}, invalid("", "not a PagerDuty event: %s", err)
	}
	e := &eventDecoder{}
	if ev.RoutingKey != nil {
		e.str("routing_key", ev.RoutingKey, 255)
	}
	var action string
	if ev.EventAction == nil {
		e.bad("event_action", `required: "trigger", "acknowledge" or "resolve"`)
	} else if s, ok := e.str("event_action", ev.EventAction, 16); ok {
		action = s
		if action != PDTrigger && action != PDAcknowledge && action != PDResolve {
			e.bad("event_action", `must be "trigger", "acknowledge" or "resolve", got %q`, s)
		}
	}
	var key string
	if ev.DedupKey != nil && rawKind(ev.DedupKey) != "null" {
		if s, ok := e.str("dedup_key", ev.DedupKey, MaxDedupKey); ok {
			key = s
			if strings.TrimSpace(s) == "" {
				e.bad("dedup_key", "must not be blank")
			}
		}
	} else if action == PDAcknowledge || action == PDResolve {
		e.bad("dedup_key", "required to %s: the dedup_key the trigger answered with", action)
	}
	if action == PDTrigger && key == "" && !hasField(e.probs, "dedup_key") {
		// PagerDuty makes one up and answers with it; Firebreak derives it
		// from the event, so the parser stays pure.
		h := sha256.New()
		fmt.Fprintf(h, "%s\x00%d\x00", d.Integration, d.ReceivedAt.UnixNano())
		h.Write(body)
		key = hex.EncodeToString(h.Sum(nil))[:32]
	}
	a := alert.Alert{Source: alert.SourcePagerDuty, Integration: d.Integration, Status: alert.StatusFiring, ReceivedAt: d.ReceivedAt,
		DedupKey: key, Fingerprint: key, Labels: map[string]string{"alertname": key}}
	if action == PDTrigger {
		e.pdTrigger(&a, ev)
	}
	if e.probs != nil {
		return Batch{Problems: e.probs}, nil
	}
	switch action {
	case PDAcknowledge:
		return Batch{Alerts: []alert.Alert{}, Acks: []string{key}}, nil
	case PDResolve:
		a.Status, a.EndsAt = alert.StatusResolved, d.ReceivedAt
	}
	return Batch{Alerts: []alert.Alert{a}}, nil
}

// pdTrigger fills a from a trigger's payload, links, images and client.
func (e *eventDecoder) pdTrigger(a *alert.Alert, ev pdEvent) {
	var p pdPayload
	switch {
	case ev.Payload == nil || rawKind(ev.Payload) == "null":
		e.bad("payload", "required to trigger: an object with summary, source and severity")
		return
	case rawKind(ev.Payload) != "object" || json.Unmarshal(ev.Payload, &p) != nil:
		e.bad("payload", "must be an object, found %s", kindOf(ev.Payload))
		return
	}
	required := func(field string, raw json.RawMessage, max int) string {
		if raw == nil {
			e.bad("payload."+field, "required to trigger")
			return ""
		}
		s, ok := e.str("payload."+field, raw, max)
		if ok && strings.TrimSpace(s) == "" {
			e.bad("payload."+field, "must not be blank")
		}
		return strings.TrimSpace(s)
	}
	optional := func(field string, raw json.RawMessage, max int) string {
		if raw == nil || rawKind(raw) == "null" {
			return ""
		}
		s, _ := e.str("payload."+field, raw, max)
		return strings.TrimSpace(s)
	}
	a.Summary = required("summary", p.Summary, MaxSummary)
	source := required("source", p.Source, MaxSourceName)
	if sev := required("severity", p.Severity, 16); sev != "" {
		if !slices.Contains(Severities, sev) {
			e.bad("payload.severity", "must be one of %s, got %q", strings.Join(Severities, ", "), sev)
		}
		a.Severity = sev
	}
	if ts := optional("timestamp", p.Timestamp, 64); ts != "" {
		t, err := parseISO8601(ts)
		if err != nil {
			e.bad("payload.timestamp", "%s", err.Error())
		}
		a.StartsAt = t
	}
	for _, f := range []struct {
		name string
		val  string
	}{{"source", source}, {"component", optional("component", p.Component, MaxLabelValue)},
		{"group", optional("group", p.Group, MaxLabelValue)}, {"class", optional("class", p.Class, MaxLabelValue)}} {
		if f.val != "" {
			a.Labels[f.name] = f.val
		}
	}
	if p.CustomDetails != nil && rawKind(p.CustomDetails) != "null" {
		a.Details = e.customDetails(p.CustomDetails)
	}
	if ev.Links != nil && rawKind(ev.Links) != "null" {
		a.Links = e.links(ev.Links)
	}
	if ev.Images != nil && rawKind(ev.Images) != "null" {
		a.Links = append(a.Links, e.images(ev.Images)...)
	}
	client := ""
	if ev.Client != nil && rawKind(ev.Client) != "null" {
		client, _ = e.str("client", ev.Client, MaxLinkText)
		client = strings.TrimSpace(client)
	}
	if client != "" {
		a.Annotations = map[string]string{"client": client}
	}
	if ev.ClientURL != nil && rawKind(ev.ClientURL) != "null" {
		if u, ok := e.str("client_url", ev.ClientURL, MaxURL); ok && u != "" {
			if msg := checkURL(u); msg != "" {
				e.bad("client_url", "%s", msg)
			} else {
				a.Links = append(a.Links, alert.Link{Text: firstNonEmpty(client, "Client"), URL: u})
				a.GeneratorURL = u
			}
		}
	}
	if len(a.Links) > MaxLinks+MaxImages+1 {
		e.bad("links", "at most %d links and %d images", MaxLinks, MaxImages)
	}
}

// customDetails keeps custom_details as text: a string as it is, anything
// else as indented JSON.
func (e *eventDecoder) customDetails(raw json.RawMessage) string {
	if rawKind(raw) == "string" {
		s, _ := e.str("payload.custom_details", raw, MaxDetails)
		return s
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		e.bad("payload.custom_details", "must be JSON")
		return ""
	}
	if buf.Len() > MaxDetails {
		e.bad("payload.custom_details", "at most %d bytes, got %d", MaxDetails, buf.Len())
		return ""
	}
	return buf.String()
}

// images keeps PagerDuty's images as links to them (and to where they
// point): Firebreak never fetches them, so a sender cannot make it reach
// an address of its choosing.
func (e *eventDecoder) images(raw json.RawMessage) []alert.Link {
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		e.bad("images", "must be an array of objects, found %s", kindOf(raw))
		return nil
	}
	if len(list) > MaxImages {
		e.bad("images", "at most %d images, got %d", MaxImages, len(list))
		return nil
	}
	var out []alert.Link
	for i, m := range list {
		at := fmt.Sprintf("images[%d]", i)
		get := func(k string, max int) string {
			if m[k] == nil || rawKind(m[k]) == "null" {
				return ""
			}
			s, _ := e.str(at+"."+k, m[k], max)
			return strings.TrimSpace(s)
		}
		src, href, alt := get("src", MaxURL), get("href", MaxURL), get("alt", MaxLinkText)
		if src == "" {
			e.bad(at+".src", "required")
			continue
		}
		if msg := checkURL(src); msg != "" {
			e.bad(at+".src", "%s", msg)
			continue
		}
		text := firstNonEmpty(alt, "Image "+strconv.Itoa(i+1))
		out = append(out, alert.Link{Text: "Image: " + text, URL: src})
		if href != "" {
			if msg := checkURL(href); msg != "" {
				e.bad(at+".href", "%s", msg)
				continue
			}
			out = append(out, alert.Link{Text: text, URL: href})
		}
	}
	return out
}

// iso8601 are the forms of ISO 8601 senders put in payload.timestamp;
// PagerDuty's own example is "2015-07-17T08:42:58.315+0000".
var iso8601 = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999", "2006-01-02"}

func parseISO8601(s string) (time.Time, error) {
	for _, layout := range iso8601 {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("must be an ISO 8601 time such as 2015-07-17T08:42:58.315+0000, got %q", s)
}
