package storetest

import (
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// RunSecrets runs the contract of credentials over their life: tokens of
// deactivated users, calendar feed generations, the idempotency sweep.
func RunSecrets(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *Setup)
	}{
		{"DeactivationRevokesTokensAndFeeds", testDeactivateUser},
		{"FeedGenerations", testFeedGenerations},
		{"IdempotencySweep", testIdempotencySweep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, NewSetup(t, b))
		})
	}
}

func testDeactivateUser(t *testing.T, s *Setup) {
	if _, _, err := s.Auth.IssueToken(ctx, "alice", "laptop"); err != nil {
		t.Fatal(err)
	}
	tok, secret, err := s.Auth.IssueToken(ctx, "alice", "ci")
	if err != nil {
		t.Fatal(err)
	}
	_, bobSecret, err := s.Auth.IssueToken(ctx, "bob", "laptop")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DB.CreateSession(ctx, auth.Session{ID: "s1", Username: "alice", CreatedAt: s.Clock.Now(), LastSeenAt: s.Clock.Now(), ExpiresAt: s.Clock.Now().Add(time.Hour)}, "hash-s1"); err != nil {
		t.Fatal(err)
	}
	u := must(s.DB.GetUser(ctx, "alice"))(t)
	u.Active = true
	wantCode(t, s.DB.DeactivateUser(ctx, u, s.Clock.Now()), errs.Invalid)
	u.Active = false
	at := s.Clock.Now().Truncate(time.Microsecond)
	if err := s.DB.DeactivateUser(ctx, u, at); err != nil {
		t.Fatal(err)
	}
	if got := must(s.DB.GetUser(ctx, "alice"))(t); got.Active {
		t.Fatalf("alice is still active")
	}
	_, _, err = s.DB.TokenByHash(ctx, auth.HashToken(secret))
	wantCode(t, err, errs.NotFound)
	rec := must(s.DB.TokenRecord(ctx, auth.HashToken(secret)))(t)
	if rec.ID != tok.ID || rec.RevokedAt == nil || !rec.RevokedAt.Equal(at) {
		t.Fatalf("the token's record: %+v", rec)
	}
	for _, tk := range must(s.DB.ListTokens(ctx, "alice"))(t) {
		if tk.RevokedAt == nil {
			t.Fatalf("alice's token %s is not revoked", tk.Name)
		}
	}
	_, _, err = s.DB.SessionByHash(ctx, "hash-s1")
	wantCode(t, err, errs.NotFound)
	if g := must(s.DB.FeedGeneration(ctx, "alice"))(t); g != 1 {
		t.Fatalf("alice's feed generation after deactivation: %d", g)
	}
	// Bob keeps his.
	if _, _, err := s.DB.TokenByHash(ctx, auth.HashToken(bobSecret)); err != nil {
		t.Fatalf("bob's token went with alice's: %v", err)
	}
	// Reactivating brings none back.
	u.Active = true
	if err := s.DB.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.DB.TokenByHash(ctx, auth.HashToken(secret))
	wantCode(t, err, errs.NotFound)

	_, err = s.DB.TokenRecord(ctx, auth.HashToken("no such secret"))
	wantCode(t, err, errs.NotFound)
	u.Username = "nobody"
	u.Active = false
	wantCode(t, s.DB.DeactivateUser(ctx, u, at), errs.NotFound)
}

func testFeedGenerations(t *testing.T, s *Setup) {
	if g := must(s.DB.FeedGeneration(ctx, "alice"))(t); g != 0 {
		t.Fatalf("a new user's generation: %d", g)
	}
	for want := 1; want <= 3; want++ {
		if g := must(s.DB.RotateFeeds(ctx, "alice", "root", s.Clock.Now()))(t); g != want {
			t.Fatalf("rotation %d gave generation %d", want, g)
		}
	}
	if g := must(s.DB.FeedGeneration(ctx, "alice"))(t); g != 3 {
		t.Fatalf("alice's generation: %d", g)
	}
	if g := must(s.DB.FeedGeneration(ctx, "bob"))(t); g != 0 {
		t.Fatalf("bob's generation moved with alice's: %d", g)
	}
	_, err := s.DB.RotateFeeds(ctx, "nobody", "root", s.Clock.Now())
	wantCode(t, err, errs.NotFound)
}

func testIdempotencySweep(t *testing.T, s *Setup) {
	rec := store.IdemRecord{Method: "POST", Path: "/api/v1/incidents", RequestHash: "h1"}
	for _, k := range []string{"k1", "k2"} {
		if got, err := s.DB.ReserveIdempotency(ctx, "alice", k, rec); err != nil || got != nil {
			t.Fatalf("reserve %s: %+v %v", k, got, err)
		}
	}
	if err := s.DB.CompleteIdempotency(ctx, "alice", "k1", 201, "application/json", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	// The store's clock is the wall clock here.
	now := time.Now()
	if n, err := s.DB.DeleteExpiredIdempotency(ctx, now.Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("deleted %d keys younger than the cut-off (%v)", n, err)
	}
	if n, err := s.DB.DeleteExpiredIdempotency(ctx, now.Add(time.Second)); err != nil || n != 2 {
		t.Fatalf("deleted %d keys, want the answered and the reserved one (%v)", n, err)
	}
	if got, err := s.DB.ReserveIdempotency(ctx, "alice", "k1", rec); err != nil || got != nil {
		t.Fatalf("a swept key is still held: %+v %v", got, err)
	}
	// Scheduling twice (two nodes, or a sweep and a start) makes one job,
	// at the next top of the hour.
	for range 2 {
		if err := s.DB.ScheduleIdempotencySweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	next, ok, err := s.DB.NextRunAt(ctx)
	want := next.Truncate(time.Hour)
	if err != nil || !ok || !next.Equal(want) || next.Before(now) || next.After(now.Add(time.Hour)) {
		t.Fatalf("next sweep at %v (%v, %v), want %v", next, ok, err, want)
	}
	jobs, err := s.DB.Claim(ctx, "test", want, time.Minute, 10)
	if err != nil || len(jobs) != 1 || jobs[0].Kind != store.JobIdempotencySweep {
		t.Fatalf("claimed %+v (%v), want one sweep", jobs, err)
	}
}
