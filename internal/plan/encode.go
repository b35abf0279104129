package plan

import (
	"github.com/goccy/go-yaml"
)

// The plan as a person edits it: empty fields left out, instructions of
// several lines as literal blocks. Plan's own yaml tags are for strict
// reading, where an omitted field and an empty one are the same.
type (
	yamlPlan struct {
		Name        string     `yaml:"name"`
		Title       string     `yaml:"title"`
		Description string     `yaml:"description,omitempty"`
		AppliesTo   *yamlMatch `yaml:"applies_to,omitempty"`
		Roles       []string   `yaml:"roles,omitempty"`
		Tasks       []yamlTask `yaml:"tasks"`
	}
	yamlMatch struct {
		Types      []string          `yaml:"types,omitempty"`
		Severities []string          `yaml:"severities,omitempty"`
		Labels     map[string]string `yaml:"labels,omitempty"`
	}
	yamlTask struct {
		Key          string   `yaml:"key"`
		Phase        Phase    `yaml:"phase"`
		Title        string   `yaml:"title"`
		Instructions string   `yaml:"instructions,omitempty"`
		Owner        string   `yaml:"owner,omitempty"`
		Due          string   `yaml:"due,omitempty"`
		DueFrom      DueFrom  `yaml:"due_from,omitempty"`
		Required     bool     `yaml:"required,omitempty"`
		Checklist    []string `yaml:"checklist,omitempty"`
	}
)

// YAML writes the plan as one YAML document, the form ParsePlan reads and
// the console's editor shows.
func (p *Plan) YAML() ([]byte, error) {
	y := yamlPlan{Name: p.Name, Title: p.Title, Description: p.Description, Roles: p.Roles, Tasks: make([]yamlTask, len(p.Tasks))}
	if m := p.AppliesTo; len(m.Types)+len(m.Severities)+len(m.Labels) > 0 {
		y.AppliesTo = &yamlMatch{Types: m.Types, Severities: m.Severities, Labels: m.Labels}
	}
	for i, t := range p.Tasks {
		y.Tasks[i] = yamlTask(t)
	}
	return yaml.MarshalWithOptions(y, yaml.UseLiteralStyleIfMultiline(true), yaml.IndentSequence(true))
}
