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
		if b.Alerts != nil || b.Problems != nil || b.Truncated != 0 {
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
		if src == alert.SourceGeneric {
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
