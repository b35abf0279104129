// Package dutiestest holds test helpers around notification duties, shared
// by the test suites of the packages that close incidents.
package dutiestest

import (
	"context"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// WaiveOpen waives, as an admin, every duty of ref that is neither
// submitted nor waived, so a test about something else can close it
// (closing needs every duty met or waived). A waiver can open phases that
// follow it, so it goes round until none is open.
func WaiveOpen(t testing.TB, d *duties.Service, ref string) {
	t.Helper()
	ctx := context.Background()
	admin := incident.Viewer{User: "admin", SeeAll: true}
	for range 10 {
		items, err := d.Items(ctx, admin, ref)
		if err != nil {
			t.Fatal(err)
		}
		open := 0
		for _, it := range items {
			if it.Status == comms.Submitted || it.Status == comms.Waived || it.Status == comms.NotInForce {
				continue
			}
			open++
			if err := d.Waive(ctx, admin, ref, it.ObligationID, it.Phase, "does not apply to this test incident"); err != nil {
				t.Fatal(err)
			}
		}
		if open == 0 {
			return
		}
	}
	t.Fatalf("%s: duties keep opening", ref)
}
