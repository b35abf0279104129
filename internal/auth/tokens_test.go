package auth_test

import (
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// A token looked up is remembered for auth.TokenTTL: changes through this
// node hold at once, changes written by another node (here: straight to
// the store) within the TTL.
func TestTokenCache(t *testing.T) {
	tests := []struct {
		name string
		// change is made after a first, cached, authentication.
		change func(t *testing.T, s *storetest.Setup, tok auth.Token)
		// atOnce: refused (or seen changed) without waiting for the TTL.
		atOnce bool
		check  func(t *testing.T, p auth.Principal, err error)
	}{
		{"revoked on this node", func(t *testing.T, s *storetest.Setup, tok auth.Token) {
			must(t, s.Auth.RevokeToken(ctx, tok.ID))
		}, true, refused},
		{"deactivated on this node", func(t *testing.T, s *storetest.Setup, _ auth.Token) {
			_, err := s.Auth.UpdateUser(ctx, "bob", auth.UserPatch{Active: new(false)})
			must(t, err)
		}, true, refused},
		{"role changed on this node", func(t *testing.T, s *storetest.Setup, _ auth.Token) {
			_, err := s.Auth.UpdateUser(ctx, "bob", auth.UserPatch{Role: new(auth.Viewer)})
			must(t, err)
		}, true, func(t *testing.T, p auth.Principal, err error) {
			if err != nil || p.User.Role != auth.Viewer {
				t.Fatalf("got %+v %v, want bob as a viewer", p, err)
			}
		}},
		{"revoked on another node", func(t *testing.T, s *storetest.Setup, tok auth.Token) {
			must(t, s.DB.RevokeToken(ctx, tok.ID, s.Clock.Now()))
		}, false, refused},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			setup(t, func(t *testing.T, s *storetest.Setup) {
				tok, secret, err := s.Auth.IssueToken(ctx, "bob", "ci")
				must(t, err)
				if _, err := s.Auth.Authenticate(ctx, secret); err != nil {
					t.Fatal(err)
				}
				tc.change(t, s, tok)
				if !tc.atOnce {
					// Still the remembered principal, until the TTL is over.
					s.Clock.Advance(auth.TokenTTL - time.Millisecond)
					if p, err := s.Auth.Authenticate(ctx, secret); err != nil || p.TokenID != tok.ID {
						t.Fatalf("within the TTL: %+v %v", p, err)
					}
					s.Clock.Advance(time.Millisecond)
				}
				p, err := s.Auth.Authenticate(ctx, secret)
				tc.check(t, p, err)
			})
		})
	}
}

func refused(t *testing.T, p auth.Principal, err error) {
	t.Helper()
	if errs.CodeOf(err) != errs.Unauthorized {
		t.Fatalf("got %+v %v, want unauthorized", p, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
