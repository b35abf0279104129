package incident

import (
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Closing needs every applicable notification duty — possible ones too —
// submitted or waived (the lifecycle table: "every notice obligation met
// or waived"), unless the policy lets the severity close without.
func TestCloseNeedsDutiesMetOrWaived(t *testing.T) {
	t.Parallel()
	due := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	open := Known{OpenDuties: []OpenDuty{
		{ObligationID: "eu-gdpr-art33-supervisory-authority", Phase: "initial_notification", DueAt: &due},
		{ObligationID: "uk-gdpr-art33-ico", Phase: "initial_notification", Possible: true, Questions: []string{"Are any affected people resident in the UK?"}},
	}}
	recovered := func(p *Policy, sev string) Incident {
		return build(t, p, DeclareInput{Title: "t", Severity: sev}, assign(p, IRLead, "a"), move(p, Active, ""), move(p, Contained, ""),
			set(p, UpdateInput{RootCause: new("x")}), move(p, Eradicated, ""), move(p, Recovered, ""))
	}
	strict := DefaultPolicy()
	relaxed := DefaultPolicy()
	relaxed.CloseWithDutiesOpen = map[string]bool{"SEV4": true}
	tests := []struct {
		name   string
		p      *Policy
		sev    string
		known  Known
		fields []string // nil: allowed
	}{
		{"open duties block", strict, "SEV3", open, []string{"obligations.eu-gdpr-art33-supervisory-authority", "obligations.uk-gdpr-art33-ico"}},
		{"none open", strict, "SEV3", Known{}, nil},
		{"relaxed severity closes with duties open", relaxed, "SEV4", open, nil},
		{"another severity stays strict", relaxed, "SEV3", open, []string{"obligations.eu-gdpr-art33-supervisory-authority", "obligations.uk-gdpr-art33-ico"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inc := recovered(tt.p, tt.sev)
			_, err := tt.p.Transition(&inc, Closed, "", t0, tt.known)
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
			if m := e.Details[0].Message; !strings.Contains(m, "(initial notification), due 2026-11-28 10:00 UTC,") || !strings.Contains(m, "neither submitted nor waived") {
				t.Fatalf("message %q", m)
			}
			if m := e.Details[1].Message; !strings.Contains(m, "may apply") || !strings.Contains(m, "Are any affected people resident in the UK?") {
				t.Fatalf("message of a possible duty %q", m)
			}
		})
	}
	// The console's close button is disabled with the same list.
	inc := recovered(strict, "SEV3")
	moves := strict.Moves(&inc, t0, open)
	if len(moves) == 0 || moves[0].To != Closed || moves[0].Allowed || !strings.Contains(moves[0].Blocked, "eu-gdpr-art33-supervisory-authority") ||
		!strings.Contains(moves[0].Blocked, "uk-gdpr-art33-ico") {
		t.Fatalf("moves %+v", moves)
	}
}
