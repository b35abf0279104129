package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// TestOverviewRelated: the overview shows the earlier incidents sharing
// an asset or the type, their post-mortem and their open action items;
// a restricted one only to those who may see it — to the others not its
// ref, its title, nor a count that includes it.
func TestOverviewRelated(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	alice := incident.Viewer{User: "alice"}
	declare := func(title, typ string, restricted bool) incident.Incident {
		t.Helper()
		inc, err := s.app.Services.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: title, Type: typ, Severity: "SEV3", Restricted: restricted})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.app.Services.Assets.AddAsset(ctx, alice, inc.Ref, assets.AssetInput{Kind: assets.KindHost, Identifier: "vpn-gw"}); err != nil {
			t.Fatal(err)
		}
		return inc
	}
	secret := declare("Board member account takeover", "", true)
	if _, err := s.app.Services.Actions.Create(ctx, alice, secret.Ref, actions.Input{Title: "Secret fix", Owner: "alice", Due: "2030-01-15"}); err != nil {
		t.Fatal(err)
	}
	old := declare("VPN brute force", "security.access", false)
	if _, err := s.app.Services.Actions.Create(ctx, alice, old.Ref, actions.Input{Title: "Rate-limit VPN logins", Owner: "alice", Due: "2030-01-15"}); err != nil {
		t.Fatal(err)
	}
	cur := declare("VPN brute force again", "security.access", false)

	a := s.get(t, s.signIn(t, "alice"), "/incidents/"+cur.Ref)
	for _, want := range []string{`<h2 id="related-h">This happened before</h2>`, `data-related="` + old.Ref + `"`, `data-related="` + secret.Ref + `"`,
		"Rate-limit VPN logins — alice, due 2030-01-15", "Secret fix", "2 of their fixes are still open", "host <code>vpn-gw</code>", "type <code>security.access</code>"} {
		if !strings.Contains(a.body, want) {
			t.Errorf("alice's overview lacks %q", want)
		}
	}
	v := s.get(t, s.signIn(t, "vera"), "/incidents/"+cur.Ref)
	if v.status != 200 || !strings.Contains(v.body, `data-related="`+old.Ref+`"`) || !strings.Contains(v.body, "1 of their fixes is still open") {
		t.Fatalf("vera's overview (%d) lacks the open incident:\n%s", v.status, v.body)
	}
	for _, leak := range []string{secret.Ref, "Board member", "Secret fix"} {
		if strings.Contains(v.body, leak) {
			t.Errorf("vera's overview shows %q of the restricted incident", leak)
		}
	}
	// The first incident has nothing before it: no panel at all.
	if f := s.get(t, s.signIn(t, "alice"), "/incidents/"+secret.Ref); strings.Contains(f.body, "This happened before") {
		t.Errorf("a panel without earlier incidents")
	}
}
