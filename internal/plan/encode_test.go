package plan_test

import (
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/plan"
)

// A plan's YAML reads back as the same plan (the same hash): the
// console's editor and `plans show -o yaml` hand out text that saves back
// unchanged. Empty fields are left out of it.
func TestYAMLRoundTrip(t *testing.T) {
	plans := append(plan.Library(), plan.Plan{Name: "bare", Title: "Bare",
		Tasks: []plan.Task{{Key: "x", Phase: plan.Assess, Title: "Look: here", Instructions: "line one\n\n- two: three\n", Checklist: []string{"a: b", "#c"}}}})
	for _, p := range plans {
		b, err := p.YAML()
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		got, err := plan.ParsePlan(b, incidentRoles)
		if err != nil {
			t.Fatalf("%s: its YAML does not parse: %v\n%s", p.Name, err, b)
		}
		if got.Hash() != p.Hash() {
			t.Fatalf("%s: its YAML reads back as another plan:\n%s", p.Name, b)
		}
		if p.Name == "bare" && (strings.Contains(string(b), "applies_to") || strings.Contains(string(b), "owner") || strings.Contains(string(b), "roles")) {
			t.Fatalf("empty fields written:\n%s", b)
		}
	}
}
