package duties

import (
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/comms"
)

// Issue #11, items 2, 5 and 8: a possible duty is reminded like the
// others, a duty not yet in force never, and the organisation's margin
// adds its own reminder.
func TestMomentsOfPossibleNotInForceAndMargin(t *testing.T) {
	t.Parallel()
	anchor := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	due := anchor.Add(72 * time.Hour)
	internal := due.Add(-12 * time.Hour)
	base := comms.Item{DueAt: &due, AnchorAt: &anchor, Status: comms.Pending}
	marks := func(it comms.Item) []string {
		var out []string
		for _, m := range moments(it, true, []time.Duration{4 * time.Hour}, true, anchor) {
			out = append(out, m.mark)
		}
		return out
	}
	possible := base
	possible.Applicability, possible.Questions = comms.Possible, []string{"Are any affected people resident in the EEA?"}
	if got := marks(possible); len(got) != 3 {
		t.Fatalf("possible: %v", got)
	}
	off := base
	off.Status = comms.NotInForce
	if got := marks(off); len(got) != 0 {
		t.Fatalf("not in force: %v", got)
	}
	margin := base
	margin.InternalDueAt = &internal
	if got := marks(margin); len(got) != 4 || got[1] != MarkInternalDue {
		t.Fatalf("margin: %v", got)
	}
}
