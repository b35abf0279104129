package config

import (
	"errors"
	"fmt"
	"os"

	"github.com/firebreak-ir/firebreak/internal/comms"
)

// ParseCatalog decodes an organisation's own obligations (the catalog
// schema, see README "Communication duties") and merges them over the
// built-in catalog: an obligation with a built-in one's ID replaces it. The
// error is Problems, each placed in the file.
func ParseCatalog(data []byte) (*comms.Catalog, error) {
	base, err := comms.DefaultCatalog()
	if err != nil {
		return nil, err
	}
	own, err := comms.ParseCatalog(data)
	if err != nil {
		var ces comms.CatalogErrors
		if !errors.As(err, &ces) {
			return nil, err
		}
		ps := make(Problems, len(ces))
		for i, e := range ces {
			ps[i] = Problem{Line: e.Line, Column: e.Column, Path: e.Path, Message: e.Message}
		}
		return nil, ps
	}
	return base.Merge(own), nil
}

// LoadCatalog reads an obligations file and merges it over the built-in
// catalog; an empty path is the built-in catalog alone. A file's problems
// are Problems (wrapped with the path).
func LoadCatalog(path string) (*comms.Catalog, error) {
	if path == "" {
		return comms.DefaultCatalog()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	c, err := ParseCatalog(data)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	return c, nil
}
