package notices_test

import (
	"testing"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// A second person's approval is required by default before a notice to
// a regulator, customers or individuals is submitted; internal briefings
// go without; the policy file changes it per audience.
func TestApprovalRequiredByAudience(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		approval map[notices.Audience]bool
		audience notices.Audience
		needs    bool
	}{
		{"regulator by default", nil, notices.Regulator, true},
		{"customer by default", nil, notices.Customer, true},
		{"individuals by default", nil, notices.Individuals, true},
		{"internal by default", nil, notices.Internal, false},
		{"regulator relaxed", map[notices.Audience]bool{notices.Regulator: false}, notices.Regulator, false},
		{"internal made strict", map[notices.Audience]bool{notices.Internal: true}, notices.Internal, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, storetest.Backends()[0], notices.Config{Approval: tt.approval})
			inc := w.declare(t, incident.DeclareInput{Title: "Outage"})
			n, err := w.svc.Draft(w.ctx, viewer("alice"), inc.Ref, notices.DraftInput{Audience: tt.audience, Title: "Notice", Body: "All written.\n"})
			if err != nil || n.ApprovalRequired != tt.needs {
				t.Fatalf("draft: approval_required %v, %v", n.ApprovalRequired, err)
			}
			in := notices.SubmitInput{Recipient: "Them", Channel: notices.Letter}
			_, err = w.svc.Submit(w.ctx, viewer("alice"), inc.Ref, n.ID, in)
			if !tt.needs {
				if err != nil {
					t.Fatalf("submit without approval: %v", err)
				}
				return
			}
			wantCode(t, err, errs.Rule, "must be approved by a second person")
			if _, err := w.svc.Approve(w.ctx, viewer("bob"), inc.Ref, n.ID, "", "", ""); err != nil {
				t.Fatal(err)
			}
			if n, err = w.svc.Submit(w.ctx, viewer("alice"), inc.Ref, n.ID, in); err != nil || n.Status != notices.Submitted {
				t.Fatalf("submit once approved: %v", err)
			}
		})
	}
}
