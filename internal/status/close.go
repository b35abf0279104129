package status

import (
	"context"
	"slices"
	"strings"
)

// FinalUpdate is the text of the public update that resolves a public
// incident when its internal incident closes, unless one is given.
const FinalUpdate = "This incident has been resolved. Thank you for your patience."

// ResolveOnClose posts the final public update of internal incident
// incidentID's public incident, if it has one still open: resolved, with
// body (FinalUpdate when empty), putting back each component this public
// incident changed to the state it had before its first change (those
// still in another state only). It returns the public incident and
// whether it posted; the same rules as any update apply (a restricted
// incident's page is an administrator's).
func (s *Service) ResolveOnClose(ctx context.Context, a Actor, incidentID, body string) (Incident, bool, error) {
	pub, err := s.store.PublicIncidentFor(ctx, incidentID)
	if notFound(err) {
		return Incident{}, false, nil
	}
	if err != nil || pub.Status.Done() {
		return pub, false, err
	}
	if strings.TrimSpace(body) == "" {
		body = FinalUpdate
	}
	comps, err := s.store.StatusComponents(ctx)
	if err != nil {
		return Incident{}, false, err
	}
	in := UpdateInput{Status: Resolved, Body: body, States: restoreStates(pub, comps)}
	if pub.Kind == KindMaintenance {
		in.Status = Completed
	}
	out, err := s.Post(ctx, a, pub.ID, in)
	return out, err == nil, err
}

// restoreStates is what each component pub changed goes back to: its state
// before pub's first change of it, for those not in that state now.
func restoreStates(pub Incident, comps []Component) map[string]State {
	before := map[string]State{}
	ups := slices.Clone(pub.Updates)
	slices.Reverse(ups) // oldest first
	for _, u := range ups {
		for _, c := range u.Components {
			if _, ok := before[c.ID]; !ok && c.Old != c.New {
				before[c.ID] = c.Old
			}
		}
	}
	out := map[string]State{}
	for _, c := range comps {
		if st, ok := before[c.ID]; ok && c.State != st && slices.Contains(pub.Components, c.ID) {
			out[c.ID] = st
		}
	}
	return out
}
