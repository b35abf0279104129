package cli_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
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

// as returns a harness that runs the CLI as user, a responder created
// for the purpose (once per harness and name).
func (h *harness) as(t *testing.T, user string) *harness {
	t.Helper()
	ctx := context.Background()
	admin := client.New(h.env["FIREBREAK_URL"], h.env["FIREBREAK_TOKEN"])
	if _, err := admin.CreateUser(ctx, httpapi.UserBody{Username: user, Role: "responder"}); err != nil && !strings.Contains(err.Error(), "409") {
		t.Fatal(err)
	}
	tok, err := admin.CreateToken(ctx, user, "test")
	if err != nil {
		t.Fatal(err)
	}
	other := &harness{dsn: h.dsn, env: maps.Clone(h.env)}
	other.env["FIREBREAK_TOKEN"] = tok.Secret
	return other
}
