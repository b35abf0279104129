package auth_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

var ctx = context.Background()

const alicePW = "alice's long password"

// setup returns a store with users alice, bob (responders) and root (admin)
// on every backend under test; alice and root have passwords.
func setup(t *testing.T, fn func(t *testing.T, s *storetest.Setup)) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := storetest.NewSetup(t, b)
			for user, pw := range map[string]string{"alice": alicePW, "root": "root's long password"} {
				if err := s.Auth.SetPassword(ctx, user, pw); err != nil {
					t.Fatal(err)
				}
			}
			fn(t, s)
		})
	}
}

func wantErr(t *testing.T, err error, code errs.Code, msg string) {
	t.Helper()
	if errs.CodeOf(err) != code || (msg != "" && err.Error() != msg) {
		t.Fatalf("got %v (%s), want %s %q", err, errs.CodeOf(err), code, msg)
	}
}

func signIn(t *testing.T, s *storetest.Setup, user, pw string) (auth.Session, string) {
	t.Helper()
	sess, secret, err := s.Auth.SignIn(ctx, user, pw, "192.0.2.1:50000")
	if err != nil {
		t.Fatalf("sign in %s: %v", user, err)
	}
	return sess, secret
}

func TestSignInAndOut(t *testing.T) {
	t.Parallel()
	setup(t, func(t *testing.T, s *storetest.Setup) {
		sess, secret := signIn(t, s, "alice", alicePW)
		if raw, err := base64.RawURLEncoding.DecodeString(secret); err != nil || len(raw) != 32 {
			t.Fatalf("secret %q is not 32 bytes of base64url", secret)
		}
		now := s.Clock.Now()
		if sess.Username != "alice" || !sess.CreatedAt.Equal(now) || !sess.ExpiresAt.Equal(now.Add(auth.SessionIdleTimeout)) {
			t.Fatalf("session %+v", sess)
		}
		got, u, err := s.Auth.SessionFor(ctx, secret)
		if err != nil || got.ID != sess.ID || u.Username != "alice" || u.Role != auth.Responder {
			t.Fatalf("session for: %+v %+v %v", got, u, err)
		}
		// Only the hash is stored.
		if _, _, err := s.DB.SessionByHash(ctx, secret); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("the secret itself finds a session: %v", err)
		}
		if err := s.Auth.SignOut(ctx, secret); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.Auth.SessionFor(ctx, secret)
		wantErr(t, err, errs.Unauthorized, "the session has ended; sign in again")
		if err := s.Auth.SignOut(ctx, secret); err != nil {
			t.Fatalf("signing out twice: %v", err)
		}
		_, _, err = s.Auth.SessionFor(ctx, "")
		wantErr(t, err, errs.Unauthorized, "not signed in")
	})
}

func TestSignInRefusals(t *testing.T) {
	t.Parallel()
	setup(t, func(t *testing.T, s *storetest.Setup) {
		const wrong = "wrong username or password"
		tests := []struct {
			name, user, pw string
			code           errs.Code
			msg            string
		}{
			{"wrong password", "alice", "not alice's password", errs.Unauthorized, wrong},
			{"unknown user", "mallory", alicePW, errs.Unauthorized, wrong},
			{"user without a password", "bob", "", errs.Unauthorized, wrong},
			{"user without a password, guessed", "bob", "0123456789", errs.Unauthorized, wrong},
			{"right password, other case", "alice", "ALICE'S LONG PASSWORD", errs.Unauthorized, wrong},
		}
		for _, tt := range tests {
			// No address, so the address limit stays out of it.
			_, _, err := s.Auth.SignIn(ctx, tt.user, tt.pw, "")
			if errs.CodeOf(err) != tt.code || err.Error() != tt.msg {
				t.Errorf("%s: got %v, want %q", tt.name, err, tt.msg)
			}
		}
		if _, err := s.Auth.UpdateUser(ctx, "root", auth.UserPatch{Active: new(false)}); err != nil {
			t.Fatal(err)
		}
		_, _, err := s.Auth.SignIn(ctx, "root", "root's long password", "")
		wantErr(t, err, errs.Unauthorized, "this account is deactivated; ask an administrator")
		_, _, err = s.Auth.SignIn(ctx, "root", "root's other password", "")
		wantErr(t, err, errs.Unauthorized, wrong)
	})
}

func TestSignInIsRateLimited(t *testing.T) {
	t.Parallel()
	setup(t, func(t *testing.T, s *storetest.Setup) {
		fail := func(user, addr string) {
			t.Helper()
			_, _, err := s.Auth.SignIn(ctx, user, "a wrong password", addr)
			wantErr(t, err, errs.Unauthorized, "")
		}
		// A success resets the user's count.
		for range 4 {
			fail("alice", "192.0.2.1:1")
		}
		signIn(t, s, "alice", alicePW)
		for range 4 {
			fail("alice", "192.0.2.2:1")
		}
		signIn(t, s, "alice", alicePW)

		// Five failures lock the user, from any address, even with the
		// right password, until the window ends.
		for range 5 {
			fail("alice", "192.0.2.3:1")
		}
		_, _, err := s.Auth.SignIn(ctx, "alice", alicePW, "198.51.100.9:1")
		wantErr(t, err, errs.RateLimited, "too many failed sign-in attempts; try again after 2026-11-25T10:15:00Z (in 15m0s)")
		s.Clock.Advance(auth.FailureWindow)
		signIn(t, s, "alice", alicePW)

		// Five failures from one host (any port, any user) lock the host,
		// for every user; other hosts are not affected.
		for i, u := range []string{"bob", "carol", "dave", "erin", "frank"} {
			fail(u, "203.0.113.5:"+string(rune('1'+i)))
		}
		_, _, err = s.Auth.SignIn(ctx, "root", "root's long password", "203.0.113.5:9")
		wantErr(t, err, errs.RateLimited, "")
		if _, _, err := s.Auth.SignIn(ctx, "root", "root's long password", "203.0.113.6:9"); err != nil {
			t.Fatalf("another host is locked too: %v", err)
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	setup(t, func(t *testing.T, s *storetest.Setup) {
		expired := "the session has expired; sign in again"
		_, idle := signIn(t, s, "alice", alicePW)
		start := s.Clock.Now()
		_, busy := signIn(t, s, "alice", alicePW)

		// Use within a minute does not write; after a minute it slides.
		s.Clock.Advance(30 * time.Second)
		got, _, err := s.Auth.SessionFor(ctx, busy)
		if err != nil || !got.LastSeenAt.Equal(start) {
			t.Fatalf("after 30 s: %+v %v", got, err)
		}
		s.Clock.Advance(31 * time.Second)
		got, _, err = s.Auth.SessionFor(ctx, busy)
		if err != nil || !got.LastSeenAt.Equal(s.Clock.Now()) || !got.ExpiresAt.Equal(s.Clock.Now().Add(auth.SessionIdleTimeout)) {
			t.Fatalf("after 61 s: %+v %v", got, err)
		}
		stored, _, _ := s.DB.SessionByHash(ctx, auth.HashToken(busy))
		if stored != got {
			t.Fatalf("stored %+v, returned %+v", stored, got)
		}

		// Twelve idle hours end a session.
		s.Clock.Advance(auth.SessionIdleTimeout - 61*time.Second)
		_, _, err = s.Auth.SessionFor(ctx, idle)
		wantErr(t, err, errs.Unauthorized, expired)

		// A session used every 11 hours lives seven days, not a second more.
		for s.Clock.Now().Sub(start) < auth.SessionMaxLifetime-11*time.Hour {
			if _, _, err := s.Auth.SessionFor(ctx, busy); err != nil {
				t.Fatalf("at %s: %v", s.Clock.Now().Sub(start), err)
			}
			s.Clock.Advance(11 * time.Hour)
		}
		got, _, err = s.Auth.SessionFor(ctx, busy)
		if err != nil || !got.ExpiresAt.Equal(start.Add(auth.SessionMaxLifetime)) {
			t.Fatalf("near the end: %+v %v", got, err)
		}
		s.Clock.Advance(start.Add(auth.SessionMaxLifetime).Sub(s.Clock.Now()))
		_, _, err = s.Auth.SessionFor(ctx, busy)
		wantErr(t, err, errs.Unauthorized, expired)

		// The next sign-in sweeps the expired rows.
		signIn(t, s, "alice", alicePW)
		if _, _, err := s.DB.SessionByHash(ctx, auth.HashToken(busy)); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("expired session still stored: %v", err)
		}
	})
}

func TestPasswordChangesEndSessions(t *testing.T) {
	t.Parallel()
	setup(t, func(t *testing.T, s *storetest.Setup) {
		ended := "the session has ended; sign in again"
		_, a1 := signIn(t, s, "alice", alicePW)
		_, r1 := signIn(t, s, "root", "root's long password")

		// An admin reset: the old password and sessions stop working.
		if err := s.Auth.SetPassword(ctx, "alice", "alice's second password"); err != nil {
			t.Fatal(err)
		}
		_, _, err := s.Auth.SessionFor(ctx, a1)
		wantErr(t, err, errs.Unauthorized, ended)
		if _, _, err := s.Auth.SessionFor(ctx, r1); err != nil {
			t.Fatalf("root's session ended with alice's: %v", err)
		}
		_, _, err = s.Auth.SignIn(ctx, "alice", alicePW, "")
		wantErr(t, err, errs.Unauthorized, "")
		_, a2 := signIn(t, s, "alice", "alice's second password")

		wantErr(t, s.Auth.SetPassword(ctx, "alice", "short"), errs.Invalid, "password: must be at least 10 bytes long")
		wantErr(t, s.Auth.SetPassword(ctx, "nobody", "long enough password"), errs.NotFound, "")

		// Her own change checks the current password.
		wantErr(t, s.Auth.ChangePassword(ctx, "alice", "a wrong password", "alice's third password"), errs.Invalid, "current_password: is not your current password")
		wantErr(t, s.Auth.ChangePassword(ctx, "alice", "alice's second password", "short"), errs.Invalid, "password: must be at least 10 bytes long")
		wantErr(t, s.Auth.ChangePassword(ctx, "alice", "alice's second password", "alice's second password"), errs.Invalid, "password: must differ from the current password")
		if err := s.Auth.ChangePassword(ctx, "alice", "alice's second password", "alice's third password"); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.Auth.SessionFor(ctx, a2)
		wantErr(t, err, errs.Unauthorized, ended)
		signIn(t, s, "alice", "alice's third password")

		// Wrong current passwords count towards the limit.
		for range 5 {
			s.Auth.ChangePassword(ctx, "alice", "a wrong password", "alice's fourth password")
		}
		wantErr(t, s.Auth.ChangePassword(ctx, "alice", "alice's third password", "alice's fourth password"), errs.RateLimited, "")
	})
}

func TestDeactivationEndsSessions(t *testing.T) {
	t.Parallel()
	setup(t, func(t *testing.T, s *storetest.Setup) {
		_, secret := signIn(t, s, "alice", alicePW)
		if _, err := s.Auth.UpdateUser(ctx, "alice", auth.UserPatch{Active: new(false)}); err != nil {
			t.Fatal(err)
		}
		_, _, err := s.Auth.SessionFor(ctx, secret)
		wantErr(t, err, errs.Unauthorized, "")
		if _, _, err := s.DB.SessionByHash(ctx, auth.HashToken(secret)); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("a deactivated user's session is still stored: %v", err)
		}
	})
}

func TestBootstrapGivesAdminAPassword(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		for _, withSecret := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/bootstrap-token=%v", b.Name, withSecret), func(t *testing.T) {
				t.Parallel()
				db, _ := b.Open(t)
				clock := storetest.NewClock(t0)
				as := auth.NewService(db, clock.Now, storetest.IDs("id"), auth.WithLimiter(auth.NewLimiter(clock.Now)))
				bootstrap := ""
				if withSecret {
					bootstrap = "fbk_bootstrap_secret_0123456789"
				}
				token, pw, err := as.Bootstrap(ctx, bootstrap)
				if err != nil || len(pw) != 20 || (token == "") != withSecret {
					t.Fatalf("first start: token %q, password %q, %v", token, pw, err)
				}
				if _, _, err := as.SignIn(ctx, "admin", pw, ""); err != nil {
					t.Fatalf("admin cannot sign in with the bootstrap password: %v", err)
				}
				if token, pw, err := as.Bootstrap(ctx, bootstrap); err != nil || token != "" || pw != "" {
					t.Fatalf("second start: token %q, password %q, %v", token, pw, err)
				}
			})
		}
	}
}
