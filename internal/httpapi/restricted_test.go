package httpapi_test

import (
	"strings"
	"testing"
)

// TestRestrictedIncidentAnswersAsMissing: for someone who may not see a
// restricted incident, every status-page operation naming it (publishing
// it, reading or updating its public page) and every stakeholder-update
// operation answers exactly as for an incident that does not exist — the
// same status, message and location, byte for byte apart from the name.
func TestRestrictedIncidentAnswersAsMissing(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	// INC-1 is restricted: rita declared it and takes part; rob and vera
	// do not. The administrator puts it on the status page.
	if a := s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"SECRET insider case","restricted":true}`); a.status != 201 {
		t.Fatalf("declare: %d %s", a.status, a.raw)
	}
	pub := s.call(t, "admin", "POST", "/api/v1/status/incidents",
		`{"incident":"INC-1","confirm_restricted":true,"title":"Delays","impact":"minor","body":"Some changes are slow.","notify":false}`)
	if pub.status != 201 {
		t.Fatalf("publish as admin: %d %s", pub.status, pub.raw)
	}
	pubID := pub.body["id"].(string)
	const missingID = "00000000-0000-7000-8000-000000000000"
	if len(missingID) != len(pubID) {
		t.Fatalf("public IDs are %d characters, not %d", len(pubID), len(missingID))
	}
	publish := func(ref string) string {
		return `{"incident":"` + ref + `","title":"Delays","impact":"minor","body":"Some changes are slow.","notify":false}`
	}
	for _, tt := range []struct {
		user, method, path, body string
		name, missing            string // the restricted thing's name in path and body, and a missing one's
	}{
		{"rob", "POST", "/api/v1/status/incidents", publish("INC-1"), "INC-1", "INC-9"},
		{"rob", "POST", "/api/v1/status/incidents", publish("INC-1") + " ", "INC-1", "INC-9"},
		{"rob", "GET", "/api/v1/status/incidents/" + pubID, "", pubID, missingID},
		{"vera", "GET", "/api/v1/status/incidents/" + pubID, "", pubID, missingID},
		{"rob", "POST", "/api/v1/status/incidents/" + pubID + "/updates", `{"status":"identified","body":"We know why."}`, pubID, missingID},
		{"rob", "POST", "/api/v1/status/incidents/" + pubID + "/updates", `{"status":"identified","body":"We know why.","confirm_restricted":true}`, pubID, missingID},
		{"rob", "GET", "/api/v1/incidents/INC-1/updates", "", "INC-1", "INC-9"},
		{"vera", "GET", "/api/v1/incidents/INC-1/updates", "", "INC-1", "INC-9"},
		{"rob", "POST", "/api/v1/incidents/INC-1/updates", `{"text":"All quiet."}`, "INC-1", "INC-9"},
		{"rob", "GET", "/api/v1/incidents/INC-1/subscriptions", "", "INC-1", "INC-9"},
		{"rob", "POST", "/api/v1/incidents/INC-1/subscriptions", `{"name":"ops","kind":"email","address":"ops@example.com"}`, "INC-1", "INC-9"},
		{"rob", "DELETE", "/api/v1/incidents/INC-1/subscriptions/" + missingID, "", "INC-1", "INC-9"},
	} {
		name := tt.user + " " + tt.method + " " + tt.path
		got := s.call(t, tt.user, tt.method, tt.path, tt.body)
		swap := strings.NewReplacer(tt.name, tt.missing)
		missing := s.call(t, tt.user, tt.method, swap.Replace(tt.path), swap.Replace(tt.body))
		if got.status != 404 || missing.status != 404 {
			t.Errorf("%s: %d %s (missing: %d %s), want 404 for both", name, got.status, got.raw, missing.status, missing.raw)
			continue
		}
		if swap.Replace(got.raw) != missing.raw || got.header.Get("Content-Type") != missing.header.Get("Content-Type") {
			t.Errorf("%s tells the restricted incident from a missing one:\n%s\n%s", name, got.raw, missing.raw)
		}
		if strings.Contains(got.raw, "restricted") || strings.Contains(got.raw, "SECRET") {
			t.Errorf("%s: the answer names what it hides: %s", name, got.raw)
		}
	}

	// Nothing was written by the refused calls: the public incident still
	// has its one update, and INC-1 no stakeholder update.
	if a := s.call(t, "admin", "GET", "/api/v1/status/incidents/"+pubID, ""); a.status != 200 || len(a.body["updates"].([]any)) != 1 {
		t.Errorf("public incident after the refusals: %d %s", a.status, a.raw)
	}
	if a := s.call(t, "rita", "GET", "/api/v1/incidents/INC-1/updates", ""); a.status != 200 || len(a.body["updates"].([]any)) != 0 {
		t.Errorf("stakeholder updates after the refusals: %d %s", a.status, a.raw)
	}
	// rita takes part: she sees it, and is told why she may not publish.
	if a := s.call(t, "rita", "POST", "/api/v1/status/incidents/"+pubID+"/updates", `{"status":"identified","body":"We know why."}`); a.status != 403 {
		t.Errorf("participant posting to a restricted incident's public page: %d %s, want 403", a.status, a.raw)
	}
}
