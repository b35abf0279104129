package storetest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// RunActions runs the part of the contract of action items against
// backend b: created and changed as events on their incident's chain
// with their row, global numbers under concurrent creates, changes after
// the incident closed, and lists across incidents that keep restricted
// incidents' items from those who may not see them.
func RunActions(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *Setup, a *actions.Service)
	}{
		{"CreateChecksOwnerAndDue", testActionCreate},
		{"StatesAndVersions", testActionStates},
		{"LiveOnAfterClose", testActionAfterClose},
		{"ListsAcrossIncidents", testActionLists},
		{"NumbersUnderConcurrency", testActionNumbers},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewSetup(t, b)
			a := actions.New(actions.Deps{Store: s.DB, Incidents: s.Incidents, Users: s.Auth, Now: s.Clock.Now})
			tt.fn(t, s, a)
		})
	}
}

// dueIn is the date d days after the clock's, as a due date.
func dueIn(s *Setup, d int) string { return s.Clock.Now().AddDate(0, 0, d).Format(time.DateOnly) }

func testActionCreate(t *testing.T, s *Setup, a *actions.Service) {
	inc := declare(t, s, incident.DeclareInput{Title: "Leaked key"})
	_, err := a.Create(ctx, alice, inc.Ref, actions.Input{Title: "Rotate", Owner: "nobody-such-user", Due: dueIn(s, 3)})
	if e, ok := errs.As(err); !ok || e.Code != errs.Invalid || e.Field != "owner" || e.Message != `no user "nobody-such-user"` {
		t.Fatalf("unknown owner: %#v", err)
	}
	_, err = a.Create(ctx, alice, inc.Ref, actions.Input{Title: "Rotate", Owner: "bob", Due: dueIn(s, -1)})
	if e, ok := errs.As(err); !ok || e.Field != "due" || e.Message != "2026-11-24 is in the past (today is 2026-11-25 in UTC)" {
		t.Fatalf("past due: %#v", err)
	}
	_, err = a.Create(ctx, alice, inc.Ref, actions.Input{Title: " ", Owner: "bob", Due: "25/12/2026", Kind: "pray"})
	if e, ok := errs.As(err); !ok || len(e.Details) != 3 || e.Details[0].Field != "title" || e.Details[1].Field != "due" || e.Details[2].Field != "kind" {
		t.Fatalf("bad input: %#v", err)
	}
	got, err := a.Create(ctx, alice, inc.Ref, actions.Input{Title: " Rotate the deploy key ", Owner: "bob", Due: dueIn(s, 0),
		Tracker: actions.Tracker{URL: "https://tracker.example/SEC-1", Key: "SEC-1"}})
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	if got.ID != "ACT-1" || got.Title != "Rotate the deploy key" || got.State != actions.Open || got.Priority != actions.P3 ||
		got.Kind != actions.Prevent || !got.DueAt.Equal(want) || got.Version != 1 || got.CreatedBy != "alice" || got.Incident != inc.Ref {
		t.Fatalf("created %+v", got)
	}
	// The row is the fold of the event on the chain.
	_, evs, err := s.Incidents.Timeline(ctx, alice, inc.Ref)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.Type != actions.EvCreated || last.Actor != "alice" {
		t.Fatalf("last event %s by %s", last.Type, last.Actor)
	}
	if b := incident.VerifyChain(evs); b != nil {
		t.Fatalf("chain broken at %d: %s", b.Seq, b.Reason)
	}
	stored, err := a.Get(ctx, alice, "act-1")
	if err != nil || stored.Title != got.Title || stored.Tracker.Key != "SEC-1" {
		t.Fatalf("get: %+v %v", stored, err)
	}
	_, err = a.Get(ctx, alice, "ACT-99")
	wantCode(t, err, errs.NotFound)
}

func testActionStates(t *testing.T, s *Setup, a *actions.Service) {
	inc := declare(t, s, incident.DeclareInput{Title: "Outage"})
	it, err := a.Create(ctx, alice, inc.Ref, actions.Input{Title: "Add an alert", Owner: "alice", Due: dueIn(s, 7), Kind: actions.Detect})
	if err != nil {
		t.Fatal(err)
	}
	st := func(v actions.State) *actions.State { return &v }
	str := func(v string) *string { return &v }
	s.Clock.Advance(time.Hour)
	if it, err = a.Update(ctx, incident.Viewer{User: "bob"}, it.ID, actions.Patch{State: st(actions.InProgress), IfVersion: 1}); err != nil || it.State != actions.InProgress || it.Version != 2 || it.UpdatedBy != "bob" {
		t.Fatalf("start: %+v %v", it, err)
	}
	_, err = a.Update(ctx, alice, it.ID, actions.Patch{Title: str("stale"), IfVersion: 1})
	wantCode(t, err, errs.Precondition)
	_, err = a.Update(ctx, alice, it.ID, actions.Patch{State: st(actions.WontDo)})
	if e, ok := errs.As(err); !ok || e.Field != "reason" {
		t.Fatalf("won't do without a reason: %#v", err)
	}
	_, err = a.Update(ctx, alice, it.ID, actions.Patch{Owner: str("mallory")})
	if e, ok := errs.As(err); !ok || e.Field != "owner" {
		t.Fatalf("unknown owner: %#v", err)
	}
	_, err = a.Update(ctx, alice, it.ID, actions.Patch{Due: str(dueIn(s, -2))})
	if e, ok := errs.As(err); !ok || e.Field != "due" {
		t.Fatalf("past due: %#v", err)
	}
	// Nothing to change: no event, the item as it is.
	same, err := a.Update(ctx, alice, it.ID, actions.Patch{Title: str(it.Title)})
	if err != nil || same.Version != 2 {
		t.Fatalf("no change: %+v %v", same, err)
	}
	if it, err = a.Update(ctx, alice, it.ID, actions.Patch{State: st(actions.WontDo), Reason: str("replaced by ACT-9")}); err != nil || it.Reason != "replaced by ACT-9" || it.ClosedAt == nil {
		t.Fatalf("won't do: %+v %v", it, err)
	}
	_, err = a.Update(ctx, alice, it.ID, actions.Patch{State: st(actions.InProgress)})
	wantCode(t, err, errs.Rule)
	if it, err = a.Update(ctx, alice, it.ID, actions.Patch{State: st(actions.Open)}); err != nil || it.Reason != "" || it.ClosedAt != nil {
		t.Fatalf("reopen: %+v %v", it, err)
	}
	if it, err = a.Update(ctx, alice, it.ID, actions.Patch{State: st(actions.Done)}); err != nil || !it.ClosedOnTime() || it.Version != 5 {
		t.Fatalf("done: %+v %v", it, err)
	}
	_, evs, err := s.Incidents.Timeline(ctx, alice, inc.Ref)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Type == actions.EvUpdated {
			n++
		}
	}
	if n != 4 {
		t.Fatalf("%d action.updated events, want 4", n)
	}
	if line, _ := actions.DescribeEvent(evs[len(evs)-1]); line != `action item ACT-1 "Add an alert" now done` {
		t.Fatalf("described %q", line)
	}
}

func testActionAfterClose(t *testing.T, s *Setup, a *actions.Service) {
	inc := walk(t, s, "Closed one")
	if inc.State != incident.Closed {
		t.Fatalf("state %s", inc.State)
	}
	it, err := a.Create(ctx, alice, inc.Ref, actions.Input{Title: "Follow-up after close", Owner: "bob", Due: dueIn(s, 5), Kind: actions.Process})
	if err != nil {
		t.Fatalf("create after close: %v", err)
	}
	done := actions.Done
	if it, err = a.Update(ctx, incident.Viewer{User: "bob"}, it.ID, actions.Patch{State: &done}); err != nil || it.State != actions.Done {
		t.Fatalf("done after close: %+v %v", it, err)
	}
	after, err := s.Incidents.Get(ctx, alice, inc.Ref)
	if err != nil || after.State != incident.Closed {
		t.Fatalf("the incident is %s after its action items changed (%v)", after.State, err)
	}
}

func testActionLists(t *testing.T, s *Setup, a *actions.Service) {
	open := declare(t, s, incident.DeclareInput{Title: "Open one"})
	// bob declares a restricted incident alice takes no part in.
	secret, err := s.Incidents.Declare(ctx, "bob", incident.DeclareInput{Title: "Insider", Restricted: true})
	if err != nil {
		t.Fatal(err)
	}
	bob := incident.Viewer{User: "bob"}
	mk := func(v incident.Viewer, ref, title, owner string, days int) actions.Action {
		t.Helper()
		it, err := a.Create(ctx, v, ref, actions.Input{Title: title, Owner: owner, Due: dueIn(s, days)})
		if err != nil {
			t.Fatal(err)
		}
		return it
	}
	mk(alice, open.Ref, "alice soon", "alice", 1)
	mk(alice, open.Ref, "bob later", "bob", 10)
	mk(bob, secret.Ref, "secret for alice", "alice", 2)
	_, err = a.Create(ctx, alice, secret.Ref, actions.Input{Title: "x", Owner: "alice", Due: dueIn(s, 1)})
	wantCode(t, err, errs.NotFound)
	titles := func(f actions.Filter) string {
		t.Helper()
		got, err := a.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range got {
			out = append(out, it.Title)
		}
		return strings.Join(out, ",")
	}
	if got := titles(actions.Filter{Viewer: alice}); got != "alice soon,bob later" {
		t.Fatalf("alice sees %q", got)
	}
	if got := titles(actions.Filter{Viewer: alice, Owner: "alice"}); got != "alice soon" {
		t.Fatalf("alice's own: %q (the restricted one must not show)", got)
	}
	if got := titles(actions.Filter{Viewer: bob}); got != "alice soon,secret for alice,bob later" {
		t.Fatalf("bob sees %q", got)
	}
	if got := titles(actions.Filter{Viewer: root}); got != "alice soon,secret for alice,bob later" {
		t.Fatalf("admin sees %q", got)
	}
	if _, err := a.Get(ctx, alice, "ACT-3"); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("alice reads the restricted item: %v", err)
	}
	s.Clock.Advance(3 * 24 * time.Hour)
	if got := titles(actions.Filter{Viewer: root, Overdue: true}); got != "alice soon,secret for alice" {
		t.Fatalf("overdue %q", got)
	}
	if got := titles(actions.Filter{Viewer: root, States: []actions.State{actions.InProgress}}); got != "" {
		t.Fatalf("in progress %q", got)
	}
	if got := titles(actions.Filter{Viewer: root, IncidentID: open.ID}); got != "alice soon,bob later" {
		t.Fatalf("one incident's %q", got)
	}
	if got := titles(actions.Filter{Viewer: root, Teams: []string{}}); got != "" {
		t.Fatalf("no teams %q", got)
	}
}

func testActionNumbers(t *testing.T, s *Setup, a *actions.Service) {
	var refs []string
	for range 4 {
		refs = append(refs, declare(t, s, incident.DeclareInput{Title: "busy"}).Ref)
	}
	var wg sync.WaitGroup
	got := make(chan string, 4*5)
	for _, ref := range refs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				it, err := a.Create(context.Background(), alice, ref, actions.Input{Title: "t", Owner: "alice", Due: dueIn(s, 1)})
				if err != nil {
					t.Error(err)
					return
				}
				got <- it.ID
			}
		}()
	}
	wg.Wait()
	close(got)
	seen := map[string]bool{}
	for id := range got {
		if seen[id] {
			t.Fatalf("%s given twice", id)
		}
		seen[id] = true
	}
	for i := int64(1); i <= 20; i++ {
		if !seen[actions.IDOf(i)] {
			t.Fatalf("%s missing: %v", actions.IDOf(i), seen)
		}
	}
}
