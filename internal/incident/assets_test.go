package incident

import (
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Eradicating needs every confirmed credential revoked; recovering needs
// every affected asset restored, not affected or accepted — the source
// reports only those that still block, and the rule names each.
func TestAssetAndCredentialGates(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	contained := build(t, p, DeclareInput{Title: "t", Severity: "SEV3"}, assign(p, IRLead, "a"), move(p, Active, ""), move(p, Contained, ""),
		set(p, UpdateInput{RootCause: new("x")}))
	eradicated := build(t, p, DeclareInput{Title: "t", Severity: "SEV3"}, assign(p, IRLead, "a"), move(p, Active, ""), move(p, Contained, ""),
		set(p, UpdateInput{RootCause: new("x")}), move(p, Eradicated, ""))
	creds := []OpenRecord{{Field: "credentials.C1", What: "C1 (deploy key)", State: "confirmed"}}
	assets := []OpenRecord{{Field: "assets.web-1", What: "host web-1", State: "contained"}, {Field: "assets.db-1", What: "database db-1", State: "confirmed"}}
	tests := []struct {
		name   string
		inc    Incident
		to     State
		known  Known
		fields []string
		text   string
	}{
		{"unrevoked credential blocks eradicated", contained, Eradicated, Known{OpenCredentials: creds}, []string{"credentials.C1"}, "revoke it before eradicated"},
		{"assets do not block eradicated", contained, Eradicated, Known{OpenAssets: assets}, nil, ""},
		{"none open eradicates", contained, Eradicated, Known{}, nil, ""},
		{"unrestored assets block recovered", eradicated, Recovered, Known{OpenAssets: assets}, []string{"assets.web-1", "assets.db-1"}, "accept it unrestored with a reason"},
		{"credentials do not block recovered", eradicated, Recovered, Known{OpenCredentials: creds}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inc := clone(tt.inc)
			_, err := p.Transition(&inc, tt.to, "", t0, tt.known)
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("blocked: %v", err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Rule || len(e.Details) != len(tt.fields) {
				t.Fatalf("got %#v, want a rule error naming %v", err, tt.fields)
			}
			for i, f := range tt.fields {
				if e.Details[i].Field != f {
					t.Fatalf("detail %d names %q, want %q", i, e.Details[i].Field, f)
				}
			}
			if !strings.Contains(e.Message, tt.text) {
				t.Fatalf("message %q does not say %q", e.Message, tt.text)
			}
		})
	}
}
