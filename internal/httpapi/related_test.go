package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
)

// TestRelatedIncidents: an incident's related list holds the earlier
// incidents sharing its type, an asset or an indicator, with what they
// share, their post-mortem and their open action items; a restricted
// past incident is there only for those who may see it — for the others
// neither its ref, its title nor a count of it appears.
func TestRelatedIncidents(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	ctx := context.Background()
	declare := func(user, title, typ string, restricted bool) incident.Incident {
		t.Helper()
		inc, err := s.app.Services.Incidents.Declare(ctx, user, incident.DeclareInput{Title: title, Type: typ, Severity: "SEV3", Restricted: restricted})
		if err != nil {
			t.Fatal(err)
		}
		return inc
	}
	asset := func(user, ref, host string) {
		t.Helper()
		if _, err := s.app.Services.Assets.AddAsset(ctx, incident.Viewer{User: user}, ref, assets.AssetInput{Kind: assets.KindHost, Identifier: host}); err != nil {
			t.Fatal(err)
		}
	}
	ioc := func(user, ref, ip string) {
		t.Helper()
		if _, err := s.app.Services.Indicators.Add(ctx, incident.Viewer{User: user}, ref, indicators.Input{Type: indicators.IPv4, Value: ip}); err != nil {
			t.Fatal(err)
		}
	}
	secret := declare("rita", "Secret board laptop theft", "", true)
	asset("rita", secret.Ref, "web-1")
	old := declare("rob", "Phishing wave in March", "security.phishing", false)
	ioc("rob", old.Ref, "203.0.113.7")
	// A tracked action item stands for the incident's open follow-ups;
	// one done is not listed.
	for _, title := range []string{"Enforce hardware keys everywhere", "Retire the old mail gateway"} {
		if _, err := s.app.Services.Actions.Create(ctx, incident.Viewer{User: "rob"}, old.Ref, actions.Input{Title: title, Owner: "rob", Due: "2030-01-15"}); err != nil {
			t.Fatal(err)
		}
	}
	done := actions.Done
	if _, err := s.app.Services.Actions.Update(ctx, incident.Viewer{User: "rob"}, "ACT-2", actions.Patch{State: &done}); err != nil {
		t.Fatal(err)
	}
	other := declare("rob", "Unrelated outage", "availability", false)
	asset("rob", other.Ref, "db-9")
	now := declare("rob", "Phishing again", "security.phishing", false)
	asset("rob", now.Ref, "web-1")
	ioc("rob", now.Ref, "203.0.113.7")
	later := declare("rob", "Later one", "security.phishing", false)

	for _, tc := range []struct {
		user string
		want []string
	}{
		{"rob", []string{old.Ref}},
		{"vera", []string{old.Ref}},
		{"rita", []string{old.Ref, secret.Ref}},
		{"admin", []string{old.Ref, secret.Ref}},
	} {
		a := s.call(t, tc.user, "GET", "/api/v1/incidents/"+now.Ref+"/related", "")
		if a.status != 200 {
			t.Fatalf("%s: %d %s", tc.user, a.status, a.raw)
		}
		var got []string
		for _, it := range a.body["items"].([]any) {
			got = append(got, it.(map[string]any)["ref"].(string))
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s sees %v, want %v", tc.user, got, tc.want)
		}
		if !slicesContains(tc.want, secret.Ref) && (strings.Contains(a.raw, secret.Ref) || strings.Contains(a.raw, "laptop")) {
			t.Errorf("%s learns of the restricted incident: %s", tc.user, a.raw)
		}
		if strings.Contains(a.raw, later.Ref) || strings.Contains(a.raw, other.Ref) {
			t.Errorf("%s: a later or unrelated incident is listed: %s", tc.user, a.raw)
		}
	}
	a := s.call(t, "rob", "GET", "/api/v1/incidents/"+now.Ref+"/related", "")
	first := a.body["items"].([]any)[0].(map[string]any)
	because := first["because"].([]any)
	if len(because) != 2 || because[0].(map[string]any)["by"] != "indicator" || because[0].(map[string]any)["value"] != "203.0.113.7" ||
		because[1].(map[string]any)["by"] != "type" {
		t.Errorf("because: %v", because)
	}
	items := first["open_action_items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["title"] != "Enforce hardware keys everywhere" || items[0].(map[string]any)["id"] != "ACT-1" {
		t.Errorf("open action items %v, post-mortem %v", items, first["postmortem"])
	}
	if a := s.call(t, "admin", "GET", "/api/v1/incidents/"+now.Ref+"/related", ""); !strings.Contains(a.raw, `"by":"asset","kind":"host","value":"web-1"`) {
		t.Errorf("the restricted one shares the host: %s", a.raw)
	}
	// The restricted incident's own list is not found for others.
	if a := s.call(t, "rob", "GET", "/api/v1/incidents/"+secret.Ref+"/related", ""); a.status != 404 {
		t.Errorf("a restricted incident's related list: %d %s", a.status, a.raw)
	}
}

func slicesContains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
