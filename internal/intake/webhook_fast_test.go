package intake

import (
	"reflect"
	"testing"
)

// sameAsSlow checks that the one-pass decoder, when it takes a body,
// answers exactly what encoding/json's decoding answers.
func sameAsSlow(t *testing.T, f webhookFormat, body []byte) (took bool) {
	t.Helper()
	fast, fastErr, ok := fastWebhook(f, body, delivery)
	if !ok {
		return false
	}
	slow, slowErr := slowWebhook(f, body, delivery)
	if !reflect.DeepEqual(fastErr, slowErr) {
		t.Fatalf("%s: fast error %v, encoding/json's %v", body, fastErr, slowErr)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%s:\nfast %+v\nslow %+v", body, fast, slow)
	}
	return true
}

func TestWebhookFastPath(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		took bool // whether the one-pass decoder answers it itself
	}{
		{"storm", string(stormBody(50)), true},
		{"wrong version", `{"version":"1","alerts":[]}`, true},
		{"no alerts", `{"version":"4"}`, true},
		{"negative truncated", `{"version":"4","alerts":[],"truncatedAlerts":-1}`, true},
		{"problems per alert", `{"version":"4","alerts":[{"status":"x","labels":{}},{"status":"firing","labels":{"a":"b"},"startsAt":"2026-01-01T00:00:00Z"}]}`, true},
		{"escapes and unicode", `{"version":"4","alerts":[{"status":"firing","labels":{"a\u0062":"\"x\"\n","ü":"é😀"},"annotations":{"summary":"s\/t"},"startsAt":"2026-01-01T00:00:00+01:00","endsAt":"2026-01-01T01:00:00Z"}]}`, true},
		{"resolved keeps its end", `{"version":"4","alerts":[{"status":"resolved","labels":{"a":"b"},"startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T01:00:00.5Z"}]}`, true},
		{"unknown fields of every kind", `{"version":"4","x":[1,-2.5e3,true,false,null,{"y":[]}],"alerts":[{"status":"firing","labels":{"a":"b"},"startsAt":"2026-01-01T00:00:00Z","z":{"q":"\u00e9"}}]}`, true},
		{"repeated keys: the last wins", `{"version":"3","version":"4","alerts":[{"status":"firing"}],"alerts":[{"status":"firing","labels":{"a":"b"},"labels":{"c":"d","c":"e"},"startsAt":"2026-01-01T00:00:00Z"}]}`, true},
		{"whitespace", " \t\n{ \"version\" : \"4\" , \"alerts\" : [ ] } \r\n", true},
		{"empty maps", `{"version":"4","alerts":[{"status":"firing","labels":{"a":"b"},"annotations":{},"startsAt":"2026-01-01T00:00:00Z"}]}`, true},
		// Left to encoding/json:
		{"key by case folding", `{"version":"4","Alerts":[]}`, false},
		{"field by case folding", `{"version":"4","alerts":[{"Status":"firing"}]}`, false},
		{"non-ASCII key near a field", `{"version":"4","alerts":[{"ſtatus":"firing"}]}`, false},
		{"null", `{"version":null,"alerts":[]}`, false},
		{"wrong type", `{"version":"4","alerts":[{"labels":{"a":1}}]}`, false},
		{"alert not an object", `{"version":"4","alerts":[1]}`, false},
		{"fractional count", `{"version":"4","alerts":[],"truncatedAlerts":1.5}`, false},
		{"trailing data", `{"version":"4","alerts":[]}x`, false},
		{"trailing comma", `{"version":"4","alerts":[],}`, false},
		{"bad escape", `{"version":"4","alerts":[],"x":"\q"}`, false},
		{"invalid UTF-8", "{\"version\":\"4\",\"alerts\":[],\"x\":\"\xff\"}", false},
		{"control character", "{\"version\":\"4\",\"alerts\":[],\"x\":\"\x01\"}", false},
		{"leading zero", `{"version":"4","alerts":[],"x":01}`, false},
		{"grafana values", `{"version":"4","alerts":[{"values":{"A":1}}]}`, false},
		{"not an object", `[]`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sameAsSlow(t, alertmanagerFormat, []byte(tc.body)); got != tc.took {
				t.Fatalf("one-pass decoder took it: %v, want %v", got, tc.took)
			}
		})
	}
}

func FuzzWebhookFastPath(f *testing.F) {
	seed(f, "alertmanager-", `{"version":"4","alerts":[{"status":"firing","labels":{"a":"b"},"startsAt":"2026-01-01T00:00:00Z"}]}`)
	seed(f, "grafana-")
	f.Fuzz(func(t *testing.T, body []byte) {
		sameAsSlow(t, alertmanagerFormat, body)
		sameAsSlow(t, grafanaFormat, body)
	})
}
