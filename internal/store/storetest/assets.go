package storetest

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// RunAssets runs the part of the contract of the records kept beside an
// incident against backend b: assets with their states and the inventory
// across incidents (restricted incidents hidden), credentials, fixes, each
// change an event on the chain, and the gates on eradicating and
// recovering.
func RunAssets(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *Setup, a *assets.Service)
	}{
		{"AssetsMoveWithEvents", testAssetMoves},
		{"InventoryAcrossIncidents", testInventory},
		{"CredentialsGateEradicated", testCredentialGate},
		{"AssetsGateRecovered", testAssetGate},
		{"Fixes", testFixes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewSetup(t, b)
			a := assets.New(assets.Deps{Store: s.DB, Incidents: s.Incidents, Now: s.Clock.Now})
			s.Incidents.SetAssets(a)
			tt.fn(t, s, a)
		})
	}
}

func testAssetMoves(t *testing.T, s *Setup, a *assets.Service) {
	inc := declare(t, s, incident.DeclareInput{Title: "Ransomware"})
	got, err := a.AddAsset(ctx, alice, inc.Ref, assets.AssetInput{Kind: assets.KindHost, Identifier: " web-1 ", Owner: "platform", Criticality: assets.CriticalityHigh})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != assets.Suspected || got.Identifier != "web-1" {
		t.Fatalf("added %+v", got)
	}
	_, err = a.AddAsset(ctx, alice, inc.Ref, assets.AssetInput{Kind: assets.KindHost, Identifier: "web-1"})
	wantCode(t, err, errs.Conflict)
	_, err = a.AddAsset(ctx, alice, inc.Ref, assets.AssetInput{Kind: "toaster", Identifier: ""})
	if e, ok := errs.As(err); !ok || e.Code != errs.Invalid || len(e.Details) != 2 {
		t.Fatalf("bad input: %#v", err)
	}
	s.Clock.Advance(time.Minute)
	for _, to := range []assets.State{assets.Confirmed, assets.Contained} {
		if _, err := a.MoveAsset(ctx, alice, inc.Ref, assets.KindHost, "web-1", assets.MoveInput{To: string(to), How: "EDR isolation"}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = a.MoveAsset(ctx, alice, inc.Ref, assets.KindHost, "web-1", assets.MoveInput{To: "contained", How: "again"})
	wantCode(t, err, errs.Conflict)
	_, err = a.MoveAsset(ctx, alice, inc.Ref, assets.KindHost, "web-1", assets.MoveInput{To: "restored"})
	wantCode(t, err, errs.Invalid) // how is required
	_, err = a.MoveAsset(ctx, alice, inc.Ref, assets.KindHost, "web-1", assets.MoveInput{To: "restored", How: "rebuilt", Task: "nope"})
	wantCode(t, err, errs.Invalid)
	_, err = a.MoveAsset(ctx, alice, inc.Ref, assets.KindHost, "web-2", assets.MoveInput{To: "restored", How: "rebuilt"})
	wantCode(t, err, errs.NotFound)
	if _, err := a.UpdateAsset(ctx, alice, inc.Ref, assets.KindHost, "web-1", assets.AssetUpdate{Criticality: new(assets.CriticalityCritical)}); err != nil {
		t.Fatal(err)
	}
	// The same values again record nothing.
	if _, err := a.UpdateAsset(ctx, alice, inc.Ref, assets.KindHost, "web-1", assets.AssetUpdate{Criticality: new(assets.CriticalityCritical)}); err != nil {
		t.Fatal(err)
	}
	_, r, err := a.Records(ctx, alice, inc.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Assets) != 1 {
		t.Fatalf("records %+v", r)
	}
	w := r.Assets[0]
	if w.State != assets.Contained || w.Owner != "platform" || w.Criticality != assets.CriticalityCritical || len(w.Moves) != 3 ||
		w.Moves[2].How != "EDR isolation" || w.Moves[2].From != "confirmed" || w.Moves[2].By != "alice" {
		t.Fatalf("asset %+v", w)
	}
	want := []string{incident.EvDeclared, assets.EvAssetAdded, assets.EvAssetMoved, assets.EvAssetMoved, assets.EvAssetUpdated}
	if got := eventTypes(t, s, inc.ID); !reflect.DeepEqual(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	evs, err := s.DB.Events(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if line, ok := assets.DescribeEvent(evs[3]); !ok || line != "asset host web-1 moved from confirmed to contained: EDR isolation" {
		t.Fatalf("described %q", line)
	}
	// The incident's fields do not change; its version does.
	after, err := s.Incidents.Get(ctx, alice, inc.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != 5 || after.State != inc.State {
		t.Fatalf("incident %d %s", after.Version, after.State)
	}
}

func testInventory(t *testing.T, s *Setup, a *assets.Service) {
	one := declare(t, s, incident.DeclareInput{Title: "Phish"})
	secret := declare(t, s, incident.DeclareInput{Title: "Insider", Restricted: true})
	for _, ref := range []string{one.Ref, secret.Ref} {
		if _, err := a.AddAsset(ctx, alice, ref, assets.AssetInput{Kind: assets.KindAccount, Identifier: "ceo@example.com", State: assets.Confirmed}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.AddAsset(ctx, alice, secret.Ref, assets.AssetInput{Kind: assets.KindDatabase, Identifier: "hr-db", Owner: "people"}); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.ImportAssets(ctx, []assets.Asset{{Kind: assets.KindHost, Identifier: "spare-1", Owner: "ops", Criticality: assets.CriticalityLow, UpdatedAt: s.Clock.Now()}}); err != nil {
		t.Fatal(err)
	}
	bob := incident.Viewer{User: "bob"}
	list := func(f assets.InventoryFilter) []string {
		t.Helper()
		as, err := a.Inventory(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range as {
			out = append(out, x.Key())
		}
		return out
	}
	// An import keeps what its empty cells do not say.
	n, err := a.ImportInventory(ctx, strings.NewReader("kind,identifier,owner,criticality\ndatabase,hr-db,,critical\nhost,spare-2,ops,\n"))
	if err != nil || n != 2 {
		t.Fatalf("import: %d %v", n, err)
	}
	if got, err := a.InventoryAsset(ctx, alice, assets.KindDatabase, "hr-db"); err != nil || got.Owner != "people" || got.Criticality != assets.CriticalityCritical {
		t.Fatalf("hr-db after the import: %+v %v", got.Asset, err)
	}
	if got := list(assets.InventoryFilter{Viewer: bob}); !reflect.DeepEqual(got, []string{"account:ceo@example.com", "host:spare-1", "host:spare-2"}) {
		t.Fatalf("bob's inventory %v", got)
	}
	if got := list(assets.InventoryFilter{Viewer: alice}); len(got) != 4 {
		t.Fatalf("alice's inventory %v", got)
	}
	if got := list(assets.InventoryFilter{Viewer: alice, Kind: assets.KindDatabase}); !reflect.DeepEqual(got, []string{"database:hr-db"}) {
		t.Fatalf("by kind %v", got)
	}
	if got := list(assets.InventoryFilter{Viewer: alice, Text: "PEOPLE"}); !reflect.DeepEqual(got, []string{"database:hr-db"}) {
		t.Fatalf("by owner %v", got)
	}
	if _, err := a.InventoryAsset(ctx, bob, assets.KindDatabase, "hr-db"); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("bob sees the asset of a restricted incident: %v", err)
	}
	ia, err := a.InventoryAsset(ctx, bob, assets.KindAccount, "ceo@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(ia.Incidents) != 1 || ia.Incidents[0].IncidentRef != one.Ref || ia.Incidents[0].State != assets.Confirmed {
		t.Fatalf("bob's view %+v", ia)
	}
	ia, err = a.InventoryAsset(ctx, alice, assets.KindAccount, "ceo@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{ia.Incidents[0].IncidentRef, ia.Incidents[1].IncidentRef}; !reflect.DeepEqual(got, []string{secret.Ref, one.Ref}) {
		t.Fatalf("alice's view, newest first: %v", got)
	}
	// An owner set in one incident is the inventory's, seen from the other.
	if _, err := a.UpdateAsset(ctx, alice, one.Ref, assets.KindAccount, "ceo@example.com", assets.AssetUpdate{Owner: new("exec-office")}); err != nil {
		t.Fatal(err)
	}
	_, r, err := a.Records(ctx, alice, secret.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if r.Assets[0].Owner != "exec-office" {
		t.Fatalf("owner %q", r.Assets[0].Owner)
	}
	if _, _, err := a.Records(ctx, bob, secret.Ref); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("bob reads a restricted incident's records: %v", err)
	}
}

// toContained walks an incident to contained with a root cause, ready to
// eradicate.
func toContained(t *testing.T, s *Setup, title string) incident.Incident {
	t.Helper()
	inc := declare(t, s, incident.DeclareInput{Title: title, Severity: "SEV3"})
	c := cmd(inc.Ref)
	var err error
	if _, err = s.Incidents.Assign(ctx, c, incident.IRLead, "alice"); err == nil {
		if _, err = s.Incidents.Transition(ctx, c, incident.Active, ""); err == nil {
			if _, err = s.Incidents.Transition(ctx, c, incident.Contained, ""); err == nil {
				_, err = s.Incidents.Update(ctx, c, incident.UpdateInput{RootCause: new("stolen key")})
			}
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

// wantBlocked checks that err is a rule refusal naming exactly fields.
func wantBlocked(t *testing.T, err error, fields ...string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Rule {
		t.Fatalf("got %v, want a rule refusal", err)
	}
	var got []string
	for _, d := range e.Details {
		got = append(got, d.Field)
	}
	if !reflect.DeepEqual(got, fields) {
		t.Fatalf("refusal names %v, want %v (%v)", got, fields, err)
	}
}

func testCredentialGate(t *testing.T, s *Setup, a *assets.Service) {
	inc := toContained(t, s, "Key leak")
	c1, err := a.AddCredential(ctx, alice, inc.Ref, assets.CredentialInput{Kind: assets.CredCloudAccessKey, Name: "AKIA… of ci", WhereUsed: "aws prod", ExposedIn: "public repo"})
	if err != nil {
		t.Fatal(err)
	}
	c2, err := a.AddCredential(ctx, alice, inc.Ref, assets.CredentialInput{Kind: assets.CredPassword, Name: "admin password", State: assets.CredConfirmed})
	if err != nil {
		t.Fatal(err)
	}
	if c1.ID != "C1" || c2.ID != "C2" {
		t.Fatalf("ids %s %s", c1.ID, c2.ID)
	}
	_, err = s.Incidents.Transition(ctx, cmd(inc.Ref), incident.Eradicated, "")
	wantBlocked(t, err, "credentials.C2") // C1 is only suspected
	cur, err := s.Incidents.Get(ctx, alice, inc.Ref)
	if err != nil {
		t.Fatal(err)
	}
	moves, err := s.Incidents.Moves(ctx, alice, &cur)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(moves, func(m incident.Move) bool { return m.To == incident.Eradicated })
	if i < 0 || moves[i].Allowed || !strings.Contains(moves[i].Blocked, "revoke it") {
		t.Fatalf("moves %+v", moves)
	}
	if _, err := a.MoveCredential(ctx, alice, inc.Ref, "c2", assets.MoveInput{To: "revoked", How: "disabled in IdP"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Incidents.Transition(ctx, cmd(inc.Ref), incident.Eradicated, ""); err != nil {
		t.Fatal(err)
	}
	_, r, err := a.Records(ctx, alice, inc.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if r.Credentials[1].State != assets.CredRevoked || r.Credentials[1].Moves[1].How != "disabled in IdP" {
		t.Fatalf("credential %+v", r.Credentials[1])
	}
}

func testAssetGate(t *testing.T, s *Setup, a *assets.Service) {
	inc := toContained(t, s, "Worm")
	add := func(k assets.Kind, id string, st assets.State) {
		t.Helper()
		if _, err := a.AddAsset(ctx, alice, inc.Ref, assets.AssetInput{Kind: k, Identifier: id, State: st}); err != nil {
			t.Fatal(err)
		}
	}
	add(assets.KindHost, "web-1", assets.Contained)
	add(assets.KindHost, "web-2", assets.Suspected)
	add(assets.KindDatabase, "orders", assets.Confirmed)
	add(assets.KindDevice, "laptop-7", assets.Eradicated)
	if _, err := s.Incidents.Transition(ctx, cmd(inc.Ref), incident.Eradicated, ""); err != nil {
		t.Fatal(err) // assets do not gate eradication
	}
	_, err := s.Incidents.Transition(ctx, cmd(inc.Ref), incident.Recovered, "")
	wantBlocked(t, err, "assets.web-1", "assets.orders", "assets.laptop-7")
	if _, err := a.MoveAsset(ctx, alice, inc.Ref, assets.KindHost, "web-1", assets.MoveInput{To: "restored", How: "rebuilt from image"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.MoveAsset(ctx, alice, inc.Ref, assets.KindDatabase, "orders", assets.MoveInput{To: "not_affected", How: "audit logs clean"}); err != nil {
		t.Fatal(err)
	}
	_, err = a.UpdateAsset(ctx, alice, inc.Ref, assets.KindDevice, "laptop-7", assets.AssetUpdate{Accepted: new(true)})
	wantCode(t, err, errs.Invalid) // accepting needs a reason
	if _, err := a.UpdateAsset(ctx, alice, inc.Ref, assets.KindDevice, "laptop-7", assets.AssetUpdate{Accepted: new(true), AcceptedReason: "decommissioned"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Incidents.Transition(ctx, cmd(inc.Ref), incident.Recovered, ""); err != nil {
		t.Fatal(err)
	}
}

func testFixes(t *testing.T, s *Setup, a *assets.Service) {
	inc := declare(t, s, incident.DeclareInput{Title: "Exploit"})
	if _, err := a.AddAsset(ctx, alice, inc.Ref, assets.AssetInput{Kind: assets.KindApplication, Identifier: "portal"}); err != nil {
		t.Fatal(err)
	}
	_, err := a.AddFix(ctx, alice, inc.Ref, assets.FixInput{Vulnerability: "cve-2024-3094", Kind: assets.FixPatch, Description: "upgrade xz", Assets: []string{"host:nope"}})
	wantCode(t, err, errs.Invalid)
	_, err = a.AddFix(ctx, alice, inc.Ref, assets.FixInput{Vulnerability: "CVE-24-1", Kind: assets.FixPatch, Description: "x"})
	wantCode(t, err, errs.Invalid)
	f, err := a.AddFix(ctx, alice, inc.Ref, assets.FixInput{Vulnerability: "cve-2024-3094", Kind: assets.FixPatch, Description: "upgrade xz", Assets: []string{"application:portal"}})
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != "F1" || f.Vulnerability != "CVE-2024-3094" {
		t.Fatalf("fix %+v", f)
	}
	applied := s.Clock.Now().Add(-time.Hour)
	in := assets.FixInput{Vulnerability: f.Vulnerability, Kind: f.Kind, Description: f.Description, Assets: f.Assets, AppliedAt: &applied, AppliedBy: "bob"}
	if _, err := a.UpdateFix(ctx, alice, inc.Ref, "f1", in); err != nil {
		t.Fatal(err)
	}
	if _, err := a.UpdateFix(ctx, alice, inc.Ref, "F1", in); err != nil { // unchanged: nothing recorded
		t.Fatal(err)
	}
	want := []string{incident.EvDeclared, assets.EvAssetAdded, assets.EvFixAdded, assets.EvFixUpdated}
	if got := eventTypes(t, s, inc.ID); !reflect.DeepEqual(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	evs, err := s.DB.Events(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if line, _ := assets.DescribeEvent(evs[3]); line != "fix F1 for CVE-2024-3094 updated (applied_at, applied_by)" {
		t.Fatalf("described %q", line)
	}
	_, r, err := a.Records(ctx, alice, inc.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Fixes) != 1 || r.Fixes[0].AppliedBy != "bob" || !r.Fixes[0].AppliedAt.Equal(applied) {
		t.Fatalf("fixes %+v", r.Fixes)
	}
}
