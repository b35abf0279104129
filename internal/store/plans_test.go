package store_test

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/plan"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestPlansStore: plan versions are kept as written (the plan, its hash,
// source, author and time, tombstones), numbered per name, a taken number
// is a conflict, and the plans service works over both backends,
// including concurrent puts of one name.
func TestPlansStore(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db, _ := b.Open(t)
		now := time.Date(2026, 12, 7, 9, 0, 0, 123456000, time.UTC)
		s := plan.NewService(db, func() time.Time { return now })
		s.Roles = func(r string) bool { return incident.Role(r).Valid() }

		if l, err := db.LatestPlans(ctx); err != nil || l == nil || len(l) != 0 {
			t.Fatalf("no plans yet: %#v %v (want an empty list)", l, err)
		}
		p := plan.Plan{Name: "credential-compromise", Title: "Credential compromise", Description: "Rotate what leaked.",
			AppliesTo: plan.Match{Types: []string{"security.credential"}, Severities: []string{"SEV1", "SEV2"}, Labels: map[string]string{"env": "prod"}},
			Roles:     []string{"incident_commander"},
			Tasks: []plan.Task{
				{Key: "revoke", Phase: plan.Contain, Title: "Revoke sessions", Instructions: "See [the runbook](https://runbooks.example/revoke).",
					Owner: "incident_commander", Due: "PT30M", DueFrom: plan.FromPhase, Required: true, Checklist: []string{"SSO", "API tokens"}},
				{Key: "notify", Phase: plan.Communicate, Title: "Tell the owners", Owner: "team:security"},
			}}
		v1, created, err := s.Put(ctx, "alice", p, plan.SourceAPI)
		if err != nil || !created {
			t.Fatalf("put: %v %v", created, err)
		}
		got, err := db.PlanVersion(ctx, p.Name, 1)
		if err != nil || !reflect.DeepEqual(got, v1) {
			t.Fatalf("stored version:\n got %+v %v\nwant %+v", got, err, v1)
		}
		if got.Plan.Hash() != got.Hash {
			t.Fatalf("the stored plan no longer hashes to its hash")
		}
		err = db.AddPlanVersion(ctx, plan.Versioned{Plan: p, Version: 1, Hash: "x", Source: plan.SourceAPI, CreatedAt: now, CreatedBy: "mallory"})
		if e, ok := errs.As(err); !ok || e.Code != errs.Conflict || e.Field != "version" {
			t.Fatalf("a taken version: %v, want a conflict", err)
		}
		_, err = db.PlanVersion(ctx, p.Name, 7)
		if e, ok := errs.As(err); !ok || e.Code != errs.NotFound || e.Field != "version" {
			t.Fatalf("a missing version: %v", err)
		}

		now = now.Add(time.Minute)
		other := p
		other.Name, other.Title = "ddos", "Denial of service"
		if _, _, err := s.Put(ctx, "bob", other, plan.SourceFile); err != nil {
			t.Fatal(err)
		}
		p.Title = "Credential or secret compromise"
		if _, _, err := s.Put(ctx, "bob", p, plan.SourceAPI); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, "carol", "ddos"); err != nil {
			t.Fatal(err)
		}
		latest, err := db.LatestPlans(ctx)
		if err != nil || len(latest) != 2 || latest[0].Name != "credential-compromise" || latest[0].Version != 2 ||
			latest[1].Name != "ddos" || latest[1].Version != 2 || !latest[1].Deleted || latest[1].CreatedBy != "carol" {
			t.Fatalf("latest: %+v %v", latest, err)
		}
		list, err := s.List(ctx)
		if err != nil || len(list) != 1 || list[0].Title != "Credential or secret compromise" {
			t.Fatalf("list: %+v %v", list, err)
		}
		vs, err := s.Versions(ctx, "ddos")
		if err != nil || len(vs) != 2 || vs[0].Source != plan.SourceFile || vs[0].Deleted || !vs[1].Deleted || vs[1].Hash != "" {
			t.Fatalf("versions: %+v %v", vs, err)
		}

		// Concurrent edits of one plan each get their own version.
		var wg sync.WaitGroup
		errc := make(chan error, 4)
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				q := p
				q.Description = "edit " + string(rune('a'+i))
				_, _, err := s.Put(ctx, "dave", q, plan.SourceAPI)
				errc <- err
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatalf("a concurrent put: %v", err)
			}
		}
		if vs, err := s.Versions(ctx, p.Name); err != nil || len(vs) != 6 {
			t.Fatalf("after four concurrent edits: %d versions, %v; want 6", len(vs), err)
		}
	})
}
