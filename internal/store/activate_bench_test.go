package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

// onePlan is a plan source holding a single plan that matches every
// incident.
type onePlan struct{ p plan.Versioned }

func (o onePlan) Matching(context.Context, string, string, map[string]string) ([]plan.Versioned, error) {
	return []plan.Versioned{o.p}, nil
}
func (o onePlan) Get(context.Context, string) (plan.Versioned, error) { return o.p, nil }

type anyUser struct{}

func (anyUser) UserExists(context.Context, string) (bool, error) { return true, nil }

// BenchmarkActivatePlan100 measures leaving triage with a matching plan of
// 100 tasks on SQLite: deciding the activation, folding the tasks and
// committing the events and the projection. It reports the mean and the
// 99th percentile per activation (ms/activation, p99-ms); the issue's
// goal is under 50 ms. Run: go test ./internal/store -run - -bench ActivatePlan
func BenchmarkActivatePlan100(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, b.TempDir()+"/activate.db", Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	p := plan.Plan{Name: "big", Title: "A plan of 100 tasks"}
	for i := range 100 {
		ph := plan.Phases[i%len(plan.Phases)]
		p.Tasks = append(p.Tasks, plan.Task{
			Key: "task-" + strconv.Itoa(i), Phase: ph, Title: fmt.Sprintf("Task %d of the big plan", i),
			Instructions: "Do the thing described in [the runbook](https://runbooks.example/x), then record what you found.",
			Owner:        "incident_commander", Due: "PT30M", Required: i%3 == 0, Checklist: []string{"first", "second"},
		})
	}
	n := 0
	svc := incident.NewService(db, anyUser{}, incident.DefaultPolicy(), time.Now, func() string { n++; return fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), n) })
	svc.SetPlans(onePlan{plan.Versioned{Plan: p, Version: 1, Hash: p.Hash()}})
	admin := incident.Viewer{User: "lead", SeeAll: true}
	took := make([]time.Duration, 0, b.N)
	for range b.N {
		inc, err := svc.Declare(ctx, "lead", incident.DeclareInput{Title: "bench", Severity: "SEV2"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Assign(ctx, incident.Command{Actor: admin, Ref: inc.Ref}, incident.IRLead, "lead"); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		inc, err = svc.Transition(ctx, incident.Command{Actor: admin, Ref: inc.Ref}, incident.Active, "")
		took = append(took, time.Since(t0))
		if err != nil || len(inc.Tasks) != 100 {
			b.Fatalf("activate: %d tasks, %v", len(inc.Tasks), err)
		}
	}
	slices.Sort(took)
	var sum time.Duration
	for _, d := range took {
		sum += d
	}
	b.ReportMetric(float64(sum.Microseconds())/float64(len(took))/1000, "ms/activation")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op")
}
