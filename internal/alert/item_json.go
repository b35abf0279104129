package alert

import (
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// itemJSON is an Item as MarshalItem writes it: the fields of Item in the
// same order and with the same names, its Alert already in the form
// Alert.MarshalJSON writes (alertJSON).
type itemJSON struct {
	ID          string    `json:"id"`
	GroupID     string    `json:"group_id"`
	Path        string    `json:"path"`
	Fingerprint string    `json:"fingerprint"`
	Status      Status    `json:"status"`
	Alert       alertJSON `json:"alert"`
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
	Count       int       `json:"count"`
}

// MarshalItem is json.Marshal(it), byte for byte, for the store, which
// writes every item it keeps, inside its single writer: encoding/json
// reaches every field by reflection and sorts each map's keys through
// reflect.Value, most of an item's cost under an alert storm; here the
// fields are appended in json.Marshal's order and form (itemJSON and
// alertJSON are the reference, TestMarshalItemIsJSONMarshal holds them
// equal).
func MarshalItem(it Item) ([]byte, error) {
	b := make([]byte, 0, 1024) // a typical item is 700–900 bytes
	b = append(b, `{"id":`...)
	b = appendJSONString(b, it.ID)
	b = append(b, `,"group_id":`...)
	b = appendJSONString(b, it.GroupID)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, it.Path)
	b = append(b, `,"fingerprint":`...)
	b = appendJSONString(b, it.Fingerprint)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(it.Status))
	b = append(b, `,"alert":`...)
	var err error
	if it.alertDoc != nil {
		b = append(b, it.alertDoc...)
	} else if b, err = appendAlertJSON(b, &it.Alert); err != nil {
		return nil, err
	}
	if b, err = appendJSONTime(append(b, `,"first_seen":`...), it.FirstSeen); err != nil {
		return nil, err
	}
	if b, err = appendJSONTime(append(b, `,"last_seen":`...), it.LastSeen); err != nil {
		return nil, err
	}
	b = strconv.AppendInt(append(b, `,"count":`...), int64(it.Count), 10)
	return append(b, '}'), nil
}

// appendAlertJSON appends a as Alert.MarshalJSON writes it (alertJSON):
// the fields in order, omitempty ones left out when empty, labels {} when
// nil, and ends_at last (alertJSON's own field wins over the embedded
// one), null while the alert is open.
func appendAlertJSON(b []byte, a *Alert) ([]byte, error) {
	b = append(b, `{"source":`...)
	b = appendJSONString(b, string(a.Source))
	b = append(b, `,"integration":`...)
	b = appendJSONString(b, a.Integration)
	b = append(b, `,"fingerprint":`...)
	b = appendJSONString(b, a.Fingerprint)
	if a.DedupKey != "" {
		b = appendJSONString(append(b, `,"dedup_key":`...), a.DedupKey)
	}
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(a.Status))
	b = append(b, `,"summary":`...)
	b = appendJSONString(b, a.Summary)
	if a.Details != "" {
		b = appendJSONString(append(b, `,"details":`...), a.Details)
	}
	if a.Severity != "" {
		b = appendJSONString(append(b, `,"severity":`...), a.Severity)
	}
	b = appendJSONMap(append(b, `,"labels":`...), a.Labels)
	if len(a.Annotations) > 0 {
		b = appendJSONMap(append(b, `,"annotations":`...), a.Annotations)
	}
	if len(a.Links) > 0 {
		b = append(b, `,"links":[`...)
		for i, l := range a.Links {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(append(b, `{"text":`...), l.Text)
			b = appendJSONString(append(b, `,"url":`...), l.URL)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	var err error
	if b, err = appendJSONTime(append(b, `,"starts_at":`...), a.StartsAt); err != nil {
		return nil, err
	}
	if b, err = appendJSONTime(append(b, `,"received_at":`...), a.ReceivedAt); err != nil {
		return nil, err
	}
	if a.GeneratorURL != "" {
		b = appendJSONString(append(b, `,"generator_url":`...), a.GeneratorURL)
	}
	b = append(b, `,"ends_at":`...)
	if a.EndsAt.IsZero() {
		b = append(b, "null"...)
	} else if b, err = appendJSONTime(b, a.EndsAt); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendJSONMap appends m with its keys sorted, {} when nil (as
// alertJSONOf makes labels).
func appendJSONMap(b []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(appendJSONString(b, k), ':')
		b = appendJSONString(b, m[k])
	}
	return append(b, '}')
}

// appendJSONTime appends t as time.Time.MarshalJSON does (RFC 3339 with
// nanoseconds, an error for a year it cannot write).
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	b = append(b, '"')
	b, err := t.AppendText(b)
	if err != nil {
		return nil, fmt.Errorf("json: error calling MarshalJSON for type time.Time: %w", err)
	}
	return append(b, '"'), nil
}

// appendJSONString appends s quoted as encoding/json quotes a string by
// default: <, > and & escaped (HTML-safe), \b \f \n \r \t short, other
// control bytes as \u00XX, invalid UTF-8 as \ufffd, U+2028 and U+2029
// escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
