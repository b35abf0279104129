package contacts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// Contact is one way to reach a user. Its Target holds the address and
// secrets; only the redacted Address is ever shown.
type Contact struct {
	ID         string        `json:"id"`
	User       string        `json:"user"`
	Name       string        `json:"name"`
	Kind       notify.Kind   `json:"kind"`
	Address    string        `json:"address"` // redacted
	Target     notify.Target `json:"-"`
	Verified   bool          `json:"verified"`
	VerifiedAt *time.Time    `json:"verified_at,omitempty"`
	// Source is "api" for contacts people add (verified by a code they
	// receive) or "config" for contacts an administrator declared.
	Source    string    `json:"source"`
	CreatedAt time.Time `json:"created_at"`
}

// Rule is a notification rule: when paged, the user is contacted through
// ContactID after Delay ("immediately by Slack, after 2 min by email").
type Rule struct {
	ID           string `json:"id"`
	User         string `json:"user"`
	ContactID    string `json:"contact_id"`
	DelayMinutes int    `json:"delay_minutes"`
}

// Actor is who asks, for the checks the service makes itself.
type Actor struct {
	User  string
	Admin bool
}

// Store keeps contact methods, their pending codes, and notification
// rules.
type Store interface {
	CreateContact(ctx context.Context, c Contact, codeHash string, codeExpires time.Time) error
	Contacts(ctx context.Context, user string) ([]Contact, error)
	Contact(ctx context.Context, id string) (Contact, error)
	// ContactCode returns the hash of a contact's pending verification code.
	ContactCode(ctx context.Context, id string) (hash string, expires time.Time, err error)
	SetContactCode(ctx context.Context, id, codeHash string, expires time.Time) error
	MarkContactVerified(ctx context.Context, id string, at time.Time) error
	DeleteContact(ctx context.Context, id string) error

	// OutboxAttempts lists a code's or test page's attempts.
	OutboxAttempts(ctx context.Context, id string) ([]outbox.Attempt, error)

	Rules(ctx context.Context, user string) ([]Rule, error)
	PutRule(ctx context.Context, r Rule) error
	DeleteRule(ctx context.Context, id string) error
}

// Users says who exists.
type Users interface {
	UserExists(ctx context.Context, username string) (bool, error)
}

// Deps are the Service's collaborators.
type Deps struct {
	Store Store
	Users Users
	// Notifier checks targets and sends reminders.
	Notifier notify.Notifier
	// Outbox sends verification codes and test pages (RegisterKinds).
	Outbox Outbox
	Now    func() time.Time
	NewID  func() string
	Logger *slog.Logger
}

// Service manages people's contact methods and notification rules, and
// reaches people through them.
type Service struct {
	store    Store
	users    Users
	notifier notify.Notifier
	outbox   Outbox
	// inline marks the codes and test pages whose request waits for
	// them, by delivery ID, with the code to render (see send.go).
	inline  sync.Map
	now     func() time.Time
	newID   func() string
	log     *slog.Logger
	mu      sync.Mutex
	baseURL atomic.Pointer[string] // set once the listening address is known
	// codeFails counts wrong verification codes per contact; five end the
	// code, so six digits cannot be guessed.
	codeFails map[string]int
	lastCode  map[string]time.Time // when a code was last resent, per contact
	sends     *sendLimiter         // verification and test messages per person and address
}

// New builds the service.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: d.Store, users: d.Users, notifier: d.Notifier, outbox: d.Outbox, now: d.Now, newID: d.NewID, log: d.Logger,
		codeFails: map[string]int{}, lastCode: map[string]time.Time{}, sends: newSendLimiter()}
}

// SetBaseURL sets the URL links in messages start with.
func (s *Service) SetBaseURL(u string) {
	u = strings.TrimRight(u, "/")
	s.baseURL.Store(&u)
}

func (s *Service) base() string {
	if u := s.baseURL.Load(); u != nil {
		return *u
	}
	return ""
}

const codeTTL = 30 * time.Minute

// ContactInput is a new contact method.
type ContactInput struct {
	Name   string        `json:"name"`
	Target notify.Target `json:"target"`
}

func (s *Service) mayManage(a Actor, user string) error {
	if a.User != user && !a.Admin {
		return errs.E(errs.Forbidden, "user", "only %s or an administrator may change %s's contact methods", user, user)
	}
	return nil
}

// AddContact validates a new contact method and sends it a verification
// code; the contact is stored only if that message was delivered, so an
// address that cannot be reached changes nothing. It is used for pages once
// the code comes back through VerifyContact.
func (s *Service) AddContact(ctx context.Context, a Actor, user string, in ContactInput) (Contact, error) {
	if err := s.mayManage(a, user); err != nil {
		return Contact{}, err
	}
	if ok, err := s.users.UserExists(ctx, user); err != nil {
		return Contact{}, err
	} else if !ok {
		return Contact{}, errs.E(errs.NotFound, "user", "no user named %q", user)
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		in.Name = string(in.Target.Kind)
	}
	if len(in.Name) > 64 {
		return Contact{}, errs.E(errs.Invalid, "name", "is longer than 64 characters")
	}
	// Validated, and refused if the channel will not send there (a private
	// or metadata address), before anything is sent.
	if err := notify.CheckTarget(s.notifier, in.Target); err != nil {
		return Contact{}, prefixField("target", err)
	}
	if err := s.sends.take(s.now(), sendVerify, a.User, in.Target); err != nil {
		return Contact{}, err
	}
	c := Contact{ID: s.newID(), User: user, Name: in.Name, Kind: in.Target.Kind, Target: in.Target,
		Address: Redact(in.Target), Source: "api", CreatedAt: s.now().UTC()}
	code, err := newCode()
	if err != nil {
		return Contact{}, err
	}
	if err := s.sendCode(ctx, c, code); err != nil {
		return Contact{}, err
	}
	if err := s.store.CreateContact(ctx, c, hashCode(c.ID, code), s.now().Add(codeTTL)); err != nil {
		return Contact{}, err
	}
	s.mu.Lock()
	s.lastCode[c.ID] = s.now()
	s.mu.Unlock()
	return c, nil
}

// sendCode sends code to c through the outbox (KindCode) and waits for it.
func (s *Service) sendCode(ctx context.Context, c Contact, code string) error {
	sctx, cancel := context.WithTimeout(ctx, notify.DefaultTimeout)
	defer cancel()
	if _, err := s.sendInline(sctx, KindCode, c, code); err != nil {
		return errs.E(errs.Invalid, "target", "the verification message could not be delivered, so the contact was not added: %v", err)
	}
	return nil
}

// ResendCode sends a fresh verification code to an unverified contact.
func (s *Service) ResendCode(ctx context.Context, a Actor, id string) error {
	c, err := s.ownContact(ctx, a, id)
	if err != nil {
		return err
	}
	if c.Verified {
		return errs.E(errs.Rule, "id", "contact %s is already verified", c.Name)
	}
	s.mu.Lock()
	last, now := s.lastCode[id], s.now()
	if now.Sub(last) < time.Minute {
		s.mu.Unlock()
		e := errs.E(errs.RateLimited, "id", "a code was sent less than a minute ago; wait before asking for another")
		e.RetryAfter = last.Add(time.Minute).Sub(now)
		return e
	}
	if err := s.sends.take(now, sendVerify, a.User, c.Target); err != nil {
		s.mu.Unlock()
		return err
	}
	s.lastCode[id] = now
	s.mu.Unlock()
	code, err := newCode()
	if err != nil {
		return err
	}
	if err := s.sendCode(ctx, c, code); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.codeFails, id)
	s.mu.Unlock()
	return s.store.SetContactCode(ctx, id, hashCode(id, code), s.now().Add(codeTTL))
}

// VerifyContact checks the code a contact method received.
func (s *Service) VerifyContact(ctx context.Context, a Actor, id, code string) (Contact, error) {
	c, err := s.ownContact(ctx, a, id)
	if err != nil {
		return c, err
	}
	if c.Verified {
		return c, nil
	}
	hash, expires, err := s.store.ContactCode(ctx, id)
	if err != nil {
		return c, err
	}
	s.mu.Lock()
	fails := s.codeFails[id]
	s.mu.Unlock()
	switch {
	case hash == "":
		return c, errs.E(errs.Rule, "code", "no code is pending for this contact: send a new one")
	case fails >= 5:
		return c, errs.E(errs.Rule, "code", "too many wrong codes: send a new one")
	case s.now().After(expires):
		return c, errs.E(errs.Rule, "code", "the code has expired: send a new one")
	case hashCode(id, strings.TrimSpace(code)) != hash:
		s.mu.Lock()
		s.codeFails[id]++
		s.mu.Unlock()
		return c, errs.E(errs.Invalid, "code", "that is not the code we sent")
	}
	now := s.now().UTC()
	if err := s.store.MarkContactVerified(ctx, id, now); err != nil {
		return c, err
	}
	c.Verified, c.VerifiedAt = true, &now
	return c, nil
}

func (s *Service) ownContact(ctx context.Context, a Actor, id string) (Contact, error) {
	c, err := s.store.Contact(ctx, id)
	if err != nil {
		return c, err
	}
	if err := s.mayManage(a, c.User); err != nil {
		return Contact{}, err
	}
	return c, nil
}

// Contacts lists a user's contact methods.
func (s *Service) Contacts(ctx context.Context, a Actor, user string) ([]Contact, error) {
	if err := s.mayManage(a, user); err != nil {
		return nil, err
	}
	return s.store.Contacts(ctx, user)
}

// DeleteContact removes a contact method and its rules.
func (s *Service) DeleteContact(ctx context.Context, a Actor, id string) error {
	if _, err := s.ownContact(ctx, a, id); err != nil {
		return err
	}
	return s.store.DeleteContact(ctx, id)
}

// TestContact sends a test page to a verified contact, recorded like any
// delivery would be, and returns its result.
func (s *Service) TestContact(ctx context.Context, a Actor, id string) (notify.Result, error) {
	c, err := s.ownContact(ctx, a, id)
	if err != nil {
		return notify.Result{}, err
	}
	if !c.Verified {
		return notify.Result{}, errs.E(errs.Rule, "id", "contact %s is not verified yet: enter the code it received first", c.Name)
	}
	if err := s.sends.take(s.now(), sendTest, a.User, c.Target); err != nil {
		return notify.Result{}, err
	}
	r, err := s.sendInline(ctx, KindTest, c, "")
	if err != nil {
		return r, errs.E(errs.Invalid, "target", "%v", err)
	}
	return r, nil
}

// AddRule adds a notification rule for one of user's contacts.
func (s *Service) AddRule(ctx context.Context, a Actor, user, contactID string, delayMinutes int) (Rule, error) {
	if err := s.mayManage(a, user); err != nil {
		return Rule{}, err
	}
	c, err := s.store.Contact(ctx, contactID)
	if err != nil {
		return Rule{}, prefixField("contact_id", err)
	}
	if c.User != user {
		return Rule{}, errs.E(errs.Invalid, "contact_id", "contact %s is not %s's", contactID, user)
	}
	if delayMinutes < 0 || delayMinutes > 1440 {
		return Rule{}, errs.E(errs.Invalid, "delay_minutes", "must be between 0 and 1440, not %d", delayMinutes)
	}
	r := Rule{ID: s.newID(), User: user, ContactID: contactID, DelayMinutes: delayMinutes}
	return r, s.store.PutRule(ctx, r)
}

// Rules lists a user's notification rules.
func (s *Service) Rules(ctx context.Context, a Actor, user string) ([]Rule, error) {
	if err := s.mayManage(a, user); err != nil {
		return nil, err
	}
	return s.store.Rules(ctx, user)
}

// DeleteRule removes one of user's rules.
func (s *Service) DeleteRule(ctx context.Context, a Actor, user, id string) error {
	if err := s.mayManage(a, user); err != nil {
		return err
	}
	rules, err := s.store.Rules(ctx, user)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(rules, func(r Rule) bool { return r.ID == id }) {
		return errs.E(errs.NotFound, "id", "%s has no rule %s", user, id)
	}
	return s.store.DeleteRule(ctx, id)
}

func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("verification code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

func hashCode(id, code string) string {
	h := sha256.Sum256([]byte(id + "\x00" + code))
	return hex.EncodeToString(h[:])
}

// Redact is how an address is shown: an email address as it is, a URL
// without its secrets.
func Redact(t notify.Target) string {
	switch t.Kind {
	case notify.KindEmail:
		return t.Address
	case notify.KindSlack:
		if t.Address == "" {
			return "slack bot → " + t.Channel
		}
	}
	return notify.RedactURL(t.Address)
}

// prefixField puts field in front of an errs.Error's field.
func prefixField(field string, err error) error {
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	c := *e
	if c.Field == "" {
		c.Field = field
	} else {
		c.Field = field + "." + c.Field
	}
	c.Details = nil
	for _, d := range e.Details {
		d.Field = field + "." + d.Field
		c.Details = append(c.Details, d)
	}
	return &c
}
