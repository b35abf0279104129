package cli_test

import (
	"context"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/comms"
)

// waiveOpenDuties waives, through the API, every duty of ref that is
// neither submitted nor waived, so a test about something else can close
// it (closing needs every duty met or waived). A waiver can open phases
// that follow it, so it goes round until none is open.
func (h *harness) waiveOpenDuties(t *testing.T, ref string) {
	t.Helper()
	ctx := context.Background()
	c := client.New(h.env["FIREBREAK_URL"], h.env["FIREBREAK_TOKEN"])
	for range 10 {
		o, err := c.Obligations(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		open := 0
		for _, it := range o.Items {
			if it.Status == comms.Submitted || it.Status == comms.Waived || it.Status == comms.NotInForce {
				continue
			}
			open++
			if _, err := c.Waive(ctx, ref, it.ObligationID, it.Phase, "does not apply to this test incident"); err != nil {
				t.Fatal(err)
			}
		}
		if open == 0 {
			return
		}
	}
	t.Fatalf("%s: duties keep opening", ref)
}
