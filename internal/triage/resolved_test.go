package triage_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// TestResolveAfterDeclaration is issue 12 defect 4's second half: once a
// group became an incident, a resolve still counts as resolved in the
// receipt, and each alert's resolve is on the timeline once, naming the
// alert among the group's (two alerts of one group share a summary).
func TestResolveAfterDeclaration(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := newSetup(t, b)
			ctx := context.Background()
			q := s.app.Services.Triage
			if code, body := s.post(t, "/hooks/alertmanager/"+s.secret, sample(t, "01-firing-first-notification.json")); code != 200 {
				t.Fatalf("%d %s", code, body)
			}
			entries, _ := q.Queue(ctx, admin, false, 0)
			inc, err := q.Declare(ctx, admin, entries[0].Group.ID, incident.DeclareInput{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				file                      string
				resolved, ignored, events int
			}{
				{"02-one-resolved-one-firing.json", 1, 0, 1},
				{"03-all-resolved.json", 1, 1, 2},
				{"03-all-resolved.json", 0, 2, 2}, // sent again: nothing new
			} {
				code, body := s.post(t, "/hooks/alertmanager/"+s.secret, sample(t, c.file))
				var r triage.Receipt
				if err := json.Unmarshal([]byte(body), &r); code != 200 || err != nil {
					t.Fatalf("%s: %d %s", c.file, code, body)
				}
				if r.Resolved != c.resolved || r.Ignored != c.ignored {
					t.Fatalf("%s: receipt %s, want resolved %d, ignored %d", c.file, body, c.resolved, c.ignored)
				}
				_, events, err := s.app.Services.Incidents.Timeline(ctx, admin, inc.Ref)
				if err != nil {
					t.Fatal(err)
				}
				seen := map[string]int{}
				n := 0
				for _, e := range events {
					if e.Type == incident.EvAlertResolved {
						n++
						seen[incident.Describe(e)]++
					}
				}
				if n != c.events || len(seen) != n {
					t.Fatalf("%s: %d alert.resolved events, %d distinct (want %d, each once): %v", c.file, n, len(seen), c.events, seen)
				}
				if c.events >= 1 && seen["alert resolved: 5xx rate above 5% on checkout (instance=10.0.0.1:8080)"] != 1 {
					t.Fatalf("%s: the first alert's resolve: %v", c.file, seen)
				}
				if c.events == 2 && seen["alert resolved: 5xx rate above 5% on checkout (instance=10.0.0.2:8080)"] != 1 {
					t.Fatalf("%s: the second alert's resolve: %v", c.file, seen)
				}
			}
			// The metrics agree: 8 alerts in 4 bodies, one firing alert
			// repeated, two resolves on the incident's timeline.
			resp, err := http.Get(s.app.URL() + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			text, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, line := range []string{`firebreak_alerts_received_total{integration="alertmanager"} 8`,
				`firebreak_alerts_deduplicated_total{integration="alertmanager"} 1`, `firebreak_alerts_resolved_total{integration="alertmanager"} 2`} {
				if !strings.Contains(string(text), line+"\n") {
					t.Errorf("metrics lack %s", line)
				}
			}
		})
	}
}
