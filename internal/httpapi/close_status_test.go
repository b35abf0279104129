package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/status"
)

// TestClosingResolvesTheStatusPage is issue 12 defect 7: closing an
// incident whose public incident is still "monitoring" posts a final public
// update — resolved — and puts back the components it degraded (another
// component, changed by hand, is left alone); resolve_status_page: false
// leaves the page as it is.
func TestClosingResolvesTheStatusPage(t *testing.T) {
	t.Parallel()
	for _, resolve := range []bool{true, false} {
		s := newSetup(t)
		ctx := context.Background()
		comp := func(name string) string {
			a := s.must(t, 201, "admin", "POST", "/api/v1/status/components", `{"name":"`+name+`"}`)
			return a.body["id"].(string)
		}
		checkout, search := comp("Checkout"), comp("Search")
		s.steps(t, "rita",
			[4]string{"POST", "/api/v1/incidents", `{"title":"Card payments fail","severity":"SEV3"}`, "201"},
			[4]string{"POST", "/api/v1/incidents/INC-1/roles", `{"role":"ir_lead","user":"rita"}`, "200"},
			[4]string{"POST", "/api/v1/incidents/INC-1/transition", `{"to":"active"}`, "200"},
			[4]string{"POST", "/api/v1/status/incidents", `{"incident":"INC-1","title":"Payments failing","impact":"major","body":"Card payments fail.","components":["` + checkout + `"],"component_states":{"` + checkout + `":"partial_outage"},"notify":false}`, "201"},
			[4]string{"POST", "/api/v1/incidents/INC-1/transition", `{"to":"contained"}`, "200"},
			[4]string{"PATCH", "/api/v1/incidents/INC-1", `{"root_cause":"an expired certificate"}`, "200"},
			[4]string{"POST", "/api/v1/incidents/INC-1/transition", `{"to":"eradicated"}`, "200"},
			[4]string{"POST", "/api/v1/incidents/INC-1/transition", `{"to":"recovered"}`, "200"},
		)
		pub, err := s.app.Services.Status.ForIncident(ctx, incidentID(t, s))
		if err != nil {
			t.Fatal(err)
		}
		s.must(t, 201, "rita", "POST", "/api/v1/status/incidents/"+pub.ID+"/updates",
			`{"status":"monitoring","body":"A fix is out; we are watching.","component_states":{"`+checkout+`":"degraded_performance"},"notify":false}`)
		s.must(t, 200, "admin", "PATCH", "/api/v1/status/components/"+search, `{"state":"major_outage"}`)
		waiveOpenDuties(t, s.app.Services.Duties, "INC-1")

		body := `{"to":"closed"}`
		if !resolve {
			body = `{"to":"closed","resolve_status_page":false}`
		}
		if a := s.must(t, 200, "rita", "POST", "/api/v1/incidents/INC-1/transition", body); a.body["state"] != "closed" || strings.Contains(a.raw, "status page was not resolved") {
			t.Fatalf("close: %s", a.raw)
		}
		after, err := s.app.Services.Status.Get(ctx, status.Actor{User: "admin", Admin: true}, pub.ID)
		if err != nil {
			t.Fatal(err)
		}
		states := map[string]status.State{}
		comps, _ := s.app.Services.Status.Components(ctx)
		for _, c := range comps {
			states[c.ID] = c.State
		}
		if !resolve {
			if after.Status != status.Monitoring || states[checkout] != status.Degraded || len(after.Updates) != 2 {
				t.Fatalf("resolve_status_page false: %s, checkout %s, %d updates", after.Status, states[checkout], len(after.Updates))
			}
			continue
		}
		if after.Status != status.Resolved || after.ResolvedAt == nil || len(after.Updates) != 3 || after.Updates[0].Body != status.FinalUpdate ||
			after.Updates[0].CreatedBy != "rita" {
			t.Fatalf("after closing: %s, %d updates, last %+v", after.Status, len(after.Updates), after.Updates[0])
		}
		if states[checkout] != status.Operational || states[search] != status.MajorOutage {
			t.Fatalf("components after closing: checkout %s (want operational), search %s (left alone)", states[checkout], states[search])
		}
	}
}

func incidentID(t *testing.T, s *setup) string {
	t.Helper()
	a := s.must(t, 200, "rita", "GET", "/api/v1/incidents/INC-1", "")
	return a.body["id"].(string)
}
