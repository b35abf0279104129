package intake

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

func seed(f *testing.F, prefix string, extra ...string) {
	f.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", prefix+"*.json"))
	if err != nil || len(names) == 0 {
		f.Fatalf("no testdata %s*: %v", prefix, err)
	}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, e := range extra {
		f.Add([]byte(e))
	}
}

// checkBatch holds for every parser and every input: a refused body is an
// Invalid error and nothing else; an accepted one yields well-formed alerts
// and problems that point into the body's list.
func checkBatch(t *testing.T, src alert.Source, b Batch, err error) {
	t.Helper()
	if err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("error without the Invalid code: %v", err)
		}
		if b.Alerts != nil || b.Problems != nil || b.Truncated != 0 || b.Acks != nil {
			t.Fatalf("refused body with a non-empty batch: %+v", b)
		}
		return
	}
	bad := map[int]bool{}
	for _, p := range b.Problems {
		if p.Index < 0 || p.Message == "" {
			t.Fatalf("malformed problem %+v", p)
		}
		bad[p.Index] = true
	}
	if b.Truncated < 0 {
		t.Fatalf("negative truncated %d", b.Truncated)
	}
	for _, a := range b.Alerts {
		if a.Source != src || !a.Status.Valid() || a.ReceivedAt != delivery.ReceivedAt || a.Integration != delivery.Integration {
			t.Fatalf("malformed alert %+v", a)
		}
		if a.Status == alert.StatusFiring && !a.EndsAt.IsZero() {
			t.Fatalf("firing alert with an end: %+v", a)
		}
		for _, l := range a.Links {
			if l.URL == "" {
				t.Fatalf("empty link in %+v", a)
			}
		}
		if src == alert.SourcePagerDuty {
			if a.Fingerprint == "" || a.Fingerprint != a.DedupKey || a.Labels["alertname"] != a.Fingerprint || len(a.Summary) > MaxSummary ||
				(a.Status == alert.StatusFiring && a.Summary == "") || !utf8.ValidString(a.Summary) {
				t.Fatalf("pagerduty alert out of bounds: %+v", a)
			}
			for _, l := range a.Links {
				if !strings.HasPrefix(l.URL, "http://") && !strings.HasPrefix(l.URL, "https://") {
					t.Fatalf("unsafe link %q", l.URL)
				}
			}
		} else if src == alert.SourceGeneric {
			if a.Fingerprint == "" || (a.Status == alert.StatusFiring && a.Summary == "") || len(a.Labels) > MaxLabels ||
				len(a.Summary) > MaxSummary || !utf8.ValidString(a.Summary) {
				t.Fatalf("generic alert out of bounds: %+v", a)
			}
			for _, l := range a.Links {
				if !strings.HasPrefix(l.URL, "http://") && !strings.HasPrefix(l.URL, "https://") {
					t.Fatalf("unsafe link %q", l.URL)
				}
			}
		} else if a.StartsAt.IsZero() || len(a.Labels) == 0 {
			t.Fatalf("webhook alert without start or labels: %+v", a)
		}
	}
}

func FuzzAlertmanager(f *testing.F) {
	seed(f, "alertmanager-", `{"version":"4","alerts":[{}]}`, `{"version":"4","alerts":[null,1,"x"],"truncatedAlerts":2}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := Alertmanager(body, delivery)
		checkBatch(t, alert.SourceAlertmanager, b, err)
	})
}

func FuzzGrafana(f *testing.F) {
	seed(f, "grafana-", `{"version":"1","alerts":[{"values":{"A":1e308}}]}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := Grafana(body, delivery)
		checkBatch(t, alert.SourceGrafana, b, err)
	})
}

func FuzzGeneric(f *testing.F) {
	seed(f, "generic-", `{"summary":"s","links":[{"href":"https://x.example"}]}`, `{"events":[{},null,{"action":"resolve","dedup_key":"k"}]}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := Generic(body, delivery)
		checkBatch(t, alert.SourceGeneric, b, err)
	})
}

func FuzzPagerDuty(f *testing.F) {
	seed(f, "pagerduty-", `{"event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info","custom_details":"x"},"images":[{"src":"https://x.example/a.png","href":"https://x.example"}]}`,
		`{"event_action":"acknowledge","dedup_key":"k"}`, `{"event_action":"resolve","dedup_key":null}`, `{"event_action":"trigger","payload":null,"links":null}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := PagerDuty(body, delivery)
		checkBatch(t, alert.SourcePagerDuty, b, err)
		if err == nil && len(b.Acks)+len(b.Alerts) > 1 {
			t.Fatalf("one event made %d alerts and %d acks", len(b.Alerts), len(b.Acks))
		}
		for _, k := range b.Acks {
			if strings.TrimSpace(k) == "" || len(k) > MaxDedupKey {
				t.Fatalf("bad ack key %q", k)
			}
		}
	})
}
