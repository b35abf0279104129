package app_test

import (
	"context"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/plan"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestPlanEditedMidIncident: an incident keeps the tasks of the plan
// version it activated, with that version's number and hash, however the
// plan is edited later — on both backends, through the real plan store.
func TestPlanEditedMidIncident(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, b storetest.Backend) {
		s := newSetup(t, b)
		ctx := context.Background()
		svc := s.app.Services
		admin := incident.Viewer{User: "admin", SeeAll: true}
		v1 := plan.Plan{Name: "leak", Title: "Leak", AppliesTo: plan.Match{Types: []string{"security.leak"}}, Tasks: []plan.Task{
			{Key: "revoke", Phase: plan.Contain, Title: "Revoke the key", Required: true, Due: "PT30M"},
			{Key: "tell", Phase: plan.Communicate, Title: "Tell the owners"},
		}}
		put1, _, err := svc.Plans.Put(ctx, "admin", v1, "api")
		if err != nil {
			t.Fatal(err)
		}
		inc, err := svc.Incidents.Declare(ctx, "admin", incident.DeclareInput{Title: "Key leaked", Type: "security.leak", Severity: "SEV3"})
		if err != nil {
			t.Fatal(err)
		}
		cmd := incident.Command{Actor: admin, Ref: inc.Ref}
		if _, err := svc.Incidents.Assign(ctx, cmd, incident.IRLead, "admin"); err != nil {
			t.Fatal(err)
		}
		if inc, err = svc.Incidents.Transition(ctx, cmd, incident.Active, ""); err != nil {
			t.Fatal(err)
		}
		if len(inc.Plans) != 1 || inc.Plans[0].Version != put1.Version || inc.Plans[0].Hash != put1.Hash || len(inc.Tasks) != 2 {
			t.Fatalf("activation: plans %+v, %d tasks", inc.Plans, len(inc.Tasks))
		}
		before := inc.Tasks

		// The plan is edited: a task renamed, one removed, one added.
		v2 := v1
		v2.Tasks = []plan.Task{
			{Key: "revoke", Phase: plan.Contain, Title: "Revoke and rotate the key", Required: true, Due: "PT10M"},
			{Key: "hunt", Phase: plan.Eradicate, Title: "Hunt for misuse", Required: true},
		}
		put2, changed, err := svc.Plans.Put(ctx, "admin", v2, "api")
		if err != nil || !changed || put2.Version != put1.Version+1 {
			t.Fatalf("edit: version %d changed %v err %v", put2.Version, changed, err)
		}
		after, err := svc.Incidents.Get(ctx, admin, inc.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if len(after.Tasks) != len(before) || after.Tasks[0].Title != "Revoke the key" || !after.Tasks[0].DueAt.Equal(*before[0].DueAt) ||
			after.Tasks[1].Key != "tell" || after.Plans[0].Version != put1.Version {
			t.Fatalf("the running incident's tasks changed with the plan: %+v", after.Tasks)
		}
		// Offered again only once detached; applying then takes the new
		// version and keeps what is done.
		if sug, err := svc.Incidents.SuggestedPlans(ctx, &after); err != nil || len(sug) != 0 {
			t.Fatalf("an applied plan is not suggested again: %v %v", sug, err)
		}
		done := incident.TaskDone
		if _, err := svc.Incidents.UpdateTask(ctx, cmd, "revoke", incident.TaskUpdate{State: &done}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Incidents.DetachPlan(ctx, cmd, "leak", "replaced by the new version"); err != nil {
			t.Fatal(err)
		}
		re, err := svc.Incidents.ApplyPlan(ctx, cmd, "leak")
		if err != nil {
			t.Fatal(err)
		}
		keys := map[string]string{}
		for _, tk := range re.Tasks {
			keys[tk.Key] = tk.Title
		}
		if len(re.Tasks) != 2 || keys["revoke"] != "Revoke the key" || keys["hunt"] != "Hunt for misuse" || re.Plans[len(re.Plans)-1].Version != put2.Version {
			t.Fatalf("re-applied: %+v plans %+v", keys, re.Plans)
		}
	})
}
