package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

type anyUser struct{}

func (anyUser) UserExists(context.Context, string) (bool, error) { return true, nil }

// TestTriggerJobsNamedOnce: a trigger job named by what it is about, derived
// again from a later event, is left as it was — the event is written, the
// job is not duplicated and the transaction (on PostgreSQL too) survives.
func TestTriggerJobsNamedOnce(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db, _ := b.Open(t)
		t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		db.SetTriggers(store.Triggers{Incident: func(inc incident.Incident, _ []incident.Event) []engine.Job {
			return []engine.Job{{ID: "remind:" + inc.ID, Kind: "remind", RunAt: t0.Add(time.Hour)}}
		}})
		n := 0
		svc := incident.NewService(db, anyUser{}, incident.DefaultPolicy(), func() time.Time { return t0 }, func() string { n++; return "inc-" + b.Name + string(rune('0'+n)) })
		inc, err := svc.Declare(ctx, "ann", incident.DeclareInput{Title: "Twice", Severity: "SEV3", Source: incident.SourceInternal})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := svc.AddEntry(ctx, incident.Command{Actor: incident.Viewer{User: "ann"}, Ref: inc.Ref}, incident.KindNote, "again", nil); err != nil {
				t.Fatal(err)
			}
		}
		jobs, err := db.Claim(ctx, "w", t0.Add(2*time.Hour), time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) != 1 || jobs[0].ID != "remind:"+inc.ID {
			t.Fatalf("jobs %+v", jobs)
		}
		if _, evs, err := svc.Timeline(ctx, incident.Viewer{User: "ann", SeeAll: true}, inc.Ref); err != nil || len(evs) != 3 {
			t.Fatalf("%d events, %v", len(evs), err)
		}
	})
}
