package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/firebreak-ir/firebreak/internal/alert"
)

// Limits of the generic format.
const (
	MaxEvents     = 1000     // events in one batch
	MaxSummary    = 1024     // bytes
	MaxDetails    = 64 << 10 // bytes, as given or as JSON text
	MaxLabels     = 64       // labels on one event
	MaxLabelName  = 128      // bytes
	MaxLabelValue = 1024     // bytes
	MaxDedupKey   = 255      // bytes
	MaxSourceName = 255      // bytes
	MaxLinks      = 16       // links on one event
	MaxLinkText   = 255      // bytes
	MaxURL        = 2048     // bytes
)

// Severities of the generic format, most severe first.
var Severities = []string{"critical", "error", "warning", "info"}

// Generic parses Firebreak's generic JSON format: one event, or
// {"events": [...]} with up to MaxEvents. An event is an object with
//
//	dedup_key    string, optional: events with the same key are one alert;
//	             without it, the key is a hash of labels and summary
//	action       "trigger" (the default) or "resolve"
//	summary      string, required to trigger, at most 1024 bytes
//	details      string, or any object (kept as indented JSON)
//	severity     "critical", "error", "warning" or "info"
//	source       string: the sending system's name, kept as the "source" annotation
//	labels       object of strings, at most 64, values at most 1024 bytes
//	links        [{"href": "https://…", "text": "…"}], http and https only
//	occurred_at  RFC 3339 time: when it started (trigger) or ended (resolve)
//
// Decoding is strict: an unknown field is a problem naming its path. A
// resolve needs the dedup_key, or the summary and labels, of what it
// resolves.
func Generic(body []byte, d Delivery) (Batch, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return Batch{}, invalid("", "body is empty")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		_, msg := decodeError(err)
		return Batch{}, invalid("", "not a generic event: %s", msg)
	}
	if top == nil {
		return Batch{}, invalid("", "not a generic event: must be an object, found null")
	}
	raws := []json.RawMessage{body}
	if evs, ok := top["events"]; ok {
		for _, k := range slices.Sorted(maps.Keys(top)) {
			if k != "events" {
				return Batch{}, invalid(k, `unknown field next to "events"`)
			}
		}
		raws = nil
		if err := json.Unmarshal(evs, &raws); err != nil || raws == nil {
			return Batch{}, invalid("events", "must be an array of events")
		}
		if len(raws) > MaxEvents {
			return Batch{}, invalid("events", "at most %d events in one request, got %d", MaxEvents, len(raws))
		}
	}
	b := Batch{Alerts: make([]alert.Alert, 0, len(raws))}
	for i, raw := range raws {
		a, probs := genericEvent(raw, d)
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

type eventDecoder struct {
	probs []Problem
}

func (e *eventDecoder) bad(field, format string, args ...any) {
	e.probs = append(e.probs, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// str decodes a JSON string of at most max bytes of valid UTF-8.
func (e *eventDecoder) str(field string, raw json.RawMessage, max int) (string, bool) {
	var s string
	if rawKind(raw) != "string" || json.Unmarshal(raw, &s) != nil {
		e.bad(field, "must be a string, found %s", kindOf(raw))
		return "", false
	}
	if len(s) > max {
		e.bad(field, "at most %d bytes, got %d", max, len(s))
		return "", false
	}
	if !utf8.ValidString(s) {
		e.bad(field, "must be valid UTF-8")
		return "", false
	}
	return s, true
}

// kindOf names the JSON kind of a raw value, with its article.
func kindOf(raw json.RawMessage) string { return article(rawKind(raw)) }

func genericEvent(raw json.RawMessage, d Delivery) (alert.Alert, []Problem) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return alert.Alert{}, []Problem{{Message: fmt.Sprintf("an event must be an object, found %s", kindOf(raw))}}
	}
	e := &eventDecoder{}
	a := alert.Alert{Source: alert.SourceGeneric, Integration: d.Integration, Status: alert.StatusFiring, ReceivedAt: d.ReceivedAt}
	var occurred string
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		v := fields[k]
		switch k {
		case "dedup_key":
			if s, ok := e.str(k, v, MaxDedupKey); ok {
				if strings.TrimSpace(s) == "" {
					e.bad(k, "must not be blank")
				}
				a.DedupKey = s
			}
		case "action":
			if s, ok := e.str(k, v, 16); ok {
				switch s {
				case "trigger":
				case "resolve":
					a.Status = alert.StatusResolved
				default:
					e.bad(k, `must be "trigger" or "resolve", got %q`, s)
				}
			}
		case "summary":
			if s, ok := e.str(k, v, MaxSummary); ok {
				a.Summary = strings.TrimSpace(s)
			}
		case "details":
			a.Details = e.details(v)
		case "severity":
			if s, ok := e.str(k, v, 16); ok {
				if !slices.Contains(Severities, s) {
					e.bad(k, "must be one of %s, got %q", strings.Join(Severities, ", "), s)
				}
				a.Severity = s
			}
		case "source":
			if s, ok := e.str(k, v, MaxSourceName); ok && s != "" {
				a.Annotations = map[string]string{"source": s}
			}
		case "labels":
			a.Labels = e.labels(v)
		case "links":
			a.Links = e.links(v)
		case "occurred_at":
			if s, ok := e.str(k, v, 64); ok {
				occurred = s
			}
		default:
			e.bad(k, "unknown field")
		}
	}
	if a.Status == alert.StatusFiring && a.Summary == "" && !hasField(e.probs, "summary") {
		e.bad("summary", "required to trigger")
	}
	if a.Status == alert.StatusResolved && a.DedupKey == "" && a.Summary == "" && !hasField(e.probs, "dedup_key") {
		e.bad("dedup_key", "a resolve needs the dedup_key, or the summary and labels, of the alert it resolves")
	}
	if occurred != "" {
		t, err := parseTime(occurred)
		switch {
		case err != nil:
			e.bad("occurred_at", "%s", err.Error())
		case a.Status == alert.StatusFiring:
			a.StartsAt = t
		default:
			a.EndsAt = t
		}
	}
	if e.probs != nil {
		return alert.Alert{}, e.probs
	}
	if a.Labels == nil {
		a.Labels = map[string]string{}
	}
	if a.DedupKey != "" {
		a.Fingerprint = a.DedupKey
	} else {
		h := sha256.Sum256([]byte(alert.Fingerprint(a.Labels) + "\x00" + a.Summary))
		a.Fingerprint = hex.EncodeToString(h[:])
	}
	return a, nil
}

func hasField(ps []Problem, field string) bool {
	return slices.ContainsFunc(ps, func(p Problem) bool { return p.Field == field })
}

func (e *eventDecoder) details(raw json.RawMessage) string {
	switch kindOf(raw) {
	case "a string":
		s, _ := e.str("details", raw, MaxDetails)
		return s
	case "an object":
		var buf bytes.Buffer
		if err := json.Indent(&buf, raw, "", "  "); err != nil {
			e.bad("details", "must be a string or an object")
			return ""
		}
		if buf.Len() > MaxDetails {
			e.bad("details", "at most %d bytes, got %d", MaxDetails, buf.Len())
			return ""
		}
		return buf.String()
	}
	e.bad("details", "must be a string or an object, found %s", kindOf(raw))
	return ""
}

func (e *eventDecoder) labels(raw json.RawMessage) map[string]string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		e.bad("labels", "must be an object of strings, found %s", kindOf(raw))
		return nil
	}
	if len(m) > MaxLabels {
		e.bad("labels", "at most %d labels, got %d", MaxLabels, len(m))
		return nil
	}
	out := make(map[string]string, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		field := "labels." + k
		switch {
		case k == "":
			e.bad("labels", "a label name must not be empty")
			continue
		case len(k) > MaxLabelName:
			e.bad("labels", "label name %.20q… is longer than %d bytes", k, MaxLabelName)
			continue
		case !utf8.ValidString(k):
			e.bad("labels", "a label name must be valid UTF-8")
			continue
		}
		if v, ok := e.str(field, m[k], MaxLabelValue); ok {
			out[k] = v
		}
	}
	return out
}

func (e *eventDecoder) links(raw json.RawMessage) []alert.Link {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil || list == nil {
		e.bad("links", "must be an array of links, found %s", kindOf(raw))
		return nil
	}
	if len(list) > MaxLinks {
		e.bad("links", "at most %d links, got %d", MaxLinks, len(list))
		return nil
	}
	var out []alert.Link
	for i, r := range list {
		at := fmt.Sprintf("links[%d]", i)
		var m map[string]json.RawMessage
		if err := json.Unmarshal(r, &m); err != nil || m == nil {
			e.bad(at, "must be an object, found %s", kindOf(r))
			continue
		}
		var l alert.Link
		for _, k := range slices.Sorted(maps.Keys(m)) {
			switch k {
			case "href":
				if s, ok := e.str(at+".href", m[k], MaxURL); ok {
					if msg := checkURL(s); msg != "" {
						e.bad(at+".href", "%s", msg)
					}
					l.URL = s
				}
			case "text":
				if s, ok := e.str(at+".text", m[k], MaxLinkText); ok {
					l.Text = strings.TrimSpace(s)
				}
			default:
				e.bad(at+"."+k, "unknown field")
			}
		}
		if _, ok := m["href"]; !ok {
			e.bad(at+".href", "required")
		}
		if l.Text == "" {
			l.Text = l.URL
		}
		out = append(out, l)
	}
	return out
}

// checkURL accepts absolute http and https URLs only: a link is shown to
// responders, and a javascript: or data: URL there would be an attack.
func checkURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Sprintf("must be an absolute http or https URL, got %q", s)
	}
	return ""
}
