package contacts

import (
	"context"
	"slices"
	"time"
)

// Reach is one way a paged user is contacted: a verified contact method
// after a delay.
type Reach struct {
	Contact Contact
	Delay   time.Duration
}

// Reach lists how a paged user is contacted: through their notification
// rules, or every verified contact at once when they have none. Contacts
// not verified are never used.
func (s *Service) Reach(ctx context.Context, user string) ([]Reach, error) {
	cs, err := s.store.Contacts(ctx, user)
	if err != nil {
		return nil, err
	}
	verified := map[string]Contact{}
	for _, c := range cs {
		if c.Verified {
			verified[c.ID] = c
		}
	}
	rules, err := s.store.Rules(ctx, user)
	if err != nil {
		return nil, err
	}
	var out []Reach
	for _, r := range rules {
		if c, ok := verified[r.ContactID]; ok {
			out = append(out, Reach{Contact: c, Delay: time.Duration(r.DelayMinutes) * time.Minute})
		}
	}
	if len(out) == 0 {
		for _, c := range cs {
			if c.Verified {
				out = append(out, Reach{Contact: c})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Reach) int { return int(a.Delay - b.Delay) })
	return out, nil
}

// Contact returns one contact method, for work of the server's own (a
// page's delivery) rather than a person's request.
func (s *Service) Contact(ctx context.Context, id string) (Contact, error) {
	return s.store.Contact(ctx, id)
}
