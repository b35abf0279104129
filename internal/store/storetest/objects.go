package storetest

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/roster"
)

// policyRefs is a check as the on-call service makes them: every service's
// policy must exist.
func policyRefs(_, after roster.Objects) error {
	for _, svc := range after.Services {
		if _, ok := after.Policies[svc.Policy]; svc.Policy != "" && !ok {
			return errs.E(errs.Rule, "policy", "service %s pages policy %s, which is not there", svc.Name, svc.Policy)
		}
	}
	return nil
}

// testObjects: the on-call configuration round-trips; a change applies its
// deletes and puts and shows check the configuration before and after;
// check's error undoes the whole change.
func testObjects(t *testing.T, s *Setup) {
	o, err := s.DB.Objects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "no configuration yet", o, roster.NewObjects())

	policy := oncall.Policy{Name: "primary", Repeat: 1, Steps: []oncall.Step{{Targets: []oncall.Target{{Kind: oncall.TargetUser, Name: "alice"}}, Delay: 5}}}
	sched := oncall.Schedule{Name: "week", TimeZone: "Europe/Berlin"}
	team := roster.Team{Name: "core", Description: "the core team", Members: []string{"alice", "bob"}}
	svc := roster.Service{Name: "api", Team: "core", Policy: "primary", KeepPagingWhenResolved: true}
	rule := roster.IncidentRule{Severity: "SEV1", Policy: "primary"}
	want := roster.NewObjects()
	for _, v := range []any{policy, sched, team, svc, rule} {
		want.Put(v)
	}
	var sawBefore, sawAfter roster.Objects
	err = s.DB.ChangeObjects(ctx, "alice", []any{policy, sched, team, svc, rule}, nil, func(before, after roster.Objects) error {
		sawBefore, sawAfter = before.Clone(), after.Clone()
		return policyRefs(before, after)
	})
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "check's before", sawBefore, roster.NewObjects())
	sameJSON(t, "check's after", sawAfter, want)
	o, _ = s.DB.Objects(ctx)
	sameJSON(t, "the stored configuration", o, want)

	// A refused change leaves everything as it was.
	err = s.DB.ChangeObjects(ctx, "bob", []any{roster.Team{Name: "edge"}}, []roster.Key{{Kind: roster.KindPolicy, Name: "primary"}}, policyRefs)
	wantCode(t, err, errs.Rule)
	o, _ = s.DB.Objects(ctx)
	sameJSON(t, "the configuration after a refused change", o, want)

	// Delete and replace in one change; deleting what is not there is no
	// error.
	team.Description = "renamed"
	err = s.DB.ChangeObjects(ctx, "bob", []any{team}, []roster.Key{{Kind: roster.KindService, Name: "api"}, {Kind: roster.KindTeam, Name: "nope"}},
		func(before, after roster.Objects) error {
			if _, ok := before.Services["api"]; !ok {
				t.Error("check's before lacks the service being deleted")
			}
			return policyRefs(before, after)
		})
	if err != nil {
		t.Fatal(err)
	}
	want.Delete(roster.Key{Kind: roster.KindService, Name: "api"})
	want.Put(team)
	o, _ = s.DB.Objects(ctx)
	sameJSON(t, "the configuration after a delete and a replace", o, want)
}

// testConcurrentObjectChanges: two changes at once are checked one after
// the other. One removes a policy while the other adds a service paging
// it; each check refuses a service whose policy is missing. The second
// change's check must see the first's delete and refuse it, or the stored
// configuration ends up with a service paging nothing.
func testConcurrentObjectChanges(t *testing.T, s *Setup) {
	policy := oncall.Policy{Name: "p", Steps: []oncall.Step{{Targets: []oncall.Target{{Kind: oncall.TargetUser, Name: "alice"}}, Delay: 5}}}
	if err := s.DB.ChangeObjects(ctx, "root", []any{policy}, nil, policyRefs); err != nil {
		t.Fatal(err)
	}
	aChecking, bChecking := make(chan struct{}), make(chan struct{})
	var errA, errB error
	var wg sync.WaitGroup
	wg.Go(func() {
		errA = s.DB.ChangeObjects(ctx, "alice", nil, []roster.Key{{Kind: roster.KindPolicy, Name: "p"}}, func(before, after roster.Objects) error {
			close(aChecking)
			// Hold the change open until the other has read the
			// configuration too, or a second has passed (a store that
			// serialises changes makes the other wait for this one).
			select {
			case <-bChecking:
			case <-time.After(time.Second):
			}
			return policyRefs(before, after)
		})
	})
	wg.Go(func() {
		<-aChecking
		var once sync.Once
		errB = s.DB.ChangeObjects(ctx, "bob", []any{roster.Service{Name: "web", Policy: "p"}}, nil, func(before, after roster.Objects) error {
			once.Do(func() { close(bChecking) })
			return policyRefs(before, after)
		})
	})
	wg.Wait()
	o, err := s.DB.Objects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := policyRefs(roster.Objects{}, o); err != nil {
		t.Fatalf("two changes at once stored a broken configuration (%v): removing the policy: %v; adding the service: %v", err, errA, errB)
	}
	if errA != nil || errs.CodeOf(errB) != errs.Rule {
		t.Fatalf("removing the policy: %v; adding the service: %v (want the second refused)", errA, errB)
	}
}

// testServerKeysAndFeeds: a server key is made once, on first use, and is
// the same for every caller after (callers racing to make it included);
// a user's calendar feed generation starts at 0 and each rotation moves it
// on by one; rotating an unknown user's feeds is not found.
func testServerKeysAndFeeds(t *testing.T, s *Setup) {
	k, err := s.DB.ServerKey(ctx, "ack", 32)
	if err != nil || len(k) != 32 || bytes.Equal(k, make([]byte, 32)) {
		t.Fatalf("new key: %x %v", k, err)
	}
	if again, err := s.DB.ServerKey(ctx, "ack", 16); err != nil || !bytes.Equal(again, k) {
		t.Fatalf("the key again: %x %v, want %x", again, err, k)
	}
	if other, err := s.DB.ServerKey(ctx, "feeds", 32); err != nil || bytes.Equal(other, k) {
		t.Fatalf("another key: %x %v", other, err)
	}
	const n = 8
	keys := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var err error
			if keys[i], err = s.DB.ServerKey(ctx, "raced", 32); err != nil {
				t.Errorf("caller %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	for i := range keys {
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("callers racing for a new key got different keys: %x and %x", keys[0], keys[i])
		}
	}

	gen := func(user string) int {
		t.Helper()
		g, err := s.DB.FeedGeneration(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	if g := gen("alice"); g != 0 {
		t.Fatalf("generation before any rotation: %d", g)
	}
	for want := 1; want <= 2; want++ {
		if g, err := s.DB.RotateFeeds(ctx, "alice", "root", s.Clock.Now()); err != nil || g != want {
			t.Fatalf("rotation %d: %d %v", want, g, err)
		}
	}
	if g, b := gen("alice"), gen("bob"); g != 2 || b != 0 {
		t.Fatalf("generations: alice %d (want 2), bob %d (want 0)", g, b)
	}
	_, err = s.DB.RotateFeeds(ctx, "nobody", "root", s.Clock.Now())
	wantNotFound(t, "rotating an unknown user's feeds", err, "username")
	if g := gen("nobody"); g != 0 {
		t.Fatalf("an unknown user's generation: %d", g)
	}
}
