package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// waiveOpenDuties waives, as an admin, every duty of ref that is neither
// submitted nor waived, so a test about something else can close it
// (closing needs every duty met or waived). A waiver can open phases that
// follow it, so it goes round until none is open.
func waiveOpenDuties(t *testing.T, d *duties.Service, ref string) {
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

// signInNew creates user as a responder and signs them in.
func (s *site) signInNew(t *testing.T, user string) *http.Client {
	t.Helper()
	ctx := context.Background()
	if _, err := s.app.Services.Auth.CreateUser(ctx, auth.UserInput{Username: user, Role: auth.Responder}); err != nil {
		t.Fatal(err)
	}
	if err := s.app.Services.Auth.SetPassword(ctx, user, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	return s.signIn(t, user)
}
