package intake

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

func TestGenericSingle(t *testing.T) {
	t.Parallel()
	b, err := Generic(readTestdata(t, "generic-single.json"), delivery)
	if err != nil {
		t.Fatal(err)
	}
	want := Batch{Alerts: []alert.Alert{{
		Source: alert.SourceGeneric, Integration: "prom-prod",
		Fingerprint: "backup-nightly-db1", DedupKey: "backup-nightly-db1",
		Status: alert.StatusFiring, Summary: "Nightly backup of db1 failed",
		Details:     "{\n  \"exit_code\": 2,\n  \"stderr\": \"pg_dump: connection refused\"\n}",
		Severity:    "error",
		Labels:      map[string]string{"service": "database", "host": "db1"},
		Annotations: map[string]string{"source": "backup-cron"},
		Links:       []alert.Link{{Text: "Job log", URL: "https://ci.example/jobs/4411"}},
		StartsAt:    time.Date(2026, 11, 27, 2, 0, 5, 0, time.UTC),
		ReceivedAt:  recv,
	}}}
	if !reflect.DeepEqual(b, want) {
		t.Errorf("got  %+v\nwant %+v", b, want)
	}
}

func TestGenericBatch(t *testing.T) {
	t.Parallel()
	b, err := Generic(readTestdata(t, "generic-batch.json"), delivery)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Problem{{Index: 2, Field: "detail", Message: "unknown field"}}; !reflect.DeepEqual(b.Problems, want) {
		t.Errorf("problems %v, want %v", b.Problems, want)
	}
	if len(b.Alerts) != 2 {
		t.Fatalf("alerts: %+v", b.Alerts)
	}
	cert, res := b.Alerts[0], b.Alerts[1]
	if cert.Status != alert.StatusFiring || cert.Severity != "warning" || len(cert.Fingerprint) != 64 || cert.DedupKey != "" {
		t.Errorf("first: %+v", cert)
	}
	if res.Status != alert.StatusResolved || res.Fingerprint != "backup-nightly-db1" ||
		!res.EndsAt.Equal(time.Date(2026, 11, 27, 2, 10, 0, 0, time.UTC)) || !res.StartsAt.IsZero() || len(res.Labels) != 0 {
		t.Errorf("second: %+v", res)
	}
}

func TestGenericFingerprintWithoutKey(t *testing.T) {
	t.Parallel()
	parse := func(body string) string {
		b, err := Generic([]byte(body), delivery)
		if err != nil || len(b.Alerts) != 1 {
			t.Fatalf("%s: %v %v", body, err, b.Problems)
		}
		return b.Alerts[0].Fingerprint
	}
	a := parse(`{"summary":"Disk full","labels":{"host":"a","dc":"x"}}`)
	if b := parse(`{"labels":{"dc":"x","host":"a"},"summary":" Disk full ","severity":"info"}`); b != a {
		t.Error("same labels and summary must give the same fingerprint")
	}
	if b := parse(`{"summary":"Disk full","labels":{"host":"b","dc":"x"}}`); b == a {
		t.Error("other labels must give another fingerprint")
	}
	if b := parse(`{"summary":"Disk fuller","labels":{"host":"a","dc":"x"}}`); b == a {
		t.Error("another summary must give another fingerprint")
	}
	if b := parse(`{"action":"resolve","summary":"Disk full","labels":{"host":"a","dc":"x"}}`); b != a {
		t.Error("a resolve by summary and labels must find its trigger")
	}
}

func TestGenericBodyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ body, field, msg string }{
		{"", "", "body is empty"},
		{"{", "", "not a generic event: invalid JSON at byte 1: unexpected end of JSON input"},
		{"[]", "", "not a generic event: must be an object, found an array"},
		{`"x"`, "", "not a generic event: must be an object, found a string"},
		{"null", "", "not a generic event: must be an object, found null"},
		{`{"events":[],"summary":"x"}`, "summary", `unknown field next to "events"`},
		{`{"events":{}}`, "events", "must be an array of events"},
		{`{"events":null}`, "events", "must be an array of events"},
		{`{"events":[` + strings.Repeat(`{},`, MaxEvents) + `{}]}`, "events", "at most 1000 events in one request, got 1001"},
	}
	for _, tt := range tests {
		_, err := Generic([]byte(tt.body), delivery)
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid || e.Field != tt.field || e.Message != tt.msg {
			t.Errorf("%.40s: got %v, want %s: %s", tt.body, err, tt.field, tt.msg)
		}
	}
}

func TestGenericEventProblems(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("x", n) }
	manyLabels := func(n int) string {
		var parts []string
		for i := range n {
			parts = append(parts, fmt.Sprintf(`"l%d":"v"`, i))
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	manyLinks := `[` + strings.TrimSuffix(strings.Repeat(`{"href":"https://a.example"},`, MaxLinks+1), ",") + `]`
	tests := []struct {
		event string
		want  []Problem
	}{
		{`{"summary":"s","colour":"red"}`, []Problem{{0, "colour", "unknown field"}}},
		{`{}`, []Problem{{0, "summary", "required to trigger"}}},
		{`{"summary":"  "}`, []Problem{{0, "summary", "required to trigger"}}},
		{`{"summary":1}`, []Problem{{0, "summary", "must be a string, found a number"}}},
		{`{"summary":"` + long(1025) + `"}`, []Problem{{0, "summary", "at most 1024 bytes, got 1025"}}},
		{`{"summary":"\udc00"}`, nil}, // encoding/json replaces a lone surrogate with U+FFFD
		{`{"summary":"s","action":"ack"}`, []Problem{{0, "action", `must be "trigger" or "resolve", got "ack"`}}},
		{`{"action":"resolve"}`, []Problem{{0, "dedup_key", "a resolve needs the dedup_key, or the summary and labels, of the alert it resolves"}}},
		{`{"summary":"s","dedup_key":" "}`, []Problem{{0, "dedup_key", "must not be blank"}}},
		{`{"summary":"s","dedup_key":"` + long(256) + `"}`, []Problem{{0, "dedup_key", "at most 255 bytes, got 256"}}},
		{`{"summary":"s","severity":"sev1"}`, []Problem{{0, "severity", `must be one of critical, error, warning, info, got "sev1"`}}},
		{`{"summary":"s","severity":null}`, []Problem{{0, "severity", "must be a string, found null"}}},
		{`{"summary":"s","source":["a"]}`, []Problem{{0, "source", "must be a string, found an array"}}},
		{`{"summary":"s","details":3}`, []Problem{{0, "details", "must be a string or an object, found a number"}}},
		{`{"summary":"s","details":"` + long(MaxDetails+1) + `"}`, []Problem{{0, "details", "at most 65536 bytes, got 65537"}}},
		{`{"summary":"s","details":{"a":"` + long(MaxDetails) + `"}}`, []Problem{{0, "details", "at most 65536 bytes, got 65549"}}},
		{`{"summary":"s","labels":[]}`, []Problem{{0, "labels", "must be an object of strings, found an array"}}},
		{`{"summary":"s","labels":{"a":1,"b":"ok","c":null}}`, []Problem{
			{0, "labels.a", "must be a string, found a number"},
			{0, "labels.c", "must be a string, found null"}}},
		{`{"summary":"s","labels":{"":"x"}}`, []Problem{{0, "labels", "a label name must not be empty"}}},
		{`{"summary":"s","labels":{"` + long(129) + `":"x"}}`, []Problem{{0, "labels", `label name "xxxxxxxxxxxxxxxxxxxx"… is longer than 128 bytes`}}},
		{`{"summary":"s","labels":{"a":"` + long(1025) + `"}}`, []Problem{{0, "labels.a", "at most 1024 bytes, got 1025"}}},
		{`{"summary":"s","labels":` + manyLabels(65) + `}`, []Problem{{0, "labels", "at most 64 labels, got 65"}}},
		{`{"summary":"s","links":{}}`, []Problem{{0, "links", "must be an array of links, found an object"}}},
		{`{"summary":"s","links":` + manyLinks + `}`, []Problem{{0, "links", "at most 16 links, got 17"}}},
		{`{"summary":"s","links":["https://a.example"]}`, []Problem{{0, "links[0]", "must be an object, found a string"}}},
		{`{"summary":"s","links":[{"text":"t"}]}`, []Problem{{0, "links[0].href", "required"}}},
		{`{"summary":"s","links":[{"href":"https://a.example","title":"t"}]}`, []Problem{{0, "links[0].title", "unknown field"}}},
		{`{"summary":"s","links":[{"href":"javascript:alert(1)"}]}`, []Problem{{0, "links[0].href", `must be an absolute http or https URL, got "javascript:alert(1)"`}}},
		{`{"summary":"s","links":[{"href":"/relative"},{"href":"https://ok.example","text":5}]}`, []Problem{
			{0, "links[0].href", `must be an absolute http or https URL, got "/relative"`},
			{0, "links[1].text", "must be a string, found a number"}}},
		{`{"summary":"s","occurred_at":"27/11/2026"}`, []Problem{{0, "occurred_at", `must be an RFC 3339 time, got "27/11/2026"`}}},
		{`{"summary":"s","occurred_at":true}`, []Problem{{0, "occurred_at", "must be a string, found a boolean"}}},
		// Every problem of an event is reported, in field order.
		{`{"zz":1,"action":"x","summary":2}`, []Problem{
			{0, "action", `must be "trigger" or "resolve", got "x"`},
			{0, "summary", "must be a string, found a number"},
			{0, "zz", "unknown field"}}},
	}
	for _, tt := range tests {
		b, err := Generic([]byte(tt.event), delivery)
		if err != nil {
			t.Errorf("%.60s: %v", tt.event, err)
			continue
		}
		if !reflect.DeepEqual(b.Problems, tt.want) {
			t.Errorf("%.60s:\n got %v\nwant %v", tt.event, b.Problems, tt.want)
		}
		if (len(b.Alerts) == 0) != (tt.want != nil) {
			t.Errorf("%.60s: accepted %d alerts", tt.event, len(b.Alerts))
		}
	}
}

func TestGenericBatchPolicy(t *testing.T) {
	t.Parallel()
	body := `{"events":[{"summary":"one"}, 5, {"summary":""}, null, {"summary":"four","labels":{"x":"y"}}]}`
	b, err := Generic([]byte(body), delivery)
	if err != nil {
		t.Fatal(err)
	}
	want := []Problem{
		{1, "", "an event must be an object, found a number"},
		{2, "summary", "required to trigger"},
		{3, "", "an event must be an object, found null"},
	}
	if !reflect.DeepEqual(b.Problems, want) {
		t.Errorf("problems:\n got %v\nwant %v", b.Problems, want)
	}
	if len(b.Alerts) != 2 || b.Alerts[0].Summary != "one" || b.Alerts[1].Summary != "four" {
		t.Errorf("accepted: %+v", b.Alerts)
	}
}
