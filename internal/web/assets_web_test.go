package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// The Assets section without script: an asset added, moved by a state
// button with how, a move without how shown again with its problem;
// a credential and a fix; the inventory page; a viewer sees no forms and
// cannot post; a restricted incident's asset stays hidden.
func TestAssetsSection(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	alice := s.signIn(t, "alice")
	vera := s.signIn(t, "vera")
	if _, err := s.app.Services.Incidents.Declare(context.Background(), "alice", incident.DeclareInput{Title: "Repo leak"}); err != nil {
		t.Fatal(err)
	}
	base := "/incidents/INC-1/assets"
	if r := s.get(t, alice, base); r.status != 200 || !strings.Contains(r.body, "No assets recorded.") || !strings.Contains(r.body, `action="/incidents/INC-1/assets"`) {
		t.Fatalf("empty section: %d\n%s", r.status, r.body)
	}
	r := s.post(t, alice, base, url.Values{"kind": {"repository"}, "identifier": {"acme/api"}, "owner": {"platform"}, "criticality": {"high"}, "state": {"confirmed"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, base+"?flash=assetadded") {
		t.Fatalf("add: %d %s\n%s", r.status, r.location, r.body)
	}
	r = s.post(t, alice, base, url.Values{"kind": {"repository"}, "identifier": {""}})
	if r.status != 422 || !strings.Contains(r.body, "is required") {
		t.Fatalf("add without identifier: %d\n%s", r.status, r.body)
	}
	r = s.post(t, alice, base+"/move", url.Values{"kind": {"repository"}, "identifier": {"acme/api"}, "to": {"contained"}, "task": {"t9"}})
	if r.status != 422 || !strings.Contains(r.body, "is required") || !strings.Contains(r.body, `value="t9"`) {
		t.Fatalf("move without how: %d\n%s", r.status, r.body)
	}
	r = s.post(t, alice, base+"/move", url.Values{"kind": {"repository"}, "identifier": {"acme/api"}, "to": {"contained"}, "how": {"made private"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("move: %d\n%s", r.status, r.body)
	}
	page := s.get(t, alice, base).body
	for _, want := range []string{"made private", `data-move="restored"`, "platform", "high"} {
		if !strings.Contains(page, want) {
			t.Fatalf("the section lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, `data-move="contained"`) {
		t.Fatal("the button of the current state is shown")
	}
	r = s.post(t, alice, "/incidents/INC-1/credentials", url.Values{"kind": {"api_key"}, "name": {"deploy token"}, "state": {"confirmed"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("credential: %d\n%s", r.status, r.body)
	}
	if r = s.post(t, alice, "/incidents/INC-1/credentials/C1/move", url.Values{"to": {"revoked"}, "how": {"revoked"}}); r.status != http.StatusSeeOther {
		t.Fatalf("credential move: %d\n%s", r.status, r.body)
	}
	r = s.post(t, alice, "/incidents/INC-1/fixes", url.Values{"vulnerability": {"CVE-2024-3094"}, "kind": {"patch"}, "description": {"xz 5.6.2"}, "assets": {"repository:acme/api\n"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("fix: %d\n%s", r.status, r.body)
	}
	r = s.post(t, alice, "/incidents/INC-1/fixes/F1", url.Values{"vulnerability": {"CVE-2024-3094"}, "kind": {"patch"}, "description": {"xz 5.6.2"}, "verified_at": {"2026-01-01T10:00"}})
	if r.status != 422 || !strings.Contains(r.body, "say how the fix was verified") {
		t.Fatalf("fix verified without how: %d\n%s", r.status, r.body)
	}
	page = s.get(t, vera, base).body
	for _, want := range []string{"deploy token", "revoked", "CVE-2024-3094", "repository:acme/api"} {
		if !strings.Contains(page, want) {
			t.Fatalf("vera's section lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, `action="/incidents/INC-1/assets/move"`) {
		t.Fatal("a viewer is shown the move form")
	}
	if r := s.post(t, vera, base, url.Values{"kind": {"host"}, "identifier": {"x"}}); r.status != http.StatusForbidden {
		t.Fatalf("viewer add: %d", r.status)
	}
	tl := s.get(t, vera, "/incidents/INC-1/timeline").body
	if !strings.Contains(tl, "asset repository acme/api moved from confirmed to contained: made private") {
		t.Fatalf("the timeline does not describe the move:\n%s", tl)
	}

	// The inventory; a restricted incident's asset hidden from vera.
	if _, err := s.app.Services.Incidents.Declare(context.Background(), "alice", incident.DeclareInput{Title: "Insider", Restricted: true}); err != nil {
		t.Fatal(err)
	}
	if r := s.post(t, alice, "/incidents/INC-2/assets", url.Values{"kind": {"database"}, "identifier": {"hr-db"}}); r.status != http.StatusSeeOther {
		t.Fatalf("add to INC-2: %d\n%s", r.status, r.body)
	}
	inv := s.get(t, vera, "/assets").body
	if !strings.Contains(inv, "acme/api") || strings.Contains(inv, "hr-db") {
		t.Fatalf("vera's inventory:\n%s", inv)
	}
	if inv := s.get(t, alice, "/assets?kind=database").body; !strings.Contains(inv, "hr-db") || strings.Contains(inv, "acme/api") {
		t.Fatalf("alice's databases:\n%s", inv)
	}
	one := s.get(t, vera, "/assets/repository/acme%2Fapi")
	if one.status != 200 || !strings.Contains(one.body, `data-incident="INC-1"`) || !strings.Contains(one.body, "contained") {
		t.Fatalf("the asset page: %d\n%s", one.status, one.body)
	}
	if r := s.get(t, vera, "/assets/database/hr-db"); r.status != http.StatusNotFound {
		t.Fatalf("vera reads a restricted incident's asset: %d", r.status)
	}
	if r := s.get(t, vera, "/incidents/INC-2/assets"); r.status != http.StatusNotFound {
		t.Fatalf("vera reads a restricted incident's assets: %d", r.status)
	}
}
