package plan_test

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/plan"
)

// TestDocs keeps docs/plans.md true: its library table lists every
// built-in plan with its types and task count, and its example is
// examples/plans.yaml, which parses.
func TestDocs(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/plans.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range plan.Library() {
		types := make([]string, len(p.AppliesTo.Types))
		for i, s := range p.AppliesTo.Types {
			types[i] = "`" + s + "`"
		}
		row := fmt.Sprintf("| `%s` | %s | %d | ", p.Name, strings.Join(types, ", "), len(p.Tasks))
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/plans.md has no row starting %q", row)
		}
	}

	_, block, ok := strings.Cut(string(doc), "`examples/plans.yaml`:\n\n```yaml\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("docs/plans.md has no example block after `examples/plans.yaml`:")
	}
	example, err := os.ReadFile("../../examples/plans.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fromDoc, err := plan.ParseFile([]byte(block), incidentRoles)
	if err != nil {
		t.Fatalf("the example in the docs: %v", err)
	}
	fromFile, err := plan.ParseFile(example, incidentRoles)
	if err != nil {
		t.Fatalf("examples/plans.yaml: %v", err)
	}
	if !reflect.DeepEqual(fromDoc, fromFile) {
		t.Error("the example in docs/plans.md differs from examples/plans.yaml")
	}
}
