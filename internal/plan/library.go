package plan

import (
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"sync"
)

// The built-in plans, one plan document a file, written from public
// incident-handling guidance (NIST SP 800-61 Rev. 3, the CISA federal
// incident response playbook) in our own words.
//
//go:embed library/*.yaml
var libraryFS embed.FS

// libraryRoles are the incident roles (incident.Roles) the built-in plans
// may name; a test keeps the two lists equal.
var libraryRoles = []string{"ir_lead", "incident_commander", "comms_lead", "scribe", "responder"}

var library = sync.OnceValues(func() ([]Plan, error) {
	files, err := fs.Glob(libraryFS, "library/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("plan: the library: %w", err)
	}
	slices.Sort(files)
	known := func(r string) bool { return slices.Contains(libraryRoles, r) }
	var out []Plan
	for _, f := range files {
		data, err := libraryFS.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("plan: the library: %w", err)
		}
		p, err := ParsePlan(data, known)
		if err != nil {
			return nil, fmt.Errorf("plan: the library's %s:\n%w", f, err)
		}
		out = append(out, p)
	}
	return out, nil
})

// LoadLibrary returns the built-in plans, by name; the error can only be a
// broken build (a test parses them all).
func LoadLibrary() ([]Plan, error) {
	plans, err := library()
	if err != nil {
		return nil, err
	}
	out := make([]Plan, len(plans))
	for i, p := range plans {
		out[i] = p.Clone()
	}
	return out, nil
}

// Library returns the built-in plans, by name: copies, so a caller may
// change them. It never panics; it is empty only if the embedded files were
// broken, which the library's test rules out.
func Library() []Plan {
	plans, _ := LoadLibrary()
	return plans
}

// Clone returns a deep copy of p.
func (p *Plan) Clone() Plan {
	c := *p
	c.AppliesTo.Types = slices.Clone(p.AppliesTo.Types)
	c.AppliesTo.Severities = slices.Clone(p.AppliesTo.Severities)
	c.AppliesTo.Labels = maps.Clone(p.AppliesTo.Labels)
	c.Roles = slices.Clone(p.Roles)
	c.Tasks = slices.Clone(p.Tasks)
	for i := range c.Tasks {
		c.Tasks[i].Checklist = slices.Clone(p.Tasks[i].Checklist)
	}
	return c
}
