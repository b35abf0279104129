package config

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

// planRoles are the role names a plan's owners and roles may use.
func planRoles(name string) bool { return incident.Role(name).Valid() }

// ParsePlans reads a plans file (a document whose only key is plans, see
// docs/plans.md). Every problem is reported, as Problems placed in the file.
func ParsePlans(data []byte) ([]plan.Plan, error) {
	plans, err := plan.ParseFile(data, planRoles)
	if err != nil {
		return nil, planProblems(err)
	}
	return plans, nil
}

// LoadPlans reads a plans file; its problems are Problems, wrapped with the
// path.
func LoadPlans(path string) ([]plan.Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("plans: %w", err)
	}
	plans, err := ParsePlans(data)
	if err != nil {
		return nil, fmt.Errorf("plans %s: %w", path, err)
	}
	return plans, nil
}

// checkPlans decodes the policy file's plans key with the plans file's
// rules; the other keys are Parse's.
func (f *File) checkPlans(data []byte) error {
	plans, err := plan.ParseSection(data, planRoles)
	if err != nil {
		return planProblems(err)
	}
	f.Plans = plans
	return nil
}

// planProblems turns the plan package's problems into Problems, so that
// the command line prints them as it prints every file's.
func planProblems(err error) error {
	var fps plan.FileProblems
	if !errors.As(err, &fps) {
		return err
	}
	ps := make(Problems, len(fps))
	for i, p := range fps {
		ps[i] = Problem{Line: p.Line, Column: p.Column, Path: p.Path, Message: p.Message}
	}
	return ps
}

// hasPlanProblem reports whether err holds a problem of the plans key, not
// only of the document as a whole.
func hasPlanProblem(err error) bool {
	var ps Problems
	if !errors.As(err, &ps) {
		return false
	}
	for _, p := range ps {
		if p.Path == "plans" || strings.HasPrefix(p.Path, "plans[") || strings.HasPrefix(p.Path, "plans.") {
			return true
		}
	}
	return false
}
