package status

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// Email subscriptions, with double opt-in: the form stores a pending
// subscription and mails a confirmation link whose token is kept only as
// its SHA-256; the link works once and for ConfirmTTL. Confirmed
// subscribers get every public update posted with "notify", each as its own
// durable job written with the update; every message carries a signed
// one-click unsubscribe link (RFC 8058).

// ConfirmTTL is how long a pending subscription waits for its confirmation.
const ConfirmTTL = 24 * time.Hour

// KindEmail is the outbox kind of one update mailed to one subscriber.
const KindEmail = "status_email"

// EmailArgs are a KindEmail delivery's payload.
type EmailArgs struct {
	Update     string `json:"update"`
	Subscriber string `json:"subscriber"`
}

// EmailDelivery is the delivery of update u to a subscriber. Its ID is
// fixed by both, so the same delivery is never planned twice.
func EmailDelivery(u Update, subscriberID, email string) outbox.Delivery {
	args, _ := json.Marshal(EmailArgs{Update: u.ID, Subscriber: subscriberID})
	return outbox.Delivery{ID: "status-email:" + u.ID + ":" + subscriberID, Kind: KindEmail,
		Subject: outbox.Subject{Kind: "status_update", ID: u.ID}, Target: notify.Target{Kind: notify.KindEmail, Address: email},
		Ref: subscriberID, Payload: args, CreatedAt: u.CreatedAt}
}

// Errors of the links, for the pages that answer them.
var (
	ErrSubscriptionsOff = errs.E(errs.Rule, "email", "email subscriptions are off: this server has no outbound mail relay")
	ErrBadLink          = errs.E(errs.NotFound, "token", "this link is not valid, or has already been used")
	ErrExpired          = errs.E(errs.Rule, "token", "this confirmation link has expired; subscribe again to get a new one")
	ErrUnsubscribed     = errs.E(errs.Rule, "token", "this address is already unsubscribed")
	// ErrMailFailed: the confirmation could not be sent; try later.
	ErrMailFailed = errors.New("status: the confirmation email could not be sent")
)

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Subscribe starts a subscription: it stores the address as pending and
// mails it a confirmation link. An address already confirmed gets nothing
// new, and the caller cannot tell (so the form does not reveal who
// subscribes).
func (s *Service) Subscribe(ctx context.Context, email string) error {
	if s.mail == nil {
		return ErrSubscriptionsOff
	}
	addr, err := NormaliseEmail(email)
	if err != nil {
		return err
	}
	b := make([]byte, 32)
	rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	now := s.now()
	exp := now.Add(ConfirmTTL)
	sub, err := s.store.AddStatusSubscriber(ctx, Subscriber{ID: s.newID(), Email: addr, State: Pending, CreatedAt: now, ExpiresAt: &exp}, hashToken(token))
	if err != nil {
		return err
	}
	if sub.State == Confirmed {
		return nil
	}
	page, err := s.Page(ctx)
	if err != nil {
		return err
	}
	link := s.URL() + "/confirm/" + token
	m := notify.Message{ID: "status-confirm-" + sub.ID + "-" + hashToken(token)[:12], Title: "Confirm your subscription to " + page.Name, Time: now,
		Body: fmt.Sprintf("Someone — we hope you — asked for email about %s when its status page is updated.\n\n"+
			"To confirm, open this link and press the button on the page:\n%s\n\n"+
			"The link works once, until %s. If you did not ask for this, ignore this message: you will get nothing more.",
			page.Name, link, exp.UTC().Format("2 Jan 2006 15:04 MST")),
		URL: s.URL()}
	if _, err := s.mail.Notify(ctx, notify.Target{Kind: notify.KindEmail, Address: addr}, m); err != nil {
		s.log.WarnContext(ctx, "status subscription: confirmation not sent", "err", err)
		return fmt.Errorf("%w: %v", ErrMailFailed, err)
	}
	return nil
}

// CheckConfirm finds the pending subscription of a confirmation link
// without confirming it: mail scanners open links, so only the page's
// button confirms.
func (s *Service) CheckConfirm(ctx context.Context, token string) (Subscriber, error) {
	sub, err := s.store.PendingStatusSubscriber(ctx, hashToken(token))
	if notFound(err) {
		return sub, ErrBadLink
	}
	if err == nil && sub.ExpiresAt != nil && s.now().After(*sub.ExpiresAt) {
		return sub, ErrExpired
	}
	return sub, err
}

// Confirm confirms a subscription by its link, once.
func (s *Service) Confirm(ctx context.Context, token string) (Subscriber, error) {
	if _, err := s.CheckConfirm(ctx, token); err != nil {
		return Subscriber{}, err
	}
	sub, err := s.store.ConfirmStatusSubscriber(ctx, hashToken(token), s.now())
	if notFound(err) {
		return sub, ErrBadLink
	}
	return sub, err
}

func (s *Service) linkKey(ctx context.Context) ([]byte, error) {
	if k := s.key.Load(); k != nil {
		return *k, nil
	}
	k, err := s.store.ServerKey(ctx, "status-links", 32)
	if err == nil {
		s.key.Store(&k)
	}
	return k, err
}

func signSub(key []byte, id string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("unsubscribe\x00" + id))
	return id + "." + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// UnsubscribeURL is a subscriber's one-click unsubscribe link: their ID
// signed with a server key, so it needs nothing stored.
func (s *Service) UnsubscribeURL(ctx context.Context, subscriberID string) (string, error) {
	key, err := s.linkKey(ctx)
	if err != nil {
		return "", err
	}
	return s.URL() + "/unsubscribe/" + signSub(key, subscriberID), nil
}

// CheckUnsubscribe finds the subscriber of an unsubscribe link.
func (s *Service) CheckUnsubscribe(ctx context.Context, token string) (Subscriber, error) {
	id, _, ok := strings.Cut(token, ".")
	if !ok || len(token) > 200 {
		return Subscriber{}, ErrBadLink
	}
	key, err := s.linkKey(ctx)
	if err != nil {
		return Subscriber{}, err
	}
	if !hmac.Equal([]byte(signSub(key, id)), []byte(token)) {
		return Subscriber{}, ErrBadLink
	}
	sub, err := s.store.StatusSubscriber(ctx, id)
	if notFound(err) {
		return sub, ErrUnsubscribed
	}
	return sub, err
}

// Unsubscribe ends a subscription by its link. A second use finds nothing
// to end: ErrUnsubscribed.
func (s *Service) Unsubscribe(ctx context.Context, token string) (Subscriber, error) {
	sub, err := s.CheckUnsubscribe(ctx, token)
	if err != nil {
		return sub, err
	}
	err = s.store.DeleteStatusSubscriber(ctx, sub.ID)
	if notFound(err) {
		return sub, ErrUnsubscribed
	}
	return sub, err
}

// Subscribers lists subscribers for administrators, with the number
// confirmed.
func (s *Service) Subscribers(ctx context.Context, a Actor, limit int) ([]Subscriber, int, error) {
	if err := adminOnly(a, "see subscribers"); err != nil {
		return nil, 0, err
	}
	return s.store.StatusSubscribers(ctx, limit)
}

// RemoveSubscriber ends a subscription; administrators only.
func (s *Service) RemoveSubscriber(ctx context.Context, a Actor, id string) error {
	if err := adminOnly(a, "remove subscribers"); err != nil {
		return err
	}
	return s.store.DeleteStatusSubscriber(ctx, id)
}

// RegisterKinds registers the status page's outbox kinds.
func (s *Service) RegisterKinds(o interface {
	Handle(kind string, r outbox.Renderer)
}) {
	o.Handle(KindEmail, emailKind{s})
}

// emailKind renders KindEmail deliveries.
type emailKind struct{ s *Service }

// Prepare is the mail of one update to one subscriber, as the update,
// its public incident and the subscriber stand now: an update unpublished
// since, an incident no longer public, or a subscriber who left is
// skipped.
func (k emailKind) Prepare(ctx context.Context, d outbox.Delivery) (outbox.Message, error) {
	s := k.s
	var args EmailArgs
	if err := json.Unmarshal(d.Payload, &args); err != nil {
		return outbox.Message{}, outbox.Fail(fmt.Errorf("status email: bad payload: %w", err))
	}
	if s.mail == nil {
		return outbox.Message{}, outbox.Fail(errors.New("status email: no outbound mail relay is configured"))
	}
	up, err := s.store.PublicUpdate(ctx, args.Update)
	if notFound(err) {
		return outbox.Message{}, outbox.Skip("the update was unpublished")
	}
	if err != nil {
		return outbox.Message{}, err
	}
	inc, err := s.store.PublicIncident(ctx, up.IncidentID)
	if notFound(err) || err == nil && inc.Hidden {
		return outbox.Message{}, outbox.Skip("the incident is no longer public")
	}
	if err != nil {
		return outbox.Message{}, err
	}
	sub, err := s.store.StatusSubscriber(ctx, args.Subscriber)
	if notFound(err) || err == nil && sub.State != Confirmed {
		return outbox.Message{}, outbox.Skip("the subscriber left")
	}
	if err != nil {
		return outbox.Message{}, err
	}
	m, err := s.updateMessage(ctx, inc, up, sub)
	if err != nil {
		return outbox.Message{}, err
	}
	return outbox.Text(m), nil
}

// updateMessage is the mail of one update, with the List-Unsubscribe
// headers of RFC 2369 and RFC 8058.
func (s *Service) updateMessage(ctx context.Context, inc Incident, up Update, sub Subscriber) (notify.Message, error) {
	page, err := s.Page(ctx)
	if err != nil {
		return notify.Message{}, err
	}
	unsub, err := s.UnsubscribeURL(ctx, sub.ID)
	if err != nil {
		return notify.Message{}, err
	}
	p := Public{Page: page, URL: s.URL()}
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s\n\n%s\n", up.Status.Label(), p.Stamp(up.CreatedAt), up.Body)
	var names []string
	for _, c := range up.Components {
		names = append(names, c.Name+": "+c.New.Label())
	}
	if len(names) > 0 {
		fmt.Fprintf(&b, "\nAffected: %s\n", strings.Join(names, "; "))
	}
	fmt.Fprintf(&b, "\nYou get this because you subscribed to %s. Unsubscribe with one click: %s\n", s.URL(), unsub)
	return notify.Message{
		ID:    "status-" + up.ID + "-" + sub.ID,
		Title: fmt.Sprintf("[%s] %s: %s", page.Name, inc.Title, up.Status.Label()),
		Body:  b.String(),
		URL:   p.IncidentURL(inc.ID),
		Time:  up.CreatedAt,
		Headers: map[string]string{
			"List-Unsubscribe":      "<" + unsub + ">",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		},
	}, nil
}
