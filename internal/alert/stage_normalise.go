package alert

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"
)

// NormaliseStage checks an alert's source and status and fills what a
// parser may leave out: ReceivedAt (the session's time), StartsAt
// (ReceivedAt), a resolved alert's EndsAt (ReceivedAt), a summary (the
// alertname label, else "untitled alert"). A firing alert has no EndsAt:
// a sender's forecast end is not an end. Maps are copied, never shared with
// the caller.
func NormaliseStage() Stage {
	return undecided(func(_ context.Context, s *Session, o Outcome) ([]Outcome, error) {
		a := o.Alert
		if !a.Source.Valid() {
			return ignore(o, fmt.Sprintf("unknown source %q", string(a.Source))), nil
		}
		if !a.Status.Valid() {
			return ignore(o, fmt.Sprintf("status must be firing or resolved, got %q", string(a.Status))), nil
		}
		if a.ReceivedAt.IsZero() {
			a.ReceivedAt = s.Now
		}
		if a.StartsAt.IsZero() {
			a.StartsAt = a.ReceivedAt
		}
		switch a.Status {
		case StatusFiring:
			a.EndsAt = time.Time{}
		case StatusResolved:
			if a.EndsAt.IsZero() {
				a.EndsAt = a.ReceivedAt
			}
		}
		a.Labels = maps.Clone(a.Labels)
		if a.Labels == nil {
			a.Labels = map[string]string{}
		}
		a.Annotations = maps.Clone(a.Annotations)
		a.Summary = strings.TrimSpace(a.Summary)
		if a.Summary == "" {
			a.Summary = a.Labels["alertname"]
		}
		if a.Summary == "" {
			a.Summary = "untitled alert"
		}
		o.Alert = a
		return s.pass(o), nil
	})
}
