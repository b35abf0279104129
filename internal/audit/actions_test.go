package audit_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/audit"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestVerifyChecksActionItems: action rows as written verify, and a row
// changed (in a column or in its document), added, removed or moved to
// another incident is named.
func TestVerifyChecksActionItems(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
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
	cleo := incident.Viewer{User: "cleo"}
	one, err := a.Services.Incidents.Declare(ctx, "cleo", incident.DeclareInput{Title: "Leaked key"})
	must(err)
	two, err := a.Services.Incidents.Declare(ctx, "cleo", incident.DeclareInput{Title: "Another"})
	must(err)
	ac := a.Services.Actions
	_, err = ac.Create(ctx, cleo, one.Ref, actions.Input{Title: "Rotate keys", Owner: "mallory", Due: "2026-03-10"})
	must(err)
	clock.Advance(time.Hour)
	_, err = ac.Create(ctx, cleo, one.Ref, actions.Input{Title: "Scan for secrets", Owner: "cleo", Due: "2026-03-20", Kind: actions.Detect})
	must(err)
	done := actions.Done
	_, err = ac.Update(ctx, cleo, "ACT-1", actions.Patch{State: &done})
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
	expect(t, "a state changed", verify(`UPDATE actions SET state = 'open', closed_at = NULL WHERE number = 1`),
		[]string{one.Ref + `: actions ACT-1.state is "open" but the events say "done"`,
			one.Ref + `: actions ACT-1.closed_at is (unset) but the events say "2026-03-02T10:00:00Z"`})
	expect(t, "an owner changed", verify(`UPDATE actions SET owner = 'cleo' WHERE number = 1`),
		[]string{one.Ref + `: actions ACT-1.owner is "cleo" but the events say "mallory"`})
	expect(t, "a title changed in the document", verify(`UPDATE actions SET doc = replace(doc, 'Scan for secrets', 'Nothing to do') WHERE number = 2`),
		[]string{one.Ref + `: actions ACT-2.title is "Nothing to do" but the events say "Scan for secrets"`})
	expect(t, "a row removed", verify(`DELETE FROM actions WHERE number = 2`),
		[]string{one.Ref + ": actions lacks ACT-2 (Scan for secrets) that the events add"})
	expect(t, "a row added", verify(`INSERT INTO actions SELECT 9, incident_id, owner, team, state, priority, due_at, closed_at, created_at, updated_at, version, doc
		FROM actions WHERE number = 2`),
		[]string{one.Ref + ": actions has ACT-9 (Scan for secrets), not in the events"})
	expect(t, "a row moved to another incident", verify(`UPDATE actions SET incident_id = ? WHERE number = 2`, two.ID),
		[]string{one.Ref + ": actions lacks ACT-2 (Scan for secrets) that the events add",
			two.Ref + ": actions has ACT-2 (Scan for secrets), not in the events"})
}
