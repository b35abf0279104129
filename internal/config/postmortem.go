package config

import (
	"errors"
	"fmt"

	"github.com/firebreak-ir/firebreak/internal/postmortem"
)

// The post-mortem templates of the policy file, keyed by incident type
// pattern as plans' applies_to types are ("*" every type, "security.*" a
// family, else one type); each sets the prompts of the sections it names
// over the built-in templates (postmortem.Builtin):
//
//	postmortem_templates:
//	  "*":
//	    went_well: ["What helped?"]
//	  security.*:
//	    questions: ["How was the attacker's access removed?"]
//	    hard: []   # ask nothing there

// checkPostmortemTemplates checks the templates; each problem names its
// place in the file.
func (f *File) checkPostmortemTemplates(data []byte) error {
	var problems []error
	for _, p := range f.PostmortemTemplates.Check() {
		path := "postmortem_templates." + p.Pattern
		if p.Path != "" {
			path += "." + p.Path
		}
		problems = append(problems, fmt.Errorf("%s%s: %s", placeOf(data, path), path, p.Message))
	}
	return errors.Join(problems...)
}

// Templates are the configured post-mortem templates, to lay over the
// built-in ones; nil when the file has none.
func (f File) Templates() postmortem.Templates { return f.PostmortemTemplates }
