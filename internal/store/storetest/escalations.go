package storetest

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// RunPaging runs the paging part of the contract (on-call configuration,
// contact methods and rules, escalations and their deliveries, server keys
// and calendar feeds) against backend b.
func RunPaging(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *Setup)
	}{
		{"Objects", testObjects},
		{"ConcurrentObjectChangesAreCheckedInTurn", testConcurrentObjectChanges},
		{"Contacts", testContacts},
		{"Rules", testRules},
		{"ConfigContacts", testConfigContacts},
		{"StartEscalationOncePerSubjectAndCause", testStartEscalation},
		{"ConcurrentStartsMakeOneEscalation", testConcurrentStarts},
		{"EscalationsList", testEscalationsList},
		{"UpdateEscalationIsAllOrNothing", testUpdateEscalation},
		{"ServerKeysAndFeeds", testServerKeysAndFeeds},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, NewSetup(t, b))
		})
	}
}

func newEscalation(id, subject, cause string, at time.Time) escalation.Escalation {
	return escalation.Escalation{ID: id, Subject: escalation.Subject{Kind: escalation.SubjectIncident, ID: subject, Ref: "INC-1", Title: "down", Severity: "SEV1"},
		Cause: cause, Policy: oncall.Policy{Name: "p", Steps: []oncall.Step{{Targets: []oncall.Target{{Kind: oncall.TargetUser, Name: "alice"}}, Delay: 5}}},
		State: escalation.Open, Next: &oncall.Position{}, NextAt: &at, CreatedBy: "root", CreatedAt: at, Log: []escalation.LogEntry{{At: at, Action: "started", Actor: "root"}}}
}

func pageDelivery(id, escalationID string, created, due time.Time) outbox.Delivery {
	return outbox.Delivery{ID: id, Kind: "page", Subject: outbox.Subject{Kind: "escalation", ID: escalationID},
		Target: notify.Target{Kind: notify.KindEmail, Address: "alice@example.com"}, Ref: "c1",
		State: outbox.Pending, CreatedAt: created, DueAt: due}
}

// sends is deliveries planned as outbox writes (each with its job, whose
// ID is the delivery's).
func sends(ds ...outbox.Delivery) escalation.Effects {
	var now time.Time
	if len(ds) > 0 {
		now = ds[0].CreatedAt
	}
	return escalation.Effects{Outbox: outbox.Plan(now, ds...)}
}

// jobState is a job's state and last error; "" when there is no such job.
func jobState(t *testing.T, s *Setup, id string) (state, lastError string) {
	t.Helper()
	err := rawDB(t, s).QueryRowContext(ctx, `SELECT state, COALESCE(last_error, '') FROM jobs WHERE id = '`+id+`'`).Scan(&state, &lastError)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("job %s: %v", id, err)
	}
	return state, lastError
}

func mustEscalation(t *testing.T, s *Setup, id string) escalation.Escalation {
	t.Helper()
	e, err := s.DB.Escalation(ctx, id)
	if err != nil {
		t.Fatalf("escalation %s: %v", id, err)
	}
	return e
}

// testStartEscalation: an escalation is stored with its effects (its
// deliveries and their jobs); another for the same subject and cause
// returns the first, unchanged, and writes none of its effects; another
// cause or subject is another escalation.
func testStartEscalation(t *testing.T, s *Setup) {
	t0 := s.Clock.Now()
	e1 := newEscalation("e1", "inc-a", escalation.CausePage+"x", t0)
	got, created, err := s.DB.StartEscalation(ctx, e1, sends(pageDelivery("d1", "e1", t0, t0)))
	if err != nil || !created || got.ID != "e1" {
		t.Fatalf("start: %+v %v %v", got, created, err)
	}
	sameJSON(t, "the stored escalation", mustEscalation(t, s, "e1"), e1)
	if st, _ := jobState(t, s, "d1"); st != "pending" {
		t.Fatalf("the delivery's job is %q, want pending", st)
	}

	again := newEscalation("e2", "inc-a", escalation.CausePage+"x", t0.Add(time.Minute))
	got, created, err = s.DB.StartEscalation(ctx, again, sends(pageDelivery("d2", "e2", t0, t0)))
	if err != nil || created {
		t.Fatalf("a second start: created %v, %v", created, err)
	}
	sameJSON(t, "a second start returns the first", got, e1)
	_, err = s.DB.Escalation(ctx, "e2")
	wantNotFound(t, "the second escalation", err, "id")
	_, err = s.DB.OutboxDelivery(ctx, "d2")
	wantNotFound(t, "the second start's delivery", err, "id")
	if st, _ := jobState(t, s, "d2"); st != "" {
		t.Fatalf("the second start's job was stored (%s)", st)
	}

	for i, e := range []escalation.Escalation{
		newEscalation("e3", "inc-a", escalation.CauseCommander+"SEV1", t0),
		newEscalation("e4", "inc-b", escalation.CausePage+"x", t0),
		func() escalation.Escalation {
			e := newEscalation("e5", "inc-a", escalation.CausePage+"x", t0)
			e.Subject.Kind = escalation.SubjectQueue
			return e
		}(),
	} {
		if _, created, err := s.DB.StartEscalation(ctx, e, escalation.Effects{}); err != nil || !created {
			t.Fatalf("start %d (%s): created %v, %v", i, e.ID, created, err)
		}
	}
	_, err = s.DB.Escalation(ctx, "nope")
	wantNotFound(t, "an unknown escalation", err, "id")
}

// testConcurrentStarts: starts of one subject and cause racing make one
// escalation; every caller gets it, the others hear it existed, none fails.
func testConcurrentStarts(t *testing.T, s *Setup) {
	const n = 8
	t0 := s.Clock.Now()
	var wg sync.WaitGroup
	ids := make([]string, n)
	made := make([]bool, n)
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("e%d", i)
			got, created, err := s.DB.StartEscalation(ctx, newEscalation(id, "inc-a", escalation.CauseQueue, t0), sends(pageDelivery("d"+id, id, t0, t0)))
			if err != nil {
				t.Errorf("start %d: %v", i, err)
				return
			}
			ids[i], made[i] = got.ID, created
		})
	}
	wg.Wait()
	winners := 0
	for i := range n {
		if made[i] {
			winners++
			if ids[i] != fmt.Sprintf("e%d", i) {
				t.Errorf("start %d created %s", i, ids[i])
			}
		}
		if ids[i] != ids[0] {
			t.Errorf("start %d got %s, start 0 got %s", i, ids[i], ids[0])
		}
	}
	if winners != 1 {
		t.Fatalf("%d starts created the escalation, want one", winners)
	}
	if es, err := s.DB.Escalations(ctx, escalation.SubjectIncident, "inc-a", false, 0); err != nil || len(es) != 1 {
		t.Fatalf("escalations of the subject: %d %v", len(es), err)
	}
}

// testEscalationsList: a subject's escalations (or everyone's when the
// kind is empty), newest first, then by ID; only the open ones if asked;
// at most limit.
func testEscalationsList(t *testing.T, s *Setup) {
	t0 := s.Clock.Now()
	for i, e := range []escalation.Escalation{
		newEscalation("a1", "inc-a", "page:1", t0),
		newEscalation("a2", "inc-a", "page:2", t0.Add(2*time.Minute)),
		newEscalation("a3", "inc-a", "page:3", t0.Add(time.Minute)),
		newEscalation("a4", "inc-a", "page:4", t0.Add(2*time.Minute)), // ties with a2: the greater ID first
		newEscalation("b1", "inc-b", "page:1", t0.Add(3*time.Minute)),
	} {
		if _, _, err := s.DB.StartEscalation(ctx, e, escalation.Effects{}); err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
	}
	if _, err := s.DB.UpdateEscalation(ctx, "a4", func(e *escalation.Escalation) (escalation.Effects, error) {
		e.State = escalation.Resolved
		return escalation.Effects{}, nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		kind    escalation.SubjectKind
		subject string
		open    bool
		limit   int
		want    []string
	}{
		{"one subject", escalation.SubjectIncident, "inc-a", false, 0, []string{"a4", "a2", "a3", "a1"}},
		{"open only", escalation.SubjectIncident, "inc-a", true, 0, []string{"a2", "a3", "a1"}},
		{"limit", escalation.SubjectIncident, "inc-a", false, 2, []string{"a4", "a2"}},
		{"everyone's", "", "", false, 0, []string{"b1", "a4", "a2", "a3", "a1"}},
		{"everyone's open, limit", "", "", true, 3, []string{"b1", "a2", "a3"}},
		{"another kind", escalation.SubjectQueue, "inc-a", false, 0, []string{}},
	} {
		es, err := s.DB.Escalations(ctx, tt.kind, tt.subject, tt.open, tt.limit)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := []string{}
		for _, e := range es {
			got = append(got, e.ID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// testUpdateEscalation: a change is stored with its effects (deliveries,
// jobs, the job it completes) or, when it fails, none of it; a link is
// used once; a missing escalation is not found; changes at once apply one
// after the other.
func testUpdateEscalation(t *testing.T, s *Setup) {
	t0 := s.Clock.Now()
	if _, _, err := s.DB.StartEscalation(ctx, newEscalation("e1", "inc-a", "page:1", t0), sends(pageDelivery("d1", "e1", t0, t0))); err != nil {
		t.Fatal(err)
	}
	before := mustEscalation(t, s, "e1")

	_, err := s.DB.UpdateEscalation(ctx, "e1", func(e *escalation.Escalation) (escalation.Effects, error) {
		e.State, e.AckedBy = escalation.Acknowledged, "bob"
		fx := sends(pageDelivery("d-refused", "e1", t0, t0))
		fx.DoneJob = "d1"
		return fx, errs.E(errs.Rule, "state", "not now")
	})
	wantCode(t, err, errs.Rule)
	sameJSON(t, "the escalation after a refused change", mustEscalation(t, s, "e1"), before)
	if _, err := s.DB.OutboxDelivery(ctx, "d-refused"); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("a refused change's delivery was stored: %v", err)
	}
	if st, _ := jobState(t, s, "d1"); st != "pending" {
		t.Fatalf("a refused change completed the job: %q", st)
	}

	t1 := t0.Add(5 * time.Minute)
	got, err := s.DB.UpdateEscalation(ctx, "e1", func(e *escalation.Escalation) (escalation.Effects, error) {
		e.StepsRun++
		e.Next, e.NextAt = &oncall.Position{Step: 1}, &t1
		e.Log = append(e.Log, escalation.LogEntry{At: t1, Action: "step"})
		fx := sends(pageDelivery("d2", "e1", t1, t1))
		fx.DoneJob = "d1"
		return fx, nil
	})
	if err != nil || got.StepsRun != 1 {
		t.Fatalf("update: %+v %v", got, err)
	}
	sameJSON(t, "the stored change", mustEscalation(t, s, "e1"), got)
	if st, _ := jobState(t, s, "d1"); st != "" {
		t.Fatalf("the completed job is still %s", st)
	}
	if st, _ := jobState(t, s, "d2"); st != "pending" {
		t.Fatalf("the new delivery's job is %q", st)
	}

	// A link is used once: its second use is a conflict that changes nothing.
	ack := func(who string) error {
		_, err := s.DB.UpdateEscalation(ctx, "e1", func(e *escalation.Escalation) (escalation.Effects, error) {
			e.State, e.AckedBy = escalation.Acknowledged, who
			return escalation.Effects{UseToken: "link-1", Outbox: outbox.Plan(t1, pageDelivery("d-"+who, "e1", t1, t1))}, nil
		})
		return err
	}
	if err := ack("alice"); err != nil {
		t.Fatal(err)
	}
	err = ack("bob")
	if e, ok := errs.As(err); !ok || e.Code != errs.Conflict || e.Field != "token" {
		t.Fatalf("a link used twice: %v, want a conflict on token", err)
	}
	if e := mustEscalation(t, s, "e1"); e.AckedBy != "alice" {
		t.Fatalf("the second use of a link changed the escalation: acked by %s", e.AckedBy)
	}
	if _, err := s.DB.OutboxDelivery(ctx, "d-bob"); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("the second use of a link stored its delivery: %v", err)
	}

	called := false
	_, err = s.DB.UpdateEscalation(ctx, "nope", func(*escalation.Escalation) (escalation.Effects, error) {
		called = true
		return escalation.Effects{}, nil
	})
	wantNotFound(t, "changing an unknown escalation", err, "id")
	if called {
		t.Fatal("the change of an unknown escalation ran")
	}

	const n = 10
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if _, err := s.DB.UpdateEscalation(ctx, "e1", func(e *escalation.Escalation) (escalation.Effects, error) {
				e.StepsRun++
				return escalation.Effects{}, nil
			}); err != nil {
				t.Errorf("update: %v", err)
			}
		})
	}
	wg.Wait()
	if e := mustEscalation(t, s, "e1"); e.StepsRun != n+1 {
		t.Fatalf("after %d changes at once: %d steps run, want %d", n, e.StepsRun, n+1)
	}
}
