package incident

import (
	"context"
	"slices"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"

	"github.com/firebreak-ir/firebreak/internal/plan"
)

// PlanSource finds response plans (the plans service, wired at start).
type PlanSource interface {
	// Matching returns the current plans that apply to an incident of
	// this type, severity and labels, most specific first.
	Matching(ctx context.Context, typ, severity string, labels map[string]string) ([]plan.Versioned, error)
	// Get returns a plan's current version.
	Get(ctx context.Context, name string) (plan.Versioned, error)
}

// SetPlans wires the response plans that leaving triage activates. Call
// it before serving; without it no plan is activated.
func (s *Service) SetPlans(p PlanSource) { s.plans = p }

// Assess records an assessment of potential impact (see Policy.Assess).
func (s *Service) Assess(ctx context.Context, c Command, in AssessInput) (Incident, error) {
	return s.do(ctx, c, func(inc *Incident, _ time.Time) ([]Change, error) { return s.policy.Assess(inc, in) })
}

// SuggestedPlans returns the plans that match the incident as it is now
// and are not applied: after a change of type or severity, the ones to
// offer. Nothing is applied or removed by itself.
func (s *Service) SuggestedPlans(ctx context.Context, inc *Incident) ([]plan.Versioned, error) {
	if s.plans == nil {
		return nil, nil
	}
	all, err := s.plans.Matching(ctx, inc.Type, inc.Severity, inc.Labels)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(p plan.Versioned) bool {
		_, applied := inc.AppliedPlan(p.Name)
		return applied
	}), nil
}

// ApplyPlan applies a plan's current version by hand.
func (s *Service) ApplyPlan(ctx context.Context, c Command, name string) (Incident, error) {
	return s.do(ctx, c, func(inc *Incident, _ time.Time) ([]Change, error) {
		if s.plans == nil {
			return nil, errNoPlans(name)
		}
		p, err := s.plans.Get(ctx, name)
		if err != nil {
			return nil, err
		}
		return s.policy.ApplyPlan(inc, p)
	})
}

// DetachPlan removes a plan's open tasks; its done ones stay.
func (s *Service) DetachPlan(ctx context.Context, c Command, name, reason string) (Incident, error) {
	return s.do(ctx, c, func(inc *Incident, _ time.Time) ([]Change, error) { return s.policy.DetachPlan(inc, name, reason) })
}

// AddTask adds a task by hand; its assignee, when named, must be an
// active user.
func (s *Service) AddTask(ctx context.Context, c Command, in TaskInput) (Incident, error) {
	if in.Assignee != "" {
		if err := s.userExists(ctx, in.Assignee); err != nil {
			return Incident{}, fieldAs("assignee", err)
		}
	}
	return s.do(ctx, c, func(inc *Incident, now time.Time) ([]Change, error) { return s.policy.AddTask(inc, in, now) })
}

// UpdateTask changes a task (see Policy.UpdateTask).
func (s *Service) UpdateTask(ctx context.Context, c Command, key string, in TaskUpdate) (Incident, error) {
	if in.Assignee != nil && *in.Assignee != "" {
		if err := s.userExists(ctx, *in.Assignee); err != nil {
			return Incident{}, fieldAs("assignee", err)
		}
	}
	return s.do(ctx, c, func(inc *Incident, now time.Time) ([]Change, error) { return s.policy.UpdateTask(inc, key, in, now) })
}

func errNoPlans(name string) error {
	return errs.E(errs.NotFound, "plan", "no plan %q: this server has no response plans", name)
}

// fieldAs names field in an error about a user.
func fieldAs(field string, err error) error {
	if e, ok := errs.As(err); ok && e.Field == "user" {
		c := *e
		c.Field = field
		return &c
	}
	return err
}
