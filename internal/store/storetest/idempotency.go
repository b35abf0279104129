package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// RunIdempotencyCrash runs the contract that makes Idempotency-Key crash
// safe: a command run under a reserved key marks the key in its own
// transaction, so after a crash between the command's commit and the
// stored answer the key says the command was applied and what it created,
// and a retry never runs it again.
func RunIdempotencyCrash(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *Setup)
	}{
		{"AppliedKeySurvivesACrash", testAppliedKeySurvivesACrash},
		{"FailedCommandLeavesTheKeyUnapplied", testFailedCommandLeavesKeyUnapplied},
		{"TakenOverReservationRefusesTheOldWriter", testTakenOverReservation},
		{"ReleaseAfterApplyKeepsTheKey", testReleaseAfterApply},
		{"ClaimGuardsTheAnswer", testClaimGuardsTheAnswer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, NewSetup(t, b))
		})
	}
}

var idemRec = store.IdemRecord{Method: "POST", Path: "/api/v1/incidents", RequestHash: "h-declare"}

// reserve reserves key for alice under claim and returns the context a
// request holding it runs with.
func reserve(t *testing.T, db *store.DB, key, claim string) context.Context {
	t.Helper()
	rec := idemRec
	rec.Claim = claim
	if got, err := db.ReserveIdempotency(ctx, "alice", key, rec); err != nil || got != nil {
		t.Fatalf("reserve %s under %s: %+v %v", key, claim, got, err)
	}
	return store.WithIdempotency(ctx, store.IdemClaim{User: "alice", Key: key, Claim: claim})
}

// restarted opens the same database again as a new process would, with
// its clock later than the stale window.
func restarted(t *testing.T, s *Setup, later time.Duration) *store.DB {
	t.Helper()
	db, err := store.Open(ctx, s.DSN, store.Options{Now: func() time.Time { return time.Now().Add(later) }})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() }) // test cleanup
	return db
}

func testAppliedKeySurvivesACrash(t *testing.T, s *Setup) {
	rctx := reserve(t, s.DB, "k-crash", "claim-1")
	inc, err := s.Incidents.Declare(rctx, "alice", incident.DeclareInput{Title: "declared, then the server died"})
	if err != nil {
		t.Fatal(err)
	}
	// The process dies here: the answer is never stored.

	// Before the stale window, the request still counts as in flight.
	got, err := s.DB.ReserveIdempotency(ctx, "alice", "k-crash", idemRec)
	if err != nil || got == nil || got.Status != 0 {
		t.Fatalf("reserve while the first may still run: %+v %v", got, err)
	}
	// After it, on a restarted server: applied, never run again, with what
	// it created.
	db2 := restarted(t, s, store.DefaultIdempotencyStale+time.Second)
	for range 2 {
		got, err = db2.ReserveIdempotency(ctx, "alice", "k-crash", store.IdemRecord{Method: "POST", Path: "/api/v1/incidents", RequestHash: "h-declare", Claim: "claim-2"})
		if err != nil || got == nil {
			t.Fatalf("retry after the crash: %+v %v (the key was taken over: the declare would run twice)", got, err)
		}
		if got.Status != store.IdemAnswerLost || got.CreatedKind != "incident" || got.CreatedID != inc.Ref || got.RequestHash != "h-declare" {
			t.Fatalf("retry after the crash: status %d created %s %s hash %s, want %d incident %s",
				got.Status, got.CreatedKind, got.CreatedID, got.RequestHash, store.IdemAnswerLost, inc.Ref)
		}
	}
	// Nothing else was declared.
	page, err := s.DB.List(ctx, incident.Filter{Viewer: incident.Viewer{SeeAll: true}, Limit: 10})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("incidents after the retry: %d (%v)", len(page.Items), err)
	}
}

func testFailedCommandLeavesKeyUnapplied(t *testing.T, s *Setup) {
	rctx := reserve(t, s.DB, "k-fail", "claim-1")
	// A command that fails in its transaction marks nothing: its savepoint
	// (SQLite) or transaction (PostgreSQL) is rolled back with the mark.
	_, err := s.DB.Create(rctx, func(int64) (incident.Incident, []incident.Event, error) {
		return incident.Incident{}, nil, errs.E(errs.Invalid, "title", "boom")
	})
	wantCode(t, err, errs.Invalid)
	// Once stale, a retry takes the reservation over and runs.
	db2 := restarted(t, s, store.DefaultIdempotencyStale+time.Second)
	rec := idemRec
	rec.Claim = "claim-2"
	if got, err := db2.ReserveIdempotency(ctx, "alice", "k-fail", rec); err != nil || got != nil {
		t.Fatalf("retry of a request that applied nothing: %+v %v, want the reservation", got, err)
	}
}

func testTakenOverReservation(t *testing.T, s *Setup) {
	slow := reserve(t, s.DB, "k-slow", "claim-slow")
	// The first request outlives the stale window; a retry takes its
	// reservation over.
	db2 := restarted(t, s, store.DefaultIdempotencyStale+time.Second)
	rec := idemRec
	rec.Claim = "claim-retry"
	if got, err := db2.ReserveIdempotency(ctx, "alice", "k-slow", rec); err != nil || got != nil {
		t.Fatalf("take over: %+v %v", got, err)
	}
	retry := store.WithIdempotency(ctx, store.IdemClaim{User: "alice", Key: "k-slow", Claim: "claim-retry"})
	// The slow request's command is refused, whole: no incident, no number.
	_, err := s.Incidents.Declare(slow, "alice", incident.DeclareInput{Title: "slow"})
	wantCode(t, err, errs.Conflict)
	if e, ok := errs.As(err); !ok || e.Field != "Idempotency-Key" {
		t.Fatalf("refusal names %v, want Idempotency-Key", err)
	}
	inc, err := s.Incidents.Declare(retry, "alice", incident.DeclareInput{Title: "retry"})
	if err != nil {
		t.Fatal(err)
	}
	if inc.Ref != "INC-1" {
		t.Fatalf("the retry declared %s: the refused attempt used a number", inc.Ref)
	}
	// The slow request's answer is not stored over the retry's.
	if err := s.DB.CompleteIdempotency(slow, "alice", "k-slow", 409, "application/problem+json", []byte(`{"slow":true}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.CompleteIdempotency(retry, "alice", "k-slow", 201, "application/json", []byte(`{"ref":"INC-1"}`)); err != nil {
		t.Fatal(err)
	}
	got, err := s.DB.ReserveIdempotency(ctx, "alice", "k-slow", idemRec)
	if err != nil || got == nil || got.Status != 201 || string(got.Body) != `{"ref":"INC-1"}` {
		t.Fatalf("stored answer: %+v %v", got, err)
	}
}

func testReleaseAfterApply(t *testing.T, s *Setup) {
	rctx := reserve(t, s.DB, "k-5xx", "claim-1")
	inc, err := s.Incidents.Declare(rctx, "alice", incident.DeclareInput{Title: "applied, then the answer failed"})
	if err != nil {
		t.Fatal(err)
	}
	// The request failed after its command (a 5xx): the key is kept, and
	// a retry at once is answered from what was created.
	if err := s.DB.ReleaseIdempotency(rctx, "alice", "k-5xx"); err != nil {
		t.Fatal(err)
	}
	got, err := s.DB.ReserveIdempotency(ctx, "alice", "k-5xx", idemRec)
	if err != nil || got == nil || got.Status != store.IdemAnswerLost || got.CreatedID != inc.Ref {
		t.Fatalf("retry after a failure past the commit: %+v %v", got, err)
	}
	// A request that applied nothing is forgotten by Release, as before.
	r2 := reserve(t, s.DB, "k-4xx", "claim-2")
	if err := s.DB.ReleaseIdempotency(r2, "alice", "k-4xx"); err != nil {
		t.Fatal(err)
	}
	rec := idemRec
	rec.Claim = "claim-3"
	if got, err := s.DB.ReserveIdempotency(ctx, "alice", "k-4xx", rec); err != nil || got != nil {
		t.Fatalf("released unapplied key: %+v %v", got, err)
	}
}

func testClaimGuardsTheAnswer(t *testing.T, s *Setup) {
	rctx := reserve(t, s.DB, "k-two", "claim-1")
	// Two write transactions of one request: both mark, the first creation
	// is what the key names.
	inc, err := s.Incidents.Declare(rctx, "alice", incident.DeclareInput{Title: "first"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Incidents.AddEntry(rctx, cmd(inc.Ref), incident.KindNote, "then a note", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.ReleaseIdempotency(rctx, "alice", "k-two"); err != nil {
		t.Fatal(err)
	}
	got, err := s.DB.ReserveIdempotency(ctx, "alice", "k-two", idemRec)
	if err != nil || got == nil || got.CreatedKind != "incident" || got.CreatedID != inc.Ref {
		t.Fatalf("key after two writes: %+v %v", got, err)
	}
	// Writes without a key, and the key's own bookkeeping, mark nothing.
	if _, err := s.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "no key"}); err != nil {
		t.Fatal(err)
	}
	other := store.WithIdempotency(ctx, store.IdemClaim{User: "alice", Key: "never-reserved", Claim: "x"})
	_, err = s.Incidents.Declare(other, "alice", incident.DeclareInput{Title: "unreserved key"})
	wantCode(t, err, errs.Conflict)
}
