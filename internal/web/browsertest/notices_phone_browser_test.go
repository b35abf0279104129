package browsertest

import (
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
)

// TestBrowserNoticesTableFitsAPhone is issue 12 defect 7: the incident's
// notices table, with notices for obligations (long identifiers) and long
// titles, fits a 375 px phone.
func TestBrowserNoticesTableFitsAPhone(t *testing.T) {
	c := newConsole(t)
	inc := c.seed(t, incident.DeclareInput{Title: "Customer database copied", Severity: "SEV1", Summary: "An attacker copied the CRM database."})
	alice := incident.Viewer{User: "alice", SeeAll: true}
	for _, in := range []notices.DraftInput{
		{ObligationID: "eu-gdpr-art33-supervisory-authority", Phase: "initial_notification"},
		{Audience: notices.Customer, Title: "Notification-of-unauthorised-access-to-customer-records-at-ExampleCorporation"},
	} {
		if _, err := c.app.Services.Notices.Draft(testContext(t), alice, inc.Ref, in); err != nil {
			t.Fatal(err)
		}
	}
	b := c.browser(testContext(t), t, "alice")
	b.signIn("alice")
	b.phone()
	b.open("/incidents/" + inc.Ref + "/comms")
	b.wantText("#notices-list", "eu-gdpr-art33-supervisory-authority")
	if sw, iw, culprits := b.overflow(); sw > iw {
		t.Errorf("incident page with notices is %d px wide on a %d px phone: %v", sw, iw, culprits)
	}
	b.shot(shots(t), "incident-notices-table-phone")
}
