package cli

import (
	"fmt"
	"os"

	"github.com/firebreak-ir/firebreak/internal/config"
)

// validatePlans checks a plans file offline; problems are printed one a
// line, FILE:LINE:COL: PATH: MESSAGE.
func (g *globals) validatePlans(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	plans, err := config.ParsePlans(data)
	if err != nil {
		return g.fileProblems(path, err)
	}
	tasks := 0
	for _, p := range plans {
		tasks += len(p.Tasks)
	}
	fmt.Fprintf(g.env.Stdout, "%s: valid (%s, %s)\n", path, countNoun(len(plans), "plan"), countNoun(tasks, "task"))
	return nil
}

// countNoun is "1 plan", "2 plans".
func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
