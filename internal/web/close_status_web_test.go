package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/status"
)

// TestCloseFormResolvesTheStatusPage is issue 12 defect 7 in the console:
// while the incident's public incident is open, the close form offers a
// final public update (ticked by default); closing with it resolves the
// public incident and puts its component back.
func TestCloseFormResolvesTheStatusPage(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	admin := incident.Viewer{User: "admin", SeeAll: true}
	svc := s.app.Services
	name := "Checkout"
	comp, err := svc.Status.CreateComponent(ctx, status.Actor{User: "admin", Admin: true}, status.ComponentInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	inc, err := svc.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Card payments fail", Severity: "SEV3"})
	if err != nil {
		t.Fatal(err)
	}
	c := incident.Command{Actor: admin, Ref: inc.Ref}
	if _, err := svc.Incidents.Assign(ctx, c, incident.IRLead, "alice"); err != nil {
		t.Fatal(err)
	}
	root := "an expired certificate"
	for _, to := range []incident.State{incident.Active, incident.Contained} {
		if _, err := svc.Incidents.Transition(ctx, c, to, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Incidents.Update(ctx, c, incident.UpdateInput{RootCause: &root}); err != nil {
		t.Fatal(err)
	}
	for _, to := range []incident.State{incident.Eradicated, incident.Recovered} {
		if _, err := svc.Incidents.Transition(ctx, c, to, ""); err != nil {
			t.Fatal(err)
		}
	}
	no := false
	pub, err := svc.Status.Publish(ctx, status.Actor{User: "alice"}, status.PublishInput{Incident: inc.Ref, Title: "Payments failing", Impact: status.ImpactMajor,
		Status: status.Monitoring, Body: "A fix is out.", Components: []string{comp.ID}, States: map[string]status.State{comp.ID: status.PartialOutage}, Notify: &no})
	if err != nil {
		t.Fatal(err)
	}
	waiveOpenDuties(t, svc.Duties, inc.Ref)

	b := s.signIn(t, "alice")
	page := s.get(t, b, "/incidents/"+inc.Ref)
	if !strings.Contains(page.body, `<input type="checkbox" name="resolve_status_page" value="yes" checked> Post a final public update`) {
		t.Fatalf("the close form does not offer the final public update:\n%s", page.body)
	}
	cur, _ := svc.Incidents.Get(ctx, admin, inc.Ref)
	r := s.post(t, b, "/incidents/"+inc.Ref+"/transition", url.Values{"to": {"closed"}, "version": {strconv.FormatInt(cur.Version, 10)}, "resolve_status_page": {"yes"}})
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, url.QueryEscape("The status page says it is resolved.")) {
		t.Fatalf("close: %d %s\n%s", r.status, r.location, r.body)
	}
	after, err := svc.Status.Get(ctx, status.Actor{User: "admin", Admin: true}, pub.ID)
	if err != nil {
		t.Fatal(err)
	}
	comps, _ := svc.Status.Components(ctx)
	if after.Status != status.Resolved || len(comps) != 1 || comps[0].State != status.Operational {
		t.Fatalf("after closing: %s, components %+v", after.Status, comps)
	}
	if page := s.get(t, b, "/incidents/"+inc.Ref); strings.Contains(page.body, `name="resolve_status_page"`) {
		t.Fatal("a closed incident still offers to resolve the status page")
	}
}
