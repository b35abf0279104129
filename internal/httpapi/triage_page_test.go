package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

// TestTriageQueuePages: GET /api/v1/triage pages with limit, cursor and
// next_cursor — 130 entries come in three pages of at most 50, each once,
// the last without a next_cursor — and a cursor that is not the server's
// is a 422 naming cursor.
func TestTriageQueuePages(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	ctx := context.Background()
	in, err := s.admin.CreateIntegration(ctx, httpapi.IntegrationBody{Kind: "generic", Name: "pages"})
	if err != nil {
		t.Fatal(err)
	}
	var evs []string
	for i := range 130 {
		evs = append(evs, fmt.Sprintf(`{"dedup_key":"k%d","action":"trigger","summary":"alert %d","severity":%q,"labels":{"alertname":"a%d"}}`, i, i, []string{"critical", "warning", "info"}[i%3], i))
	}
	resp, err := http.Post(in.WebhookURL, "application/json", strings.NewReader(`{"events":[`+strings.Join(evs, ",")+`]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("webhook: %d", resp.StatusCode)
	}
	seen := map[string]bool{}
	var sizes []int
	cursor := ""
	for {
		p, err := s.as("vera").QueuePage(ctx, false, 50, cursor)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(p.Items))
		for _, e := range p.Items {
			if seen[e.ID] {
				t.Errorf("entry %s listed twice", e.ID)
			}
			seen[e.ID] = true
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if len(seen) != 130 || fmt.Sprint(sizes) != "[50 50 30]" {
		t.Errorf("paged %d entries in pages of %v, want 130 in [50 50 30]", len(seen), sizes)
	}
	a := s.call(t, "vera", "GET", "/api/v1/triage?cursor=bm9wZQ", "")
	if a.status != http.StatusUnprocessableEntity || !contains(a.locations(), "cursor") {
		t.Errorf("a foreign cursor: %d %s, want 422 naming cursor", a.status, a.raw)
	}
}
