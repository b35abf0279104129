package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/duties/dutiestest"
)

// waiveOpenDuties lets a test about something else close ref: see
// dutiestest.WaiveOpen.
func waiveOpenDuties(t *testing.T, d *duties.Service, ref string) { dutiestest.WaiveOpen(t, d, ref) }

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
