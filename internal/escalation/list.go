package escalation

import "context"

// List lists escalations, newest first: every one, or only the open ones.
func (s *Service) List(ctx context.Context, openOnly bool, limit int) ([]Escalation, error) {
	return s.store.Escalations(ctx, "", "", openOnly, limit)
}

// Escalation returns one escalation with its deliveries.
func (s *Service) Escalation(ctx context.Context, id string) (Escalation, []Delivery, error) {
	e, err := s.store.Escalation(ctx, id)
	if err != nil {
		return e, nil, err
	}
	ds, err := s.deliveries(ctx, id)
	return e, ds, err
}

// For lists a subject's escalations with their deliveries, newest first.
func (s *Service) For(ctx context.Context, kind SubjectKind, subjectID string) ([]EscalationView, error) {
	es, err := s.store.Escalations(ctx, kind, subjectID, false, 50)
	if err != nil {
		return nil, err
	}
	out := make([]EscalationView, 0, len(es))
	for _, e := range es {
		ds, err := s.deliveries(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, EscalationView{Escalation: e, Deliveries: ds})
	}
	return out, nil
}
