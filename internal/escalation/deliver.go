package escalation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/firebreak-ir/firebreak/internal/deliverylimit"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/notify"
)

// sendNow sends the deliveries due at now, in parallel, recording each
// attempt; their jobs retry what fails or never got recorded.
func (s *Service) sendNow(ctx context.Context, ds []Delivery, now time.Time) {
	var wg sync.WaitGroup
	for _, d := range ds {
		if d.DueAt.After(now) {
			continue
		}
		wg.Go(func() {
			if err := s.deliver(ctx, d, true, 0, 1); err != nil {
				s.log.Info("page not delivered at once; its job retries", "delivery", d.ID, "err", err)
			}
		})
	}
	wg.Wait()
}

// ErrAckedBeforeDue marks a delivery skipped because the page was
// acknowledged first.
var errAcked = errors.New("acknowledged before it was due")

// handleDeliver sends one delivery and records the attempt. Failures that
// may pass are retried by the engine with backoff; the last one marks the
// delivery failed, visible where the escalation is shown.
func (s *Service) handleDeliver(ctx context.Context, j engine.Job) error {
	var a idArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	d, err := s.store.Delivery(ctx, a.ID)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return engine.Permanent(err)
		}
		return err
	}
	return s.deliver(ctx, d, false, j.Attempt, max(j.MaxAttempts, 1))
}

// deliver sends d unless its escalation no longer needs it, and records
// the attempt; the delivery's state becomes final (and its job goes) when
// it is sent, skipped, or failed for good. inline is a send right after
// the commit that created d: its failure is left to d's job.
func (s *Service) deliver(ctx context.Context, d Delivery, inline bool, attempt, maxAttempts int) error {
	if d.State != DeliveryPending {
		return nil
	}
	e, err := s.store.Escalation(ctx, d.EscalationID)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	if e.State != Open {
		d.State = DeliverySkipped
		d.LastError = errAcked.Error() + " (" + string(e.State) + ")"
		return s.store.RecordAttempt(ctx, d, Attempt{})
	}
	c, err := s.contacts.Contact(ctx, d.ContactID)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			d.State, d.LastError = DeliveryFailed, "the contact method was removed"
			return errors.Join(s.store.RecordAttempt(ctx, d, Attempt{}), engine.Permanent(err))
		}
		return err
	}
	msg, err := s.message(ctx, e, d)
	if err != nil {
		return err
	}
	res, sendErr := s.pages.Notify(ctx, c.Target, msg)
	if in, busy := deliverylimit.Busy(sendErr); busy {
		// Not sent and not an attempt: its destination has every slot in
		// use or is failing (circuit breaker open). The job runs again
		// shortly instead of a worker waiting for a slot.
		if !inline {
			return engine.Snooze(in)
		}
		if err := s.store.Snooze(ctx, d.ID, now.Add(in)); err != nil {
			return errors.Join(sendErr, err)
		}
		return sendErr
	}
	att := Attempt{N: d.Attempts + 1, At: now, OK: sendErr == nil, StatusCode: res.StatusCode,
		LatencyMS: float64(res.Latency.Microseconds()) / 1000}
	d.Attempts++
	if sendErr == nil {
		sent := s.now().UTC()
		d.State, d.SentAt, d.LastError = DeliverySent, &sent, ""
		if err := s.store.RecordAttempt(ctx, d, att); err != nil {
			return err
		}
		engine.Completed(ctx) // the final state removed the job
		return nil
	}
	att.Error = sendErr.Error()
	d.LastError = sendErr.Error()
	retryable := notify.Retryable(sendErr)
	if !retryable || (!inline && attempt+1 >= maxAttempts) {
		d.State = DeliveryFailed
	}
	if err := s.store.RecordAttempt(ctx, d, att); err != nil {
		return err
	}
	if !retryable {
		return engine.Permanent(sendErr)
	}
	return sendErr
}

// message renders a page.
func (s *Service) message(ctx context.Context, e Escalation, d Delivery) (notify.Message, error) {
	key, err := s.ackKey(ctx)
	if err != nil {
		return notify.Message{}, err
	}
	exp := s.now().Add(AckLinkTTL)
	token := signAck(key, d.ID, exp)
	m := notify.Message{ID: d.ID, Severity: e.Subject.Severity, Time: e.CreatedAt, AckURL: s.BaseURL() + "/ack/" + token,
		Fields: map[string]string{"escalation": e.ID}}
	switch e.Subject.Kind {
	case SubjectIncident:
		m.Title = fmt.Sprintf("%s %s", e.Subject.Ref, e.Subject.Title)
		m.URL = s.BaseURL() + "/incidents/" + e.Subject.Ref
		m.Fields["incident"] = e.Subject.Ref
	default:
		m.Title = "Alert: " + e.Subject.Title
		m.URL = s.BaseURL() + "/triage/" + e.Subject.ID
		if e.Subject.Service != "" {
			m.Fields["service"] = e.Subject.Service
		}
	}
	if e.Subject.Severity != "" {
		m.Title = "[" + e.Subject.Severity + "] " + m.Title
	}
	var body strings.Builder
	if e.Message != "" {
		fmt.Fprintf(&body, "%s\n\n", e.Message)
	}
	fmt.Fprintf(&body, "%s is paged (%s). Acknowledge to stop the escalation.", d.User, startDetail(e.Cause, e.Policy))
	m.Body = body.String()
	return m, nil
}
