package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// Every list command's -o json is one shape, {"items": [...]}, with [] (not
// null) when the list is empty.
func TestListsPrintItems(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ok(t, "declare", "Checkout errors", "--severity", "SEV3")
	lists := [][]string{
		{"incidents", "list"},
		{"incidents", "timeline", "INC-1"},
		{"incidents", "postmortem", "revisions", "INC-1"},
		{"tasks", "INC-1"},
		{"tasks", "list"},
		{"actions"},
		{"assets", "INC-1"},
		{"assets", "inventory"},
		{"creds", "INC-1"},
		{"fixes", "INC-1"},
		{"iocs", "INC-1"},
		{"evidence", "INC-1"},
		{"notices", "list", "INC-1"},
		{"notices", "templates"},
		{"obligations", "INC-1"},
		{"subscriptions"},
		{"updates", "INC-1"},
		{"users", "list"},
		{"token", "list", "--user", "admin", "--db", h.dsn},
		{"integrations", "list"},
		{"triage", "list"},
		{"oncall"},
		{"oncall", "schedules"},
		{"oncall", "policies"},
		{"oncall", "teams"},
		{"oncall", "services"},
		{"contacts", "list"},
		{"rules", "list"},
		{"escalations"},
		{"plans", "list"},
		{"jobs", "dead"},
		{"deliveries", "list"},
	}
	for _, args := range lists {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out := h.ok(t, append(args, "-o", "json")...)
			var v map[string]json.RawMessage
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatalf("not a JSON object: %v\n%s", err, out)
			}
			items := strings.TrimSpace(string(v["items"]))
			if !strings.HasPrefix(items, "[") {
				t.Fatalf(`"items" is %q, want a list:\n%s`, items, out)
			}
		})
	}
}
