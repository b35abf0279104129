package triage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// errSettled says an entry left the queue's waiting states meanwhile: an
// acknowledge from a sender leaves it alone.
var errSettled = errs.E(errs.Rule, "status", "no longer waiting")

// acknowledgeAlert acknowledges, as the integration, the waiting entries
// holding its firing alert with this dedup key, and returns how many. An
// entry already acknowledged, declared, attached or dismissed is left as
// it is (PagerDuty too answers success for an alert already acknowledged or
// gone), so a repeated acknowledge changes nothing.
func (s *Service) acknowledgeAlert(ctx context.Context, it Integration, key string, now time.Time) (int, error) {
	ids, err := s.store.FiringGroups(ctx, it.Name, key)
	if err != nil {
		return 0, err
	}
	actor := "integration:" + it.Name
	var linked []string
	for _, id := range ids {
		e, err := s.store.UpdateEntry(ctx, system, id, LogEntry{Action: "acknowledge", Actor: actor, At: now, Data: "dedup_key " + key}, func(e *Entry) error {
			if e.Status != New && e.Status != Snoozed {
				return errSettled
			}
			e.Status, e.AckedBy, e.AckedAt, e.SnoozedUntil, e.UpdatedAt = Acknowledged, actor, &now, nil, now
			return nil
		})
		switch {
		case errors.Is(err, errSettled) || errs.CodeOf(err) == errs.NotFound:
		case err != nil:
			return len(linked), fmt.Errorf("acknowledge %s: %w", id, err)
		default:
			linked = append(linked, e.Group.IncidentID)
		}
	}
	if len(linked) > 0 {
		sig := Signal{Action: "acknowledge", Actor: actor}
		s.audience(ctx, &sig, linked)
		s.signalled(sig)
	}
	return len(linked), nil
}
