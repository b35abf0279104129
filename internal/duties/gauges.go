package duties

import (
	"context"

	"github.com/firebreak-ir/firebreak/internal/comms"
)

// LiveFacts are an incident's facts and records, for counting its duties.
type LiveFacts struct {
	IncidentID string
	Facts      comms.Facts
	Records    []RecordRow
}

// LiveFactsReader reads every live incident's facts at once (the store).
type LiveFactsReader interface {
	LiveFacts(ctx context.Context) ([]LiveFacts, error)
}

// DutyCounts are how many duties stand due soon and overdue.
type DutyCounts struct{ DueSoon, Overdue int }

// Count counts the duties of the incidents src reads, restricted ones too
// (a count says nothing of them), by the status the incident page shows:
// comms.DueSoon (within a quarter of its window, at most 4 hours) and
// comms.Overdue, as of now.
func (s *Service) Count(ctx context.Context, src LiveFactsReader) (DutyCounts, error) {
	live, err := src.LiveFacts(ctx)
	if err != nil {
		return DutyCounts{}, err
	}
	var c DutyCounts
	if len(live) == 0 {
		return c, nil
	}
	prof, err := s.Profile(ctx)
	if err != nil {
		return DutyCounts{}, err
	}
	now := s.Now()
	for _, l := range live {
		for _, it := range s.evaluate(prof.Profile, l.Facts, l.Records, now) {
			switch it.Status {
			case comms.DueSoon:
				c.DueSoon++
			case comms.Overdue:
				c.Overdue++
			}
		}
	}
	return c, nil
}
