package audit_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/audit"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/plan"
	"github.com/firebreak-ir/firebreak/internal/store"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestVerifyChecksTheTasksIndex: the tasks index as written verifies, and
// a row changed, added or removed is named.
func TestVerifyChecksTheTasksIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC))
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: filepath.Join(dir, "firebreak.db"), Version: "test", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop(ctx)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{"cleo", "mallory"} {
		_, err := a.Services.Auth.CreateUser(ctx, auth.UserInput{Username: u, Role: auth.Responder})
		must(err)
	}
	svc := a.Services.Incidents
	inc, err := svc.Declare(ctx, "cleo", incident.DeclareInput{Title: "Leaked key", Severity: "SEV2", Source: incident.SourceInternal})
	must(err)
	c := incident.Command{Actor: incident.Viewer{User: "cleo"}, Ref: inc.Ref}
	_, err = svc.Assign(ctx, c, incident.IRLead, "cleo")
	must(err)
	due := clock.Now().Add(90*time.Minute + 7) // nanoseconds the index does not keep
	_, err = svc.AddTask(ctx, c, incident.TaskInput{Title: "Rotate the key", Phase: plan.Contain, DueAt: &due, Required: true})
	must(err)
	clock.Advance(time.Minute)
	_, err = svc.AddTask(ctx, c, incident.TaskInput{Title: "Tell the team", Phase: plan.Communicate})
	must(err)
	_, err = svc.Assign(ctx, c, incident.IRLead, "mallory")
	must(err)
	must(a.Stop(ctx))
	path := filepath.Join(dir, "firebreak.db")

	verify := func(forge string, args ...any) audit.Report {
		t.Helper()
		p := copyDB(t, path)
		if forge != "" {
			raw, err := sql.Open("sqlite", p)
			must(err)
			f := forger{t: t, db: raw}
			f.exec(forge, args...)
			must(raw.Close())
		}
		db, err := store.Open(ctx, p, store.Options{})
		must(err)
		defer db.Close()
		rep, err := audit.Verify(ctx, db)
		must(err)
		return rep
	}
	if rep := verify(""); !rep.OK() {
		t.Fatalf("the untouched record does not verify: %v", rep.Problems)
	}
	expect(t, "an assignee changed", verify(`UPDATE incident_tasks SET assignee = 'cleo' WHERE key = 'own-1'`),
		[]string{inc.Ref + ": incident_tasks own-1.assignee is cleo but the events say mallory"})
	expect(t, "a state changed", verify(`UPDATE incident_tasks SET state = 'done' WHERE key = 'own-2'`),
		[]string{inc.Ref + ": incident_tasks own-2.state is done but the events say todo"})
	expect(t, "a row removed", verify(`DELETE FROM incident_tasks WHERE key = 'own-2'`),
		[]string{inc.Ref + ": incident_tasks lacks own-2 that the events add"})
	expect(t, "a row added", verify(`INSERT INTO incident_tasks SELECT incident_id, number, 'own-9', plan, phase, title, assignee, state, required, due_at, updated_at
		FROM incident_tasks WHERE key = 'own-1'`),
		[]string{inc.Ref + ": incident_tasks has own-9, not in the events"})
}
