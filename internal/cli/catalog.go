package cli

import (
	"fmt"
	"os"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/config"
)

// validateCatalog checks an obligations catalog file offline; problems are
// printed one a line, FILE:LINE:COL: PATH: MESSAGE.
func (g *globals) validateCatalog(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	merged, err := config.ParseCatalog(data)
	if err != nil {
		return g.fileProblems(path, err)
	}
	own, err := comms.ParseCatalog(data)
	if err != nil {
		return err
	}
	obligations := fmt.Sprintf("%d obligations", own.Len())
	if own.Len() == 1 {
		obligations = "1 obligation"
	}
	fmt.Fprintf(g.env.Stdout, "%s: valid catalog (%s of its own; %d with the built-in ones)\n", path, obligations, merged.Len())
	return nil
}
