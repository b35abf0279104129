package contacts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// Verification codes and test pages are outbox deliveries sent inline:
// the person who asked waits for the answer, so each is written, sent at
// once with outbox.SendNow, and its result returned. Neither is sent
// later: Prepare sends one only while the request that planned it waits
// (an in-memory mark on this process), and skips it otherwise, so the
// delivery's job — the outbox's safety net — never resends a code the
// person was told failed, or a test page they no longer wait for.
//
// The code itself is never stored: it lives in that mark for the length
// of the request, and the contact keeps only its hash.

// Outbox kinds of the contacts package.
const (
	KindCode = "contact_code" // a verification code to a contact being added or re-verified
	KindTest = "contact_test" // a test page to a verified contact
)

// SubjectContact is the outbox subject kind of codes and test pages.
const SubjectContact = "contact"

// Outbox is how codes and test pages are sent.
type Outbox interface {
	PlanNow(now time.Time, ds ...outbox.Delivery) outbox.Writes
	Write(ctx context.Context, w outbox.Writes) error
	SendNow(ctx context.Context, ids ...string) []outbox.Result
}

// sendArgs are a code's or a test page's payload: the contact as it was
// when the send was asked for (a new contact is stored only once its code
// went out).
type sendArgs struct {
	Contact string `json:"contact"`
	User    string `json:"user"`
	Name    string `json:"name"`
}

// RegisterKinds registers the codes and test pages with the outbox.
func (s *Service) RegisterKinds(o interface {
	Handle(kind string, r outbox.Renderer)
}) {
	o.Handle(KindCode, sendKind{s, KindCode})
	o.Handle(KindTest, sendKind{s, KindTest})
}

// sendInline writes one delivery of kind to c, sends it at once and
// returns the attempt's result; value is what Prepare renders it from (the
// code), held only while this call runs.
func (s *Service) sendInline(ctx context.Context, kind string, c Contact, value string) (notify.Result, error) {
	now := s.now().UTC()
	payload, _ := json.Marshal(sendArgs{Contact: c.ID, User: c.User, Name: c.Name}) // strings: always marshals
	d := outbox.Delivery{ID: kind + ":" + s.newID(), Kind: kind, Subject: outbox.Subject{Kind: SubjectContact, ID: c.ID},
		Target: c.Target, Ref: c.User, Payload: payload}
	s.inline.Store(d.ID, value)
	defer s.inline.Delete(d.ID)
	if err := s.outbox.Write(ctx, s.outbox.PlanNow(now, d)); err != nil {
		return notify.Result{}, err
	}
	res := s.outbox.SendNow(ctx, d.ID)[0]
	r := notify.Result{Channel: c.Kind, Target: Redact(c.Target)}
	if atts, err := s.store.OutboxAttempts(ctx, d.ID); err == nil && len(atts) > 0 {
		last := atts[len(atts)-1]
		r.StatusCode, r.Latency = last.StatusCode, time.Duration(last.LatencyMS*float64(time.Millisecond))
		if last.OK {
			r.Response = responseText(c.Kind, last.StatusCode)
		}
	}
	switch {
	case res.Err != nil:
		return r, res.Err
	case res.Delivery.State != outbox.Sent:
		return r, errors.New(res.Delivery.LastError)
	}
	return r, nil
}

// responseText is how the channel described an accepted send (see
// notify.Result.Response): the HTTP status line, or the relay's
// acceptance.
func responseText(k notify.Kind, code int) string {
	if k == notify.KindEmail {
		return "accepted"
	}
	return notify.StatusLine(code)
}

// sendKind renders KindCode and KindTest deliveries.
type sendKind struct {
	s    *Service
	kind string
}

// Prepare renders the code or test page while its request waits; later
// (a job run after a restart or past the grace) it is skipped.
func (k sendKind) Prepare(ctx context.Context, d outbox.Delivery) (outbox.Message, error) {
	s := k.s
	var a sendArgs
	if err := json.Unmarshal(d.Payload, &a); err != nil {
		return outbox.Message{}, outbox.Fail(fmt.Errorf("%s: bad payload: %w", k.kind, err))
	}
	v, waiting := s.inline.Load(d.ID)
	if !waiting {
		return outbox.Message{}, outbox.Skip("sent only while its request waits; ask again")
	}
	if k.kind == KindTest {
		if _, err := s.store.Contact(ctx, a.Contact); errs.CodeOf(err) == errs.NotFound {
			return outbox.Message{}, outbox.Skip("the contact method was removed")
		} else if err != nil {
			return outbox.Message{}, err
		}
		return outbox.Text(notify.Message{ID: "test-" + d.ID[len(KindTest)+1:], Kind: "Test page", Title: "Firebreak test page",
			Body: "This is a test of " + a.Name + " for " + a.User + ".", URL: s.base() + "/oncall/me", Time: s.now().UTC()}), nil
	}
	code := v.(string)
	return outbox.Text(notify.Message{
		ID:    "verify-" + a.Contact + "-" + code[:2],
		Kind:  "Verification code",
		Title: "Firebreak verification code " + code,
		Body: fmt.Sprintf("Enter %s in Firebreak to confirm this contact method (%s) for %s. It expires in %d minutes. "+
			"If you did not ask for this, ignore it.", code, a.Name, a.User, int(codeTTL/time.Minute)),
		URL:  s.base() + "/oncall/me",
		Time: s.now().UTC(),
	}), nil
}
