// Package auth knows users, their roles, passwords, sign-in sessions and API
// tokens. Passwords are stored as argon2id hashes; session and token secrets
// are random, shown once, and only their SHA-256 is stored.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Role is a user's standing: what they may do anywhere.
type Role string

const (
	Viewer    Role = "viewer"    // read
	Responder Role = "responder" // act on incidents
	Admin     Role = "admin"     // users, tokens, configuration
)

var ranks = []Role{Viewer, Responder, Admin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(ranks, r) }

// Allows reports whether r includes everything need may do.
func (r Role) Allows(need Role) bool {
	have, want := slices.Index(ranks, r), slices.Index(ranks, need)
	return have >= 0 && want >= 0 && have >= want
}

// User is a person who may sign in or hold tokens.
type User struct {
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Email       string    `json:"email"`
	Role        Role      `json:"role"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Token is an API token's record; the secret itself is never stored.
type Token struct {
	ID         string     `json:"id"`
	Username   string     `json:"username"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Principal is who a request acts as.
type Principal struct {
	User User
	// TokenID is the token the request presented.
	TokenID string
}

// Store keeps users and tokens.
type Store interface {
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, username string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	UpdateUser(ctx context.Context, u User) error
	// DeactivateUser stores u, which is inactive, revokes every token of
	// the user still in force at at, and ends their sessions, all in one
	// transaction.
	DeactivateUser(ctx context.Context, u User, at time.Time) error
	CountUsers(ctx context.Context) (int, error)
	CreateToken(ctx context.Context, t Token, hash string) error
	// TokenByHash returns the active token with that hash and its user.
	TokenByHash(ctx context.Context, hash string) (Token, User, error)
	// TokenRecord returns the token with that hash, revoked or not;
	// NotFound when there is none.
	TokenRecord(ctx context.Context, hash string) (Token, error)
	ListTokens(ctx context.Context, username string) ([]Token, error)
	RevokeToken(ctx context.Context, id string, at time.Time) error

	// SetPasswordHash replaces a user's password hash; NotFound when there
	// is no such user.
	SetPasswordHash(ctx context.Context, username, hash string) error
	// PasswordHash returns a user's password hash, "" when none is set;
	// NotFound when there is no such user.
	PasswordHash(ctx context.Context, username string) (string, error)
	// CreateSession stores a session by the hash of its secret.
	CreateSession(ctx context.Context, s Session, hash string) error
	// SessionByHash returns the session with that hash and its user, expired
	// or not; NotFound when there is none.
	SessionByHash(ctx context.Context, hash string) (Session, User, error)
	// TouchSession records use of a session; NotFound when it is gone.
	TouchSession(ctx context.Context, id string, lastSeen, expires time.Time) error
	// DeleteSession ends the session with that hash; NotFound when there is
	// none.
	DeleteSession(ctx context.Context, hash string) error
	// DeleteUserSessions ends every session of a user.
	DeleteUserSessions(ctx context.Context, username string) error
	// DeleteExpiredSessions deletes the sessions that expire at or before
	// before and returns how many.
	DeleteExpiredSessions(ctx context.Context, before time.Time) (int, error)
}

// Service applies the rules around users, passwords, sessions and tokens.
type Service struct {
	store   Store
	now     func() time.Time
	newID   func() string
	limiter *Limiter

	dummyOnce sync.Once
	dummy     string
	// tokens remembers recent token lookups briefly (tokens.go).
	tokens tokenCache
}

// Option configures a Service.
type Option func(*Service)

// WithLimiter sets the limiter that throttles failed sign-ins. Without it
// the Service makes its own on its clock.
func WithLimiter(l *Limiter) Option { return func(s *Service) { s.limiter = l } }

// NewService returns a Service over store.
func NewService(store Store, now func() time.Time, newID func() string, opts ...Option) *Service {
	s := &Service{store: store, now: now, newID: newID}
	for _, o := range opts {
		o(s)
	}
	if s.limiter == nil {
		s.limiter = NewLimiter(now)
	}
	return s
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// UserInput is what an admin gives to create a user.
type UserInput struct {
	Username    string
	DisplayName string
	Email       string
	Role        Role
}

// CreateUser validates and stores a new active user.
func (s *Service) CreateUser(ctx context.Context, in UserInput) (User, error) {
	u, err := NewUser(in, s.now())
	if err != nil {
		return User{}, err
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return User{}, err
	}
	return u, nil
}

// NewUser validates in and returns the active user it describes, created
// at now, for a store to insert (CreateUser, or an on-call file's apply
// that writes users with the rest of the file in one transaction).
func NewUser(in UserInput, now time.Time) (User, error) {
	if in.Role == "" {
		in.Role = Responder
	}
	var details []errs.Detail
	bad := func(field, msg string) { details = append(details, errs.Detail{Field: field, Message: msg}) }
	if !usernamePattern.MatchString(in.Username) {
		bad("username", "must be 1–63 lowercase letters, digits, or . _ -, starting with a letter or digit")
	}
	if len(in.DisplayName) > 200 {
		bad("display_name", "at most 200 bytes")
	}
	if in.Email != "" {
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email || len(in.Email) > 254 {
			bad("email", "is not a plain email address such as alice@example.com")
		}
	}
	if !in.Role.Valid() {
		bad("role", fmt.Sprintf("unknown role %q; one of viewer, responder, admin", in.Role))
	}
	if len(details) > 0 {
		return User{}, &errs.Error{Code: errs.Invalid, Field: details[0].Field, Message: details[0].Message, Details: details}
	}
	now = now.UTC().Truncate(time.Microsecond)
	u := User{Username: in.Username, DisplayName: strings.TrimSpace(in.DisplayName), Email: in.Email, Role: in.Role, Active: true, CreatedAt: now, UpdatedAt: now}
	if u.DisplayName == "" {
		u.DisplayName = u.Username
	}
	return u, nil
}

// UserExists reports whether username names an active user.
func (s *Service) UserExists(ctx context.Context, username string) (bool, error) {
	u, err := s.store.GetUser(ctx, username)
	if errs.CodeOf(err) == errs.NotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return u.Active, nil
}

// Users lists every user.
func (s *Service) Users(ctx context.Context) ([]User, error) { return s.store.ListUsers(ctx) }

// Usernames lists the names of active users.
func (s *Service) Usernames(ctx context.Context) ([]string, error) {
	us, err := s.store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(us))
	for _, u := range us {
		if u.Active {
			out = append(out, u.Username)
		}
	}
	return out, nil
}

// User returns one user.
func (s *Service) User(ctx context.Context, username string) (User, error) {
	return s.store.GetUser(ctx, username)
}

// IssueToken creates a token for username and returns its secret, which is
// never shown again.
func (s *Service) IssueToken(ctx context.Context, username, name string) (Token, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return Token{}, "", errs.E(errs.Invalid, "name", "is required, at most 100 bytes")
	}
	u, err := s.store.GetUser(ctx, username)
	if err != nil {
		return Token{}, "", err
	}
	if !u.Active {
		return Token{}, "", errs.E(errs.Invalid, "user", "%s is deactivated", username)
	}
	secret := NewSecret()
	t := Token{ID: s.newID(), Username: username, Name: name, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	if err := s.store.CreateToken(ctx, t, HashToken(secret)); err != nil {
		return Token{}, "", err
	}
	return t, secret, nil
}

// Authenticate resolves a bearer secret to a principal.
func (s *Service) Authenticate(ctx context.Context, secret string) (Principal, error) {
	if secret == "" {
		return Principal{}, errs.E(errs.Unauthorized, "", "authentication required: send Authorization: Bearer <token>")
	}
	hash := HashToken(secret)
	now := s.now()
	p, gen, ok := s.tokens.Get(hash, now)
	if ok {
		return p, nil
	}
	t, u, err := s.store.TokenByHash(ctx, hash)
	if errs.CodeOf(err) == errs.NotFound {
		return Principal{}, errs.E(errs.Unauthorized, "", "the token is not valid, or was revoked")
	}
	if err != nil {
		return Principal{}, err
	}
	if !u.Active {
		return Principal{}, errs.E(errs.Unauthorized, "", "the token's user is deactivated")
	}
	// Only a token in force is kept: refusals are read again each time,
	// so a token issued since works at once.
	p = Principal{User: u, TokenID: t.ID}
	s.tokens.Put(hash, p, gen, now.Add(TokenTTL))
	return p, nil
}

// Bootstrap makes sure an administrator can get in. With a bootstrap secret
// (FIREBREAK_BOOTSTRAP_ADMIN_TOKEN) it makes that secret an admin token.
// On the first start with no users, it creates "admin" with a random
// password, for the web UI, and without a bootstrap secret also a new API
// token; it returns both secrets for the caller to print once. On later
// starts both are "". When the bootstrap secret names a token that was
// revoked, it returns a *RevokedBootstrapError and changes nothing: the
// start may go on without that token.
func (s *Service) Bootstrap(ctx context.Context, bootstrapSecret string) (token, password string, err error) {
	if bootstrapSecret != "" && len(bootstrapSecret) < 16 {
		return "", "", fmt.Errorf("FIREBREAK_BOOTSTRAP_ADMIN_TOKEN must be at least 16 characters")
	}
	n, err := s.store.CountUsers(ctx)
	if err != nil {
		return "", "", err
	}
	if n == 0 {
		_, err := s.CreateUser(ctx, UserInput{Username: "admin", DisplayName: "Break-glass administrator", Role: Admin})
		switch {
		case err == nil:
			// Only the node that created admin sets the password, so nodes
			// starting together on one fresh database cannot print a
			// password that another one has already replaced.
			password = NewPassword()
			if err := s.SetPassword(ctx, "admin", password); err != nil {
				return "", "", fmt.Errorf("set admin password: %w", err)
			}
		case errs.CodeOf(err) != errs.Conflict:
			return "", "", fmt.Errorf("create admin: %w", err)
		}
	}
	if bootstrapSecret != "" {
		switch t, err := s.store.TokenRecord(ctx, HashToken(bootstrapSecret)); {
		case err == nil && t.RevokedAt != nil:
			// Someone revoked it on purpose: it must not work again, and an
			// unchanged environment must not keep the server from starting.
			return "", password, &RevokedBootstrapError{TokenID: t.ID, RevokedAt: *t.RevokedAt}
		case err == nil:
			return "", password, nil
		case errs.CodeOf(err) != errs.NotFound:
			return "", "", fmt.Errorf("look up the bootstrap token: %w", err)
		}
		u, err := s.store.GetUser(ctx, "admin")
		if err != nil {
			return "", "", fmt.Errorf("bootstrap token needs the admin user: %w", err)
		}
		if u.Role != Admin || !u.Active {
			return "", "", fmt.Errorf("bootstrap token: user admin is not an active admin")
		}
		t := Token{ID: s.newID(), Username: "admin", Name: "bootstrap (FIREBREAK_BOOTSTRAP_ADMIN_TOKEN)", CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
		if err := s.store.CreateToken(ctx, t, HashToken(bootstrapSecret)); err != nil {
			return "", "", err
		}
		return "", password, nil
	}
	if n > 0 {
		return "", "", nil
	}
	_, token, err = s.IssueToken(ctx, "admin", "first start")
	if err != nil {
		return "", "", err
	}
	return token, password, nil
}

// RevokedBootstrapError says the bootstrap secret names a revoked token. The
// start goes on without it; the caller warns.
type RevokedBootstrapError struct {
	TokenID   string
	RevokedAt time.Time
}

func (e *RevokedBootstrapError) Error() string {
	return fmt.Sprintf("the bootstrap token (FIREBREAK_BOOTSTRAP_ADMIN_TOKEN, token %s) was revoked at %s; it is ignored — unset FIREBREAK_BOOTSTRAP_ADMIN_TOKEN",
		e.TokenID, e.RevokedAt.UTC().Format(time.RFC3339))
}

// NewSecret returns a fresh token secret: 160 random bits, prefixed so
// leaked tokens are easy to recognise in scanners.
func NewSecret() string {
	b := make([]byte, 20)
	rand.Read(b) // never fails, per crypto/rand
	return "fbk_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// HashToken is how a secret is stored and looked up.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// UserPatch changes the fields that are set.
type UserPatch struct {
	DisplayName *string
	Email       *string
	Role        *Role
	Active      *bool
}

// UpdateUser changes a user's details, role or active flag.
func (s *Service) UpdateUser(ctx context.Context, username string, p UserPatch) (User, error) {
	u, err := s.store.GetUser(ctx, username)
	if err != nil {
		return User{}, err
	}
	in := UserInput{Username: u.Username, DisplayName: u.DisplayName, Email: u.Email, Role: u.Role}
	if p.DisplayName != nil {
		in.DisplayName = *p.DisplayName
	}
	if p.Email != nil {
		in.Email = *p.Email
	}
	if p.Role != nil {
		in.Role = *p.Role
	}
	// Validate through the same rules as creation.
	if _, err := (&Service{store: nopCreate{}, now: s.now, newID: s.newID}).CreateUser(ctx, in); err != nil {
		return User{}, err
	}
	u.DisplayName, u.Email, u.Role = strings.TrimSpace(in.DisplayName), in.Email, in.Role
	if u.DisplayName == "" {
		u.DisplayName = u.Username
	}
	if p.Active != nil {
		u.Active = *p.Active
	}
	u.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
	if !u.Active {
		// Deactivation revokes the user's tokens and ends their sessions
		// for good: reactivating the user later restores the account, not
		// the credentials it held, which may have leaked meanwhile.
		err := s.store.DeactivateUser(ctx, u, u.UpdatedAt)
		s.tokens.Forget() // after the write, so no lookup can keep the old row
		if err != nil {
			return User{}, err
		}
		return u, nil
	}
	err = s.store.UpdateUser(ctx, u)
	s.tokens.Forget() // a role change holds for the user's tokens at once
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// nopCreate lets UpdateUser reuse CreateUser's validation without storing.
type nopCreate struct{ Store }

func (nopCreate) CreateUser(context.Context, User) error { return nil }

// Tokens lists a user's tokens, revoked ones included.
func (s *Service) Tokens(ctx context.Context, username string) ([]Token, error) {
	return s.store.ListTokens(ctx, username)
}

// RevokeToken revokes a token by ID.
func (s *Service) RevokeToken(ctx context.Context, id string) error {
	err := s.store.RevokeToken(ctx, id, s.now())
	s.tokens.Forget() // even on an error: the revocation may have committed
	return err
}
