package httpapi_test

import (
	"reflect"
	"strings"
	"testing"
)

// The records over HTTP: an asset added, moved and accepted, the recover
// gate naming it; a credential gating eradication; a fix; the inventory
// with a restricted incident hidden from a non-participant.
func TestAssetsAPI(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	ref := activeIncident(t, s, `{"title":"repo leak","severity":"SEV3"}`)
	base := "/api/v1/incidents/" + ref
	a := s.mustCall(t, 201, "rita", "POST", base+"/assets", `{"kind":"repository","identifier":"acme/api","owner":"platform","criticality":"high","state":"confirmed"}`)
	if a.body["state"] != "confirmed" || a.body["owner"] != "platform" {
		t.Fatalf("added %s", a.raw)
	}
	s.mustCall(t, 403, "vera", "POST", base+"/assets", `{"kind":"host","identifier":"x"}`)
	s.mustCall(t, 409, "rita", "POST", base+"/assets", `{"kind":"repository","identifier":"acme/api"}`)
	if a := s.call(t, "rita", "POST", base+"/assets", `{"kind":"toaster","identifier":"x"}`); a.status != 422 {
		t.Fatalf("unknown kind: %d %s", a.status, a.raw)
	}
	assetPath := base + "/assets/repository/acme%2Fapi"
	if a := s.call(t, "rita", "POST", assetPath+"/moves", `{"to":"contained"}`); a.status != 422 || !strings.Contains(a.raw, "how") {
		t.Fatalf("move without how: %d %s", a.status, a.raw)
	}
	m := s.mustCall(t, 200, "rita", "POST", assetPath+"/moves", `{"to":"contained","how":"made private"}`)
	if moves, _ := m.body["moves"].([]any); m.body["state"] != "contained" || len(moves) != 2 {
		t.Fatalf("moved %s", m.raw)
	}
	cr := s.mustCall(t, 201, "rita", "POST", base+"/credentials", `{"kind":"api_key","name":"deploy token","state":"confirmed","exposed_in":"public repo"}`)
	if cr.body["id"] != "C1" {
		t.Fatalf("credential %s", cr.raw)
	}
	s.mustCall(t, 200, "rita", "POST", base+"/transition", `{"to":"contained"}`)
	s.mustCall(t, 200, "rita", "PATCH", base, `{"root_cause":"token committed"}`)
	if a := s.call(t, "rita", "POST", base+"/transition", `{"to":"eradicated"}`); a.status != 422 || !reflect.DeepEqual(a.locations(), []string{"credentials.C1"}) {
		t.Fatalf("eradicated with C1 unrevoked: %d %s", a.status, a.raw)
	}
	s.mustCall(t, 200, "rita", "POST", base+"/credentials/C1/moves", `{"to":"revoked","how":"revoked in the registry"}`)
	s.mustCall(t, 200, "rita", "POST", base+"/transition", `{"to":"eradicated"}`)
	if a := s.call(t, "rita", "POST", base+"/transition", `{"to":"recovered"}`); a.status != 422 || !reflect.DeepEqual(a.locations(), []string{"assets.acme/api"}) {
		t.Fatalf("recovered with acme/api contained: %d %s", a.status, a.raw)
	}
	s.mustCall(t, 200, "rita", "PATCH", assetPath, `{"accepted":true,"accepted_reason":"archived"}`)
	s.mustCall(t, 200, "rita", "POST", base+"/transition", `{"to":"recovered"}`)

	f := s.mustCall(t, 201, "rita", "POST", base+"/fixes", `{"vulnerability":"secret in source","kind":"rule","description":"secret scanning on push","assets":["repository:acme/api"]}`)
	if f.body["id"] != "F1" {
		t.Fatalf("fix %s", f.raw)
	}
	s.mustCall(t, 200, "rita", "PUT", base+"/fixes/F1", `{"vulnerability":"secret in source","kind":"rule","description":"secret scanning on push, blocking"}`)
	if l := s.mustCall(t, 200, "vera", "GET", base+"/fixes", ""); !strings.Contains(l.raw, "blocking") {
		t.Fatalf("fixes %s", l.raw)
	}
	if l := s.mustCall(t, 200, "vera", "GET", base+"/credentials", ""); !strings.Contains(l.raw, `"state":"revoked"`) {
		t.Fatalf("credentials %s", l.raw)
	}
	tl := s.mustCall(t, 200, "vera", "GET", base+"/timeline", "")
	if !strings.Contains(tl.raw, "asset repository acme/api moved from confirmed to contained: made private") {
		t.Fatalf("timeline does not describe the move: %s", tl.raw)
	}

	// The inventory: a restricted incident's asset only for those who may
	// see it.
	secret := s.mustCall(t, 201, "rita", "POST", "/api/v1/incidents", `{"title":"insider","restricted":true}`).body["ref"].(string)
	s.mustCall(t, 201, "rita", "POST", "/api/v1/incidents/"+secret+"/assets", `{"kind":"database","identifier":"hr"}`)
	s.mustCall(t, 201, "rita", "POST", "/api/v1/incidents/"+secret+"/assets", `{"kind":"repository","identifier":"acme/api"}`)
	if l := s.mustCall(t, 200, "vera", "GET", "/api/v1/assets", ""); strings.Contains(l.raw, `"hr"`) || !strings.Contains(l.raw, "acme/api") {
		t.Fatalf("vera's inventory %s", l.raw)
	}
	if l := s.mustCall(t, 200, "rita", "GET", "/api/v1/assets?kind=database", ""); !strings.Contains(l.raw, `"hr"`) {
		t.Fatalf("rita's inventory %s", l.raw)
	}
	s.mustCall(t, 404, "vera", "GET", "/api/v1/assets/database/hr", "")
	got := s.mustCall(t, 200, "vera", "GET", "/api/v1/assets/repository/acme%2Fapi", "")
	if incs, _ := got.body["incidents"].([]any); len(incs) != 1 || incs[0].(map[string]any)["incident_ref"] != ref {
		t.Fatalf("vera's view of acme/api %s", got.raw)
	}
	got = s.mustCall(t, 200, "rita", "GET", "/api/v1/assets/repository/acme%2Fapi", "")
	if incs, _ := got.body["incidents"].([]any); len(incs) != 2 {
		t.Fatalf("rita's view of acme/api %s", got.raw)
	}
	s.mustCall(t, 404, "vera", "GET", "/api/v1/incidents/"+secret+"/assets", "")
}
