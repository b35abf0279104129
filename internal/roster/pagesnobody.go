package roster

import (
	"context"
	"fmt"
)

// PagesNobody says why a new queue entry on service would page nobody (no
// such service, or it has no escalation policy, or its policy is not
// there), or "" when it pages its policy.
func (s *Roster) PagesNobody(ctx context.Context, service string) (string, error) {
	o, err := s.store.Objects(ctx)
	if err != nil {
		return "", err
	}
	svc, ok := o.Services[service]
	switch {
	case !ok:
		return fmt.Sprintf("no on-call service is named %q", service), nil
	case svc.Policy == "":
		return fmt.Sprintf("service %q has no escalation policy", service), nil
	}
	if _, ok := o.Policies[svc.Policy]; !ok {
		return fmt.Sprintf("the escalation policy %q of service %q does not exist", svc.Policy, service), nil
	}
	return "", nil
}
