package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

func testUsersAndTokens(t *testing.T, s *Setup) {
	_, err := s.Auth.CreateUser(ctx, auth.UserInput{Username: "alice"})
	wantCode(t, err, errs.Conflict)
	_, err = s.Auth.CreateUser(ctx, auth.UserInput{Username: "Bad Name"})
	wantCode(t, err, errs.Invalid)
	tok, secret, err := s.Auth.IssueToken(ctx, "alice", "laptop")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Auth.Authenticate(ctx, secret)
	if err != nil || p.User.Username != "alice" || p.TokenID != tok.ID {
		t.Fatalf("authenticate: %+v %v", p, err)
	}
	_, err = s.Auth.Authenticate(ctx, secret+"x")
	wantCode(t, err, errs.Unauthorized)
	if _, err := s.Auth.UpdateUser(ctx, "alice", auth.UserPatch{Active: new(false)}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Auth.Authenticate(ctx, secret)
	wantCode(t, err, errs.Unauthorized)
	if _, err := s.Auth.UpdateUser(ctx, "alice", auth.UserPatch{Active: new(true)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Auth.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Auth.Authenticate(ctx, secret)
	wantCode(t, err, errs.Unauthorized)
	toks, err := s.Auth.Tokens(ctx, "alice")
	if err != nil || len(toks) != 1 || toks[0].RevokedAt == nil {
		t.Fatalf("tokens: %+v %v", toks, err)
	}
	users, err := s.Auth.Users(ctx)
	if err != nil || len(users) != 3 {
		t.Fatalf("users: %d %v", len(users), err)
	}
}

func testPasswordHashes(t *testing.T, s *Setup) {
	if h, err := s.DB.PasswordHash(ctx, "alice"); err != nil || h != "" {
		t.Fatalf("a new user's password hash: %q %v", h, err)
	}
	if err := s.DB.SetPasswordHash(ctx, "alice", "$argon2id$one"); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.SetPasswordHash(ctx, "alice", "$argon2id$two"); err != nil {
		t.Fatal(err)
	}
	if h, err := s.DB.PasswordHash(ctx, "alice"); err != nil || h != "$argon2id$two" {
		t.Fatalf("password hash: %q %v", h, err)
	}
	if h, _ := s.DB.PasswordHash(ctx, "bob"); h != "" {
		t.Fatalf("bob got alice's hash %q", h)
	}
	wantCode(t, s.DB.SetPasswordHash(ctx, "nobody", "x"), errs.NotFound)
	_, err := s.DB.PasswordHash(ctx, "nobody")
	wantCode(t, err, errs.NotFound)
	// The hash never travels with the user.
	u, err := s.DB.GetUser(ctx, "alice")
	if err != nil || u.Username != "alice" {
		t.Fatalf("get user: %+v %v", u, err)
	}
}

func testSessions(t *testing.T, s *Setup) {
	now := s.Clock.Now().Truncate(time.Microsecond)
	a := auth.Session{ID: "s1", Username: "alice", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(12 * time.Hour)}
	if err := s.DB.CreateSession(ctx, a, "hash-a"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DB.CreateSession(ctx, auth.Session{ID: "s2", Username: "alice", CreatedAt: now, LastSeenAt: now, ExpiresAt: now}, "hash-a"), errs.Conflict)
	wantCode(t, s.DB.CreateSession(ctx, auth.Session{ID: "s1", Username: "alice", CreatedAt: now, LastSeenAt: now, ExpiresAt: now}, "hash-x"), errs.Conflict)
	wantCode(t, s.DB.CreateSession(ctx, auth.Session{ID: "s3", Username: "nobody", CreatedAt: now, LastSeenAt: now, ExpiresAt: now}, "hash-n"), errs.NotFound)
	got, u, err := s.DB.SessionByHash(ctx, "hash-a")
	if err != nil || got != a || u.Username != "alice" || u.Role != auth.Responder || !u.Active {
		t.Fatalf("session by hash: %+v %+v %v, want %+v", got, u, err, a)
	}
	_, _, err = s.DB.SessionByHash(ctx, "hash-b")
	wantCode(t, err, errs.NotFound)

	seen, exp := now.Add(time.Hour), now.Add(13*time.Hour)
	if err := s.DB.TouchSession(ctx, "s1", seen, exp); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.DB.SessionByHash(ctx, "hash-a"); !got.LastSeenAt.Equal(seen) || !got.ExpiresAt.Equal(exp) || !got.CreatedAt.Equal(now) {
		t.Fatalf("touched session: %+v", got)
	}
	wantCode(t, s.DB.TouchSession(ctx, "nope", seen, exp), errs.NotFound)

	// The user comes fresh with each lookup: a role change applies at once.
	if _, err := s.Auth.UpdateUser(ctx, "alice", auth.UserPatch{Role: new(auth.Viewer)}); err != nil {
		t.Fatal(err)
	}
	if _, u, _ := s.DB.SessionByHash(ctx, "hash-a"); u.Role != auth.Viewer {
		t.Fatalf("session user's role %s after the change, want viewer", u.Role)
	}

	if err := s.DB.DeleteSession(ctx, "hash-a"); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.DB.SessionByHash(ctx, "hash-a")
	wantCode(t, err, errs.NotFound)
	wantCode(t, s.DB.DeleteSession(ctx, "hash-a"), errs.NotFound)

	for i, who := range []string{"alice", "alice", "bob"} {
		sess := auth.Session{ID: fmt.Sprintf("u%d", i), Username: who, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.DB.CreateSession(ctx, sess, fmt.Sprintf("hash-u%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DB.DeleteUserSessions(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.DeleteUserSessions(ctx, "alice"); err != nil {
		t.Fatalf("deleting no sessions: %v", err)
	}
	for i, want := range []errs.Code{errs.NotFound, errs.NotFound, ""} {
		_, _, err := s.DB.SessionByHash(ctx, fmt.Sprintf("hash-u%d", i))
		if want == "" && err != nil {
			t.Fatalf("bob's session went with alice's: %v", err)
		} else if want != "" {
			wantCode(t, err, want)
		}
	}
}

func testDeleteExpiredSessions(t *testing.T, s *Setup) {
	now := s.Clock.Now().Truncate(time.Microsecond)
	for i, exp := range []time.Duration{-time.Hour, -time.Microsecond, 0, time.Microsecond, time.Hour} {
		sess := auth.Session{ID: fmt.Sprintf("e%d", i), Username: "bob", CreatedAt: now.Add(-2 * time.Hour), LastSeenAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(exp)}
		if err := s.DB.CreateSession(ctx, sess, fmt.Sprintf("hash-e%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.DB.DeleteExpiredSessions(ctx, now)
	if err != nil || n != 3 {
		t.Fatalf("deleted %d expired sessions (%v), want 3", n, err)
	}
	for i := range 5 {
		_, _, err := s.DB.SessionByHash(ctx, fmt.Sprintf("hash-e%d", i))
		if gone := errs.CodeOf(err) == errs.NotFound; gone != (i < 3) {
			t.Fatalf("session e%d: %v", i, err)
		}
	}
	if n, err := s.DB.DeleteExpiredSessions(ctx, now); err != nil || n != 0 {
		t.Fatalf("second sweep deleted %d (%v)", n, err)
	}
}
