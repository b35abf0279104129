package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// readDocFile reads a post-mortem's text from a file by its extension:
// JSON and YAML hold the whole document (unknown fields refused), Markdown
// the sections it names over cur.
func readDocFile(path string, cur incident.PostmortemDoc) (incident.PostmortemDoc, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return incident.PostmortemDoc{}, err
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".md", ".markdown":
		return incident.ParseDocMarkdown(string(b), cur)
	case ".yaml", ".yml":
		if b, err = yaml.YAMLToJSON(b); err != nil {
			return incident.PostmortemDoc{}, fmt.Errorf("%s: %w", path, err)
		}
		fallthrough
	case ".json":
		var d incident.PostmortemDoc
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil {
			return incident.PostmortemDoc{}, fmt.Errorf("%s: %w", path, err)
		}
		return d, nil
	}
	return incident.PostmortemDoc{}, fmt.Errorf("%s: the extension says the format: .yaml, .yml, .json or .md", path)
}
