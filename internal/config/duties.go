package config

import (
	"fmt"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

// checkOrganization validates the organization block; every problem is
// named by its field below organization.
func checkOrganization(p *duties.Profile) error {
	if p == nil {
		return nil
	}
	err := p.Validate()
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	ds := e.Details
	if len(ds) == 0 {
		ds = []errs.Detail{{Field: e.Field, Message: e.Message}}
	}
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmt.Sprintf("organization.%s: %s", d.Field, d.Message)
	}
	return fmt.Errorf("%s", strings.Join(parts, "; "))
}
