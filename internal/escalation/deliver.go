package escalation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// KindPage is the outbox kind of one page to one contact method. Its
// subject is the escalation (SubjectEscalation), with Incident set when
// the escalation is about one; its Ref is the contact.
const KindPage = "page"

// SubjectEscalation is the outbox subject kind of a page.
const SubjectEscalation = "escalation"

// pageArgs are a KindPage delivery's payload: who is paged through which
// contact, at which step. Target is the contact's address as shown
// (redacted); the delivery's own Target holds the real one.
type pageArgs struct {
	Escalation string          `json:"escalation"`
	User       string          `json:"user"`
	Contact    string          `json:"contact"`
	Channel    notify.Kind     `json:"channel"`
	Target     string          `json:"target"`
	Step       oncall.Position `json:"step"`
}

// Outbox is how pages are sent: planned into the step's transaction, sent
// right after its commit, their jobs retrying what fails.
type Outbox interface {
	PlanNow(now time.Time, ds ...outbox.Delivery) outbox.Writes
	SendNow(ctx context.Context, ids ...string) []outbox.Result
}

// RegisterKinds registers the page kind with the outbox.
func (s *Service) RegisterKinds(o interface {
	Handle(kind string, r outbox.Renderer)
}) {
	o.Handle(KindPage, pageKind{s})
}

// sendNow sends the pages of w due at now, right after their commit; the
// outbox logs what fails and their jobs retry it.
func (s *Service) sendNow(ctx context.Context, w outbox.Writes, now time.Time) {
	if ids := w.IDs(now); len(ids) > 0 {
		s.outbox.SendNow(ctx, ids...)
	}
}

// pageDelivery is the outbox delivery of one page.
func pageDelivery(e *Escalation, id string, a pageArgs, target notify.Target, now, due time.Time) outbox.Delivery {
	payload, _ := json.Marshal(a) // plain strings and ints: always marshals
	d := outbox.Delivery{ID: id, Kind: KindPage, Subject: outbox.Subject{Kind: SubjectEscalation, ID: e.ID}, Target: target,
		Ref: a.Contact, Payload: payload, CreatedAt: now, DueAt: due}
	if e.Subject.Kind == SubjectIncident {
		d.Subject.Incident = e.Subject.ID
	}
	return d
}

// pageKind renders KindPage deliveries.
type pageKind struct{ s *Service }

// Prepare is the page as things stand at send time: skipped when the
// escalation is no longer open (acknowledged, resolved) or the contact
// method was removed; a fresh signed acknowledgement link each attempt.
func (k pageKind) Prepare(ctx context.Context, d outbox.Delivery) (outbox.Message, error) {
	s := k.s
	var a pageArgs
	if err := json.Unmarshal(d.Payload, &a); err != nil {
		return outbox.Message{}, outbox.Fail(fmt.Errorf("page: bad payload: %w", err))
	}
	e, err := s.store.Escalation(ctx, a.Escalation)
	if errs.CodeOf(err) == errs.NotFound {
		return outbox.Message{}, outbox.Skip("the escalation is gone")
	}
	if err != nil {
		return outbox.Message{}, err
	}
	if e.State != Open {
		return outbox.Message{}, outbox.Skip(errAcked.Error() + " (" + string(e.State) + ")")
	}
	if _, err := s.contacts.Contact(ctx, a.Contact); errs.CodeOf(err) == errs.NotFound {
		return outbox.Message{}, outbox.Skip("the contact method was removed")
	} else if err != nil {
		return outbox.Message{}, err
	}
	m, err := s.message(ctx, e, d.ID, a.User)
	if err != nil {
		return outbox.Message{}, err
	}
	return outbox.Text(m), nil
}

// errAcked is why a page is skipped: it was acknowledged (or no longer
// needed) before it was due.
var errAcked = errors.New("acknowledged before it was due")

// deliveryView is an outbox page as the escalation views show it.
func deliveryView(d outbox.Delivery, history []outbox.Attempt) (Delivery, error) {
	var a pageArgs
	if err := json.Unmarshal(d.Payload, &a); err != nil {
		return Delivery{}, fmt.Errorf("page %s: bad payload: %w", d.ID, err)
	}
	v := Delivery{ID: d.ID, EscalationID: a.Escalation, User: a.User, ContactID: a.Contact, Channel: a.Channel, Target: a.Target,
		State: DeliveryState(d.State), Attempts: d.Attempts, LastError: d.LastError, Step: a.Step, CreatedAt: d.CreatedAt,
		DueAt: d.DueAt, SentAt: d.SentAt, Kind: KindPage}
	for _, at := range history {
		v.History = append(v.History, Attempt{N: at.N, At: at.At, OK: at.OK, StatusCode: at.StatusCode, Error: at.Error, LatencyMS: at.LatencyMS})
	}
	return v, nil
}

// deliveries lists an escalation's pages from the outbox with their
// attempts, oldest first.
func (s *Service) deliveries(ctx context.Context, escalationID string) ([]Delivery, error) {
	ds, err := s.store.OutboxDeliveries(ctx, outbox.Query{Kind: KindPage, SubjectKind: SubjectEscalation, SubjectID: escalationID, Limit: 500})
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, 0, len(ds))
	for _, d := range ds {
		var atts []outbox.Attempt
		if d.Attempts > 0 {
			if atts, err = s.store.OutboxAttempts(ctx, d.ID); err != nil {
				return nil, err
			}
		}
		v, err := deliveryView(d, atts)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b Delivery) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		if c := a.DueAt.Compare(b.DueAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// message renders a page to user, with a fresh acknowledgement link that
// names the delivery.
func (s *Service) message(ctx context.Context, e Escalation, deliveryID, user string) (notify.Message, error) {
	key, err := s.ackKey(ctx)
	if err != nil {
		return notify.Message{}, err
	}
	exp := s.now().Add(AckLinkTTL)
	token := signAck(key, deliveryID, exp)
	m := notify.Message{ID: deliveryID, Kind: "Page", Severity: e.Subject.Severity, Time: e.CreatedAt, AckURL: s.BaseURL() + "/ack/" + token,
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
	var body strings.Builder
	if e.Message != "" {
		fmt.Fprintf(&body, "%s\n\n", e.Message)
	}
	fmt.Fprintf(&body, "%s is paged (%s). Acknowledge to stop the escalation.", user, startDetail(e.Cause, e.Policy))
	m.Body = body.String()
	return m, nil
}
