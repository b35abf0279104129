package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Session lifetimes. A session ends after SessionIdleTimeout without use,
// and SessionMaxLifetime after sign-in however much it is used. Use slides
// the idle expiry; last_seen is written at most once a SessionTouchInterval,
// so the idle timeout is exact to within that interval.
const (
	SessionIdleTimeout   = 12 * time.Hour
	SessionMaxLifetime   = 7 * 24 * time.Hour
	SessionTouchInterval = time.Minute
)

// SessionCookie is the cookie a signed-in browser's session secret is
// kept in (the console's; /debug/pprof/ reads it too).
const SessionCookie = "fb_session"

// Session is a signed-in browser's record; its secret is never stored, only
// the secret's SHA-256.
type Session struct {
	ID         string    `json:"id"`
	Username   string    `json:"username"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// errWrongCredentials is the one answer to an unknown user and to a wrong
// password, so sign-in does not reveal which usernames exist.
func errWrongCredentials() error {
	return errs.E(errs.Unauthorized, "", "wrong username or password")
}

// SignIn checks a username and password and starts a session. It returns
// the session and its secret, which the caller hands to the browser (in a
// cookie) and never stores. remoteAddr is the client's address (host or
// host:port), for throttling guesses per address; "" skips that.
func (s *Service) SignIn(ctx context.Context, username, password, remoteAddr string) (Session, string, error) {
	userKey := "user:" + strings.ToLower(username)
	keys := []string{userKey}
	addrKey := ""
	if remoteAddr != "" {
		addrKey = "addr:" + hostOf(remoteAddr)
		keys = append(keys, addrKey)
	}
	if err := s.limiter.Attempt(keys...); err != nil {
		return Session{}, "", err
	}
	forgive := func() {
		for _, k := range keys {
			s.limiter.Forgive(k)
		}
	}
	u, hash, err := s.credentials(ctx, username)
	if err != nil {
		forgive() // a broken database is not a guess
		return Session{}, "", err
	}
	if hash == "" {
		// Unknown user, or one without a password: spend the time a real
		// check takes, so the answer's timing does not tell them apart.
		_, _ = VerifyPassword(s.dummyHash(), password) // only spends the time a real check takes
		return Session{}, "", errWrongCredentials()
	}
	ok, err := VerifyPassword(hash, password)
	if err != nil {
		forgive()
		return Session{}, "", fmt.Errorf("sign in %s: %w", username, err)
	}
	if !ok {
		return Session{}, "", errWrongCredentials()
	}
	if !u.Active {
		// Said only to someone who knows the password.
		return Session{}, "", errs.E(errs.Unauthorized, "", "this account is deactivated; ask an administrator")
	}
	s.limiter.Reset(userKey)
	if addrKey != "" {
		s.limiter.Forgive(addrKey)
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	// Sweep here rather than in a background job: sign-ins are rare, and the
	// sweep is one indexed delete.
	if _, err := s.store.DeleteExpiredSessions(ctx, now); err != nil {
		return Session{}, "", err
	}
	secret := newSessionSecret()
	sess := Session{ID: s.newID(), Username: u.Username, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(SessionIdleTimeout)}
	if err := s.store.CreateSession(ctx, sess, HashToken(secret)); err != nil {
		return Session{}, "", err
	}
	return sess, secret, nil
}

// credentials returns the user and their password hash; "" when the user
// does not exist or has no password.
func (s *Service) credentials(ctx context.Context, username string) (User, string, error) {
	u, err := s.store.GetUser(ctx, username)
	if errs.CodeOf(err) == errs.NotFound {
		return User{}, "", nil
	}
	if err != nil {
		return User{}, "", err
	}
	hash, err := s.store.PasswordHash(ctx, username)
	if errs.CodeOf(err) == errs.NotFound {
		return User{}, "", nil
	}
	if err != nil {
		return User{}, "", err
	}
	return u, hash, nil
}

// dummyHash is a hash of nothing anyone knows, made once with the current
// parameters so that checking against it costs what a real check costs.
func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() { s.dummy = hashPassword(newSessionSecret()) })
	return s.dummy
}

// SessionFor resolves a session secret to its session and user. It answers
// errs.Unauthorized when the session is missing, expired, or its user is
// deactivated. Use slides the idle expiry, never past the absolute one.
func (s *Service) SessionFor(ctx context.Context, secret string) (Session, User, error) {
	if secret == "" {
		return Session{}, User{}, errs.E(errs.Unauthorized, "", "not signed in")
	}
	sess, u, err := s.store.SessionByHash(ctx, HashToken(secret))
	if errs.CodeOf(err) == errs.NotFound {
		return Session{}, User{}, errs.E(errs.Unauthorized, "", "the session has ended; sign in again")
	}
	if err != nil {
		return Session{}, User{}, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	if !now.Before(sess.ExpiresAt) {
		return Session{}, User{}, errs.E(errs.Unauthorized, "", "the session has expired; sign in again")
	}
	if !u.Active {
		return Session{}, User{}, errs.E(errs.Unauthorized, "", "this account is deactivated")
	}
	if now.Sub(sess.LastSeenAt) >= SessionTouchInterval {
		expires := now.Add(SessionIdleTimeout)
		if end := sess.CreatedAt.Add(SessionMaxLifetime); expires.After(end) {
			expires = end
		}
		if err := s.store.TouchSession(ctx, sess.ID, now, expires); err != nil {
			return Session{}, User{}, err
		}
		sess.LastSeenAt, sess.ExpiresAt = now, expires
	}
	return sess, u, nil
}

// SignOut ends the session with that secret; ending an ended session is not
// an error.
func (s *Service) SignOut(ctx context.Context, secret string) error {
	if secret == "" {
		return nil
	}
	err := s.store.DeleteSession(ctx, HashToken(secret))
	if errs.CodeOf(err) == errs.NotFound {
		return nil
	}
	return err
}

// SetPassword sets a user's password (an administrator's reset) and ends
// their sessions.
func (s *Service) SetPassword(ctx context.Context, username, pw string) error {
	hash, err := HashPassword(pw)
	if err != nil {
		return err
	}
	if err := s.store.SetPasswordHash(ctx, username, hash); err != nil {
		return err
	}
	return s.store.DeleteUserSessions(ctx, username)
}

// ChangePassword sets a user's own password after checking the current one,
// and ends all their sessions: the caller signs in again. Wrong current
// passwords count towards the sign-in limit, so a borrowed session cannot be
// used to guess.
func (s *Service) ChangePassword(ctx context.Context, username, old, pw string) error {
	if err := ValidatePassword(pw); err != nil {
		return err
	}
	if old == pw {
		return errs.E(errs.Invalid, "password", "must differ from the current password")
	}
	userKey := "user:" + strings.ToLower(username)
	if err := s.limiter.Attempt(userKey); err != nil {
		return err
	}
	_, hash, err := s.credentials(ctx, username)
	if err != nil {
		s.limiter.Forgive(userKey)
		return err
	}
	ok := false
	if hash == "" {
		_, _ = VerifyPassword(s.dummyHash(), old) // only spends the time a real check takes
	} else if ok, err = VerifyPassword(hash, old); err != nil {
		s.limiter.Forgive(userKey)
		return fmt.Errorf("change password of %s: %w", username, err)
	}
	if !ok {
		return errs.E(errs.Invalid, "current_password", "is not your current password")
	}
	s.limiter.Reset(userKey)
	return s.SetPassword(ctx, username, pw)
}

// newSessionSecret returns 256 random bits, base64url without padding, so it
// fits a cookie as is.
func newSessionSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails, per crypto/rand
	return base64.RawURLEncoding.EncodeToString(b)
}

// hostOf strips the port from an address, so every connection from one
// host shares one count.
func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}
