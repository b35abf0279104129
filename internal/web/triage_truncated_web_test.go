package web_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// TestTriageTruncatedNotice: when Alertmanager leaves alerts of a group out
// of its delivery (max_alerts), the queue and the entry page say how many,
// as of its last delivery; a complete delivery takes the notice away.
func TestTriageTruncatedNotice(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	vera := s.signIn(t, "vera")
	_, token, err := s.app.Services.Triage.CreateIntegration(context.Background(), "admin", triage.IntegrationInput{Kind: alert.SourceAlertmanager, Name: "prod-am"})
	if err != nil {
		t.Fatal(err)
	}
	sample, err := os.ReadFile("../intake/testdata/alertmanager-01-firing-first-notification.json")
	if err != nil {
		t.Fatal(err)
	}
	post := func(truncated string) {
		t.Helper()
		body := strings.Replace(string(sample), `"truncatedAlerts": 0`, `"truncatedAlerts": `+truncated, 1)
		r, err := http.Post(s.url+"/hooks/alertmanager/"+token, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != http.StatusOK {
			t.Fatalf("webhook answered %d", r.StatusCode)
		}
	}
	pages := func() (queue, entry string) {
		t.Helper()
		q := s.get(t, vera, "/triage")
		m := entryLink.FindStringSubmatch(q.body)
		if q.status != 200 || m == nil {
			t.Fatalf("/triage: %d, links to no entry", q.status)
		}
		e := s.get(t, vera, "/triage/"+m[1])
		if e.status != 200 {
			t.Fatalf("entry page: %d", e.status)
		}
		return q.body, e.body
	}

	post("2")
	queue, entry := pages()
	const two = "2 more alerts not sent by Alertmanager (max_alerts)"
	if !strings.Contains(queue, `<span class="q-trunc" role="note">`+two+`</span>`) {
		t.Errorf("/triage lacks the notice %q", two)
	}
	if !strings.Contains(entry, `id="truncated">`+two+`: its last delivery left them out`) || !strings.Contains(entry, "<code>max_alerts</code>") {
		t.Errorf("the entry page lacks the notice %q", two)
	}

	post("1")
	queue, entry = pages()
	const one = "1 more alert not sent by Alertmanager (max_alerts)"
	if !strings.Contains(queue, one) || !strings.Contains(entry, one) || strings.Contains(queue, two) {
		t.Errorf("after a delivery leaving out one alert the pages do not say %q alone", one)
	}

	post("0")
	queue, entry = pages()
	for name, body := range map[string]string{"/triage": queue, "the entry page": entry} {
		if strings.Contains(body, "not sent by") || strings.Contains(body, `id="truncated"`) {
			t.Errorf("%s still shows a truncation notice after a complete delivery", name)
		}
	}
}
