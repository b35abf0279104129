package contacts

import (
	"context"
	"errors"
	"fmt"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/notify"
)

// Reaching a person outside an escalation: reminders of notification
// duties and of stakeholder updates go to a user's verified contact
// methods, the same ones a page would use. Their callers keep their own
// durable record of what was sent (and retry what was not) in their jobs.

// VerifiedContacts lists user's contact methods that were verified, in
// the order they were added; unverified ones are never used.
func (s *Service) VerifiedContacts(ctx context.Context, user string) ([]Contact, error) {
	cs, err := s.store.Contacts(ctx, user)
	if err != nil {
		return nil, err
	}
	out := cs[:0:0]
	for _, c := range cs {
		if c.Verified {
			out = append(out, c)
		}
	}
	return out, nil
}

// Send delivers m to one contact now. A failure is a notify error: see
// notify.Retryable for whether another attempt may succeed.
func (s *Service) Send(ctx context.Context, c Contact, m notify.Message) (notify.Result, error) {
	if !c.Verified {
		return notify.Result{Channel: c.Kind}, errs.E(errs.Invalid, "contact", "contact %s of %s is not verified", c.Name, c.User)
	}
	return s.notifier.Notify(ctx, c.Target, m)
}

// NotifyUser sends m to every verified contact of user now and returns how
// many took it. Failures are joined into the error, the retryable ones
// first, so notify.Retryable of it is true when any failure is.
func (s *Service) NotifyUser(ctx context.Context, user string, m notify.Message) (int, error) {
	cs, err := s.VerifiedContacts(ctx, user)
	if err != nil {
		return 0, err
	}
	sent := 0
	var again, never []error
	for _, c := range cs {
		_, err := s.Send(ctx, c, m)
		switch {
		case err == nil:
			sent++
		case notify.Retryable(err):
			again = append(again, fmt.Errorf("%s (%s): %w", c.Name, c.Kind, err))
		default:
			never = append(never, fmt.Errorf("%s (%s): %w", c.Name, c.Kind, err))
		}
	}
	return sent, errors.Join(append(again, never...)...)
}
