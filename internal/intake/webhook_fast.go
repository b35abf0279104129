package intake

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/firebreak-ir/firebreak/internal/alert"
)

// fastWebhook decodes a well-formed Alertmanager or Grafana body in one
// pass over its bytes, straight into the alerts: no reflection, no
// json.RawMessage copies, no intermediate maps. Under a storm the decoding
// was most of what a delivery cost outside the write transaction.
//
// It takes only what it can decode exactly as encoding/json would. On
// anything else — a syntax error, a value of the wrong type, null in a
// field it reads, a key that matches a field only by case folding, a
// Grafana values map — ok is false and the caller decodes with
// encoding/json, whose errors the problems are written from. So answers
// do not depend on which path ran (FuzzWebhookFastPath checks it).
func fastWebhook(f webhookFormat, body []byte, d Delivery) (b Batch, err error, ok bool) {
	s := scanner{b: body, intern: make(map[string]string, 64)}
	// Every valid alert has a startsAt: counting the key (a fast byte
	// search) sizes the list once instead of growing it.
	b.Alerts = make([]alert.Alert, 0, bytes.Count(body, []byte(`"startsAt"`)))
	var (
		version   *string
		hasAlerts bool
		times     timeCache
		w         webhookAlert // reused: each alert is built as soon as it is read
	)
	ok = s.object(envelopeFields, func(k string) bool {
		switch k {
		case "version":
			v, ok := s.str()
			version = &v
			return ok
		case "status", "receiver", "groupKey", "externalURL":
			_, ok := s.str()
			return ok
		case "groupLabels", "commonLabels":
			return s.stringMap(nil)
		case "truncatedAlerts":
			n, ok := s.int()
			b.Truncated = n
			return ok
		case "alerts":
			hasAlerts = true
			// A repeated key replaces, as in encoding/json.
			b.Alerts, b.Problems = b.Alerts[:0], nil
			i := 0
			return s.array(func() bool {
				w = webhookAlert{}
				if !s.webhookAlert(&w) {
					return false
				}
				b.add(f, i, &w, d, &times)
				i++
				return true
			})
		}
		return s.skip(0)
	}) && s.end()
	if !ok {
		return Batch{}, nil, false
	}
	if err := f.check(version, hasAlerts, b.Truncated); err != nil {
		return Batch{}, err, true
	}
	return b, nil, true
}

var (
	envelopeFields = []string{"version", "status", "receiver", "groupKey", "groupLabels", "commonLabels", "externalURL", "truncatedAlerts", "alerts"}
	alertFields    = []string{"status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint", "silenceURL", "dashboardURL", "panelURL", "imageURL", "values", "valueString"}
)

func (s *scanner) webhookAlert(w *webhookAlert) bool {
	return s.object(alertFields, func(k string) bool {
		switch k {
		case "status":
			return s.strTo(&w.Status)
		case "labels":
			w.Labels = stringMap{}
			return s.stringMap(&w.Labels)
		case "annotations":
			w.Annotations = stringMap{}
			return s.stringMap(&w.Annotations)
		case "startsAt":
			return s.strTo(&w.StartsAt)
		case "endsAt":
			return s.strTo(&w.EndsAt)
		case "generatorURL":
			return s.strTo(&w.GeneratorURL)
		case "fingerprint":
			return s.strTo(&w.Fingerprint)
		case "silenceURL":
			return s.strTo(&w.SilenceURL)
		case "dashboardURL":
			return s.strTo(&w.DashboardURL)
		case "panelURL":
			return s.strTo(&w.PanelURL)
		case "imageURL":
			return s.strTo(&w.ImageURL)
		case "valueString":
			return s.strTo(&w.ValueString)
		case "values":
			return false // Grafana's numbers: encoding/json's float rules
		}
		return s.skip(0)
	})
}

// scanner reads JSON from b at i. Every method reports whether it read
// what it was asked for; false means "leave this body to encoding/json".
type scanner struct {
	b []byte
	i int
	// intern shares the strings a body repeats (label names, alertnames,
	// severities, times) among its alerts: one allocation each.
	intern map[string]string
	pairs  []string // scratch for stringMap
}

// maxInterned bounds the intern table, so a body of unique values does
// not grow it without end; later strings are allocated as usual.
const maxInterned = 4096

// maxDepth bounds the nesting of skipped values (encoding/json refuses
// past 10,000; deep ones go to it).
const maxDepth = 512

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next skips whitespace and consumes c if it comes next.
func (s *scanner) next(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// end reports whether only whitespace is left.
func (s *scanner) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// object reads an object, calling field for each key with the scanner at
// its value. For a struct's object (known non-nil), a key that is none of
// known but equals one of them ignoring case (encoding/json would match
// it), or is not ASCII (its case folding is Unicode's), is left to
// encoding/json.
func (s *scanner) object(known []string, field func(key string) bool) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	for {
		k, ok := s.str()
		if !ok || !s.next(':') {
			return false
		}
		if known != nil && !isOneOf(k, known) && foldsToOneOf(k, known) {
			return false
		}
		if !field(k) {
			return false
		}
		if s.next(',') {
			continue
		}
		return s.next('}')
	}
}

func isOneOf(k string, known []string) bool {
	for _, n := range known {
		if k == n {
			return true
		}
	}
	return false
}

func foldsToOneOf(k string, known []string) bool {
	for i := 0; i < len(k); i++ {
		if k[i] >= utf8.RuneSelf {
			return true
		}
	}
	for _, n := range known {
		if strings.EqualFold(k, n) {
			return true
		}
	}
	return false
}

func (s *scanner) array(elem func() bool) bool {
	if !s.next('[') {
		return false
	}
	if s.next(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if s.next(',') {
			continue
		}
		return s.next(']')
	}
}

// stringMap reads an object of strings into *m (nil: only checks it).
// Its entries are gathered first so the map is made at its final size.
func (s *scanner) stringMap(m *stringMap) bool {
	pairs := s.pairs[:0]
	ok := s.object(nil, func(k string) bool {
		v, ok := s.str()
		pairs = append(pairs, k, v)
		return ok
	})
	s.pairs = pairs
	if !ok || m == nil {
		return ok
	}
	out := make(stringMap, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		out[pairs[i]] = pairs[i+1]
	}
	*m = out
	return true
}

func (s *scanner) strTo(dst *string) bool {
	v, ok := s.str()
	*dst = v
	return ok
}

// str reads a string. One without escapes is its bytes (invalid UTF-8 is
// left to encoding/json, which replaces it); one with escapes is
// unescaped by encoding/json.
func (s *scanner) str() (string, bool) {
	if s.peek() != '"' {
		return "", false
	}
	start := s.i
	s.i++
	escaped, ascii := false, true
	for {
		if s.i >= len(s.b) {
			return "", false
		}
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			raw := s.b[start:s.i]
			if escaped {
				var v string
				if json.Unmarshal(raw, &v) != nil {
					return "", false
				}
				return v, true
			}
			content := raw[1 : len(raw)-1]
			if !ascii && !utf8.Valid(content) {
				return "", false
			}
			return s.string(content), true
		case c == '\\':
			escaped = true
			s.i += 2 // the escaped byte cannot end the string
			continue
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		s.i++
	}
}

// string returns b as a string, shared with its earlier occurrences in
// the body.
func (s *scanner) string(b []byte) string {
	if v, ok := s.intern[string(b)]; ok { // no allocation for the lookup
		return v
	}
	v := string(b)
	if len(s.intern) < maxInterned {
		s.intern[v] = v
	}
	return v
}

// int reads an integer that fits an int, as encoding/json decodes one into
// an int field; a fraction or exponent goes to encoding/json.
func (s *scanner) int() (int, bool) {
	s.ws()
	start := s.i
	if !s.number() {
		return 0, false
	}
	n, err := strconv.Atoi(string(s.b[start:s.i]))
	return n, err == nil
}

// number reads a JSON number (RFC 8259 §6).
func (s *scanner) number() bool {
	s.ws()
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	digits := func() bool {
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	s.i = i
	return true
}

// skip reads and drops any value (a field Firebreak does not use), as
// strictly as encoding/json checks it.
func (s *scanner) skip(depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch s.peek() {
	case '"':
		_, ok := s.str()
		return ok
	case '{':
		return s.object(nil, func(string) bool { return s.skip(depth + 1) })
	case '[':
		return s.array(func() bool { return s.skip(depth + 1) })
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	}
	return s.number()
}

func (s *scanner) literal(lit string) bool {
	if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return true
	}
	return false
}
