package httpapi_test

import (
	"context"
	"slices"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/audit"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// steps runs calls as user, each answering want, and fails with the answer
// when one does not.
func (s *setup) steps(t *testing.T, user string, calls ...[4]string) {
	t.Helper()
	for _, c := range calls {
		if a := s.call(t, user, c[0], c[1], c[2]); a.status != atoi(c[3]) {
			t.Fatalf("%s %s %s: %d %s", c[0], c[1], c[2], a.status, a.raw)
		}
	}
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// verify runs the offline audit: every chain intact, every projection the
// fold of its events.
func (s *setup) verify(t *testing.T) {
	t.Helper()
	rep, err := audit.Verify(context.Background(), s.app.DB)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("audit verify: %v", rep.Problems)
	}
}

// TestRolesHandOver is defect 3 of issue 12 through the API: a single-holder
// role given to someone else is handed over in one event with the note, the
// previous holder stays as a responder (and still sees the restricted
// incident); responders are many.
func TestRolesHandOver(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	s.steps(t, "admin",
		[4]string{"POST", "/api/v1/incidents", `{"title":"Restricted breach","severity":"SEV1","restricted":true}`, "201"},
		[4]string{"POST", "/api/v1/incidents/INC-1/roles", `{"role":"incident_commander","user":"rita"}`, "200"},
		[4]string{"POST", "/api/v1/incidents/INC-1/roles", `{"role":"ir_lead","user":"rita"}`, "200"},
	)
	if a := s.call(t, "rita", "GET", "/api/v1/incidents/INC-1", ""); a.status != 200 {
		t.Fatalf("rita cannot see the incident she commands: %d", a.status)
	}
	for _, role := range []string{"incident_commander", "ir_lead", "comms_lead", "scribe"} {
		t.Run(role, func(t *testing.T) {
			// comms_lead and scribe are first given to rita here.
			s.call(t, "admin", "POST", "/api/v1/incidents/INC-1/roles", `{"role":"`+role+`","user":"rita"}`)
			before := s.call(t, "admin", "GET", "/api/v1/incidents/INC-1", "")
			a := s.call(t, "admin", "POST", "/api/v1/incidents/INC-1/roles", `{"role":"`+role+`","user":"rob","note":"rita is off shift at 18:00"}`)
			if a.status != 200 {
				t.Fatalf("hand over: %d %s", a.status, a.raw)
			}
			if v, w := a.body["version"].(float64), before.body["version"].(float64)+1; v != w {
				t.Errorf("the handover recorded %v events, want one", v-w+1)
			}
			holders := map[string][]string{}
			for _, r := range a.body["roles"].([]any) {
				m := r.(map[string]any)
				holders[m["role"].(string)] = append(holders[m["role"].(string)], m["user"].(string))
			}
			if h := holders[role]; len(h) != 1 || h[0] != "rob" {
				t.Errorf("%s holders %v, want [rob]", role, h)
			}
			if h := holders["responder"]; !slices.Contains(h, "rita") || len(h) != len(slices.Compact(slices.Sorted(slices.Values(h)))) {
				t.Errorf("responders %v, want rita once", h)
			}
			tl := s.call(t, "admin", "GET", "/api/v1/incidents/INC-1/timeline?order=desc", "")
			last := tl.body["items"].([]any)[0].(map[string]any)
			title := incident.Role(role).Title()
			if last["type"] != incident.EvRoleHandedOver || last["text"] != title+" handed over from rita to rob (rita stays as responder): rita is off shift at 18:00" {
				t.Errorf("the timeline's last entry: %v %v", last["type"], last["text"])
			}
			data, _ := last["data"].(map[string]any)
			if data["from"] != "rita" || data["to"] != "rob" || data["note"] != "rita is off shift at 18:00" {
				t.Errorf("event data %v", data)
			}
			// Give it back so the next role starts from rita again.
			if a := s.call(t, "admin", "POST", "/api/v1/incidents/INC-1/roles", `{"role":"`+role+`","user":"rita"}`); a.status != 200 {
				t.Fatalf("hand back: %d %s", a.status, a.raw)
			}
		})
	}
	// rita keeps seeing the restricted incident, as a responder too.
	s.call(t, "admin", "POST", "/api/v1/incidents/INC-1/roles", `{"role":"incident_commander","user":"rob"}`)
	if a := s.call(t, "rita", "GET", "/api/v1/incidents/INC-1", ""); a.status != 200 {
		t.Errorf("rita lost sight of the restricted incident after handing over: %d", a.status)
	}
	if a := s.call(t, "rita", "GET", "/api/v1/incidents?limit=10", ""); len(a.body["items"].([]any)) != 1 {
		t.Errorf("rita's list lost the restricted incident: %s", a.raw)
	}
	// Responders are many.
	s.steps(t, "admin",
		[4]string{"POST", "/api/v1/incidents/INC-1/roles", `{"role":"responder","user":"rob"}`, "200"},
		[4]string{"POST", "/api/v1/incidents/INC-1/roles", `{"role":"responder","user":"vera"}`, "200"},
	)
	inc := s.call(t, "admin", "GET", "/api/v1/incidents/INC-1", "")
	n := 0
	for _, r := range inc.body["roles"].([]any) {
		if r.(map[string]any)["role"] == "responder" {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d responders, want rita, rob and vera: %v", n, inc.body["roles"])
	}
	s.verify(t)
}
