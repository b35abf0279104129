package roster

import (
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/oncall"
)

func TestCheckChangeOnlyBlocksNewProblems(t *testing.T) {
	sevs := []string{"SEV1"}
	users := map[string]bool{"ann": true}
	before := NewObjects()
	before.Put(oncall.Schedule{Name: "s", TimeZone: "UTC", Layers: []oncall.Layer{{Name: "l", Users: []string{"ann", "gone"},
		Start: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC), Rotation: oncall.Rotation{Kind: oncall.Weekly}}}})
	// "gone" was deactivated since: a problem already there.
	if err := before.Check(users, sevs); err == nil {
		t.Fatal("the stale user is a problem of the whole configuration")
	}
	after := before.Clone()
	after.Put(Team{Name: "payments", Members: []string{"ann"}})
	if err := CheckChange(before, after, users, sevs); err != nil {
		t.Fatalf("an unrelated change was blocked by an old problem: %v", err)
	}
	after.Put(oncall.Policy{Name: "p", Steps: []oncall.Step{{Targets: []oncall.Target{{Kind: oncall.TargetUser, Name: "nobody"}}, Delay: 5}}})
	err := CheckChange(before, after, users, sevs)
	e, ok := errs.As(err)
	if !ok || len(e.Details) != 1 || e.Field != "policies.p.steps[0].targets[0].name" {
		t.Fatalf("a change bringing a new problem: %v", err)
	}
}
