package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Delivery is what the webhook edge knows about one request.
type Delivery struct {
	Integration string    // the configured integration the request's token belongs to
	ReceivedAt  time.Time // when Firebreak received it
}

// Problem is one thing wrong with one alert of a body. Index is the
// alert's position in the body's list (0 for a single generic event); Field
// is relative to that alert, e.g. "labels.team" or "links[1].href".
type Problem struct {
	Index   int    `json:"index"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Field == "" {
		return fmt.Sprintf("alert %d: %s", p.Index, p.Message)
	}
	return fmt.Sprintf("alert %d: %s: %s", p.Index, p.Field, p.Message)
}

// Batch is what a parser accepted from one body, and what it refused.
type Batch struct {
	Alerts   []alert.Alert
	Problems []Problem
	// Truncated counts the alerts the sender left out of the body
	// (Alertmanager's and Grafana's truncatedAlerts, under max_alerts).
	Truncated int
	// Acks are the dedup keys the sender acknowledged (PagerDuty's
	// acknowledge): the entries of those alerts are acknowledged.
	Acks []string
}

// Parser parses one body. A non-nil error means the body is not the format
// at all, and the Batch is empty.
type Parser func(body []byte, d Delivery) (Batch, error)

// ParserFor returns the parser of a webhook source.
func ParserFor(src alert.Source) (Parser, bool) {
	switch src {
	case alert.SourceAlertmanager:
		return Alertmanager, true
	case alert.SourceGrafana:
		return Grafana, true
	case alert.SourceGeneric:
		return Generic, true
	case alert.SourcePagerDuty:
		return PagerDuty, true
	}
	return nil, false
}

func invalid(field, format string, args ...any) error {
	return errs.E(errs.Invalid, field, format, args...)
}

// decodeError describes a JSON decoding error in the user's terms: the
// field and the JSON types, never Go's.
func decodeError(err error) (field, msg string) {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "", fmt.Sprintf("invalid JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	case errors.As(err, &te):
		if te.Field == "" {
			return "", fmt.Sprintf("must be %s, found %s", jsonKind(te.Type), article(te.Value))
		}
		return te.Field, fmt.Sprintf("must be %s, found %s", jsonKind(te.Type), article(te.Value))
	}
	return "", strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Map, reflect.Struct:
		if t.Kind() == reflect.Map && t.Elem().Kind() == reflect.String {
			return "an object of strings"
		}
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return t.String()
}

// article turns the JSON value kinds encoding/json reports ("string",
// "number", "number 1.5", "object", "array", "bool") into prose.
func article(v string) string {
	switch {
	case v == "object" || v == "array":
		return "an " + v
	case v == "bool":
		return "a boolean"
	case v == "null":
		return v
	case strings.HasPrefix(v, "number"):
		return "a number"
	}
	return "a " + v
}

// zeroTime is how Go senders spell "no time": Alertmanager and Grafana send
// it as a firing alert's endsAt.
const zeroTime = "0001-01-01T00:00:00Z"

// parseTime parses an RFC 3339 time; "" and the zero time are the zero Time.
func parseTime(s string) (time.Time, error) {
	if s == "" || s == zeroTime {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("must be an RFC 3339 time, got %q", s)
	}
	return t, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// stringMap is a JSON object of strings whose decoding errors name the key
// at fault ("labels.team: must be a string, found a number").
type stringMap map[string]string

var stringMapType = reflect.TypeFor[map[string]string]()

func (m *stringMap) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return &json.UnmarshalTypeError{Value: rawKind(b), Type: stringMapType}
	}
	if raw == nil {
		*m = nil
		return nil
	}
	out := make(stringMap, len(raw))
	for k, v := range raw {
		var s string
		if rawKind(v) != "string" || json.Unmarshal(v, &s) != nil {
			return &json.UnmarshalTypeError{Value: rawKind(v), Type: reflect.TypeFor[string](), Field: k}
		}
		out[k] = s
	}
	*m = out
	return nil
}

// rawKind names the JSON kind of a raw value the way encoding/json's
// UnmarshalTypeError does.
func rawKind(raw []byte) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}
