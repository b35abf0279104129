package audit_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/audit"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestVerifyChecksRecords: assets, credentials, fixes and indicators as
// the services write them verify on both backends; a row changed, removed
// or added behind Firebreak's back, or an event's payload changed, is
// named by its incident and item.
func TestVerifyChecksRecords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type built struct {
		s   *storetest.Setup
		inc incident.Incident
		ip  indicators.Indicator // 198.51.100.7, blocked
	}
	build := func(t *testing.T, b storetest.Backend) built {
		t.Helper()
		s := storetest.NewSetup(t, b)
		as := assets.New(assets.Deps{Store: s.DB, Incidents: s.Incidents, Now: s.Clock.Now})
		is := indicators.New(indicators.Deps{Store: s.DB, Incidents: s.Incidents, Now: s.Clock.Now, NewID: storetest.IDs("ioc")})
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		inc, err := s.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Web shell on web-1", Source: incident.SourceInternal})
		must(err)
		alice := incident.Viewer{User: "alice"}
		step := func() { s.Clock.Advance(time.Minute + 1234*time.Nanosecond) } // nanoseconds no store keeps
		_, err = as.AddAsset(ctx, alice, inc.Ref, assets.AssetInput{Kind: assets.KindHost, Identifier: "web-1", Owner: "platform", Criticality: assets.CriticalityHigh})
		must(err)
		for _, to := range []assets.State{assets.Confirmed, assets.Contained} {
			step()
			_, err = as.MoveAsset(ctx, alice, inc.Ref, assets.KindHost, "web-1", assets.MoveInput{To: string(to), How: "EDR said so"})
			must(err)
		}
		note := "isolated at the switch"
		_, err = as.UpdateAsset(ctx, alice, inc.Ref, assets.KindHost, "web-1", assets.AssetUpdate{Note: &note})
		must(err)
		_, err = as.AddAsset(ctx, alice, inc.Ref, assets.AssetInput{Kind: assets.KindDatabase, Identifier: "orders"})
		must(err)
		step()
		exposed := s.Clock.Now().Add(-time.Hour)
		_, err = as.AddCredential(ctx, alice, inc.Ref, assets.CredentialInput{Kind: assets.CredSSHKey, Name: "deploy key", ExposedIn: "web root", ExposedAt: &exposed})
		must(err)
		_, err = as.MoveCredential(ctx, alice, inc.Ref, "C1", assets.MoveInput{To: string(assets.CredRevoked), How: "removed from authorized_keys"})
		must(err)
		step()
		fix := assets.FixInput{Vulnerability: "CVE-2026-1234", Assets: []string{"host:web-1"}, Kind: assets.FixPatch, Description: "upgrade the upload plugin"}
		_, err = as.AddFix(ctx, alice, inc.Ref, fix)
		must(err)
		step()
		applied := s.Clock.Now()
		fix.AppliedAt, fix.AppliedBy = &applied, "bob"
		_, err = as.UpdateFix(ctx, alice, inc.Ref, "F1", fix)
		must(err)
		step()
		added, err := is.Paste(ctx, alice, inc.Ref, "beacon to hxxp://evil[.]example/gate.php and 198.51.100.7", indicators.Input{Source: "EDR"})
		must(err)
		first := s.Clock.Now().Add(-2 * time.Hour)
		_, err = is.Add(ctx, alice, inc.Ref, indicators.Input{Type: indicators.SHA256, Value: strings.Repeat("ab", 32), Notes: "the web shell", FirstSeen: &first})
		must(err)
		var ip indicators.Indicator
		for _, a := range added.Added {
			if a.Value == "198.51.100.7" {
				ip = a
			}
		}
		step()
		blocked, notes := indicators.Blocked, "blocked at the edge"
		ip, err = is.Update(ctx, alice, inc.Ref, ip.ID, indicators.Patch{State: &blocked, Notes: &notes})
		must(err)
		return built{s: s, inc: inc, ip: ip}
	}
	verify := func(t *testing.T, b built, b2 storetest.Backend, forge []string) audit.Report {
		t.Helper()
		driver := "sqlite"
		if b2.Name == "postgres" {
			driver = "pgx"
		}
		raw, err := sql.Open(driver, b.s.DSN)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range forge {
			if _, err := raw.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := raw.Close(); err != nil {
			t.Fatal(err)
		}
		rep, err := audit.Verify(ctx, b.s.DB)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	cases := []struct {
		name  string
		forge []string
		want  func(b built) []string
	}{
		{"an asset's state column changed", []string{`UPDATE incident_assets SET state = 'restored' WHERE identifier = 'web-1'`},
			func(b built) []string {
				return []string{b.inc.Ref + ": asset host web-1 column state is restored but the events say contained"}
			}},
		{"an asset's state changed, column and document", []string{`UPDATE incident_assets SET state = 'restored', doc = replace(doc, '"state":"contained"', '"state":"restored"') WHERE identifier = 'web-1'`},
			func(b built) []string {
				return []string{b.inc.Ref + ": asset host web-1 state is restored but the events say contained",
					b.inc.Ref + ": asset host web-1 column state is restored but the events say contained"}
			}},
		{"an asset's move rewritten", []string{`UPDATE incident_assets SET doc = replace(doc, 'EDR said so', 'the owner said so') WHERE identifier = 'web-1'`},
			func(b built) []string {
				return []string{b.inc.Ref + ": asset host web-1 moves is "}
			}},
		{"an asset row removed", []string{`DELETE FROM incident_assets WHERE identifier = 'orders'`},
			func(b built) []string {
				return []string{b.inc.Ref + ": asset database orders is missing from incident_assets: the events add it"}
			}},
		{"an asset row added", []string{
			`INSERT INTO assets (kind, identifier, owner, criticality, updated_at) SELECT kind, 'web-2', owner, criticality, updated_at FROM assets WHERE identifier = 'web-1'`,
			`INSERT INTO incident_assets (incident_id, kind, identifier, state, accepted, seq, added_at, updated_at, doc)
				SELECT incident_id, kind, 'web-2', state, accepted, seq, added_at, updated_at, replace(doc, 'web-1', 'web-2') FROM incident_assets WHERE identifier = 'web-1'`},
			func(b built) []string {
				return []string{b.inc.Ref + ": asset host web-2 has a row but no asset.added event"}
			}},
		{"a credential's state changed", []string{`UPDATE incident_credentials SET state = 'verified_unused', doc = replace(doc, '"state":"revoked"', '"state":"verified_unused"')`},
			func(b built) []string {
				return []string{b.inc.Ref + ": credential C1 state is verified_unused but the events say revoked",
					b.inc.Ref + ": credential C1 column state is verified_unused but the events say revoked"}
			}},
		{"a credential row removed", []string{`DELETE FROM incident_credentials`},
			func(b built) []string {
				return []string{b.inc.Ref + ": credential C1 (deploy key) is missing from incident_credentials"}
			}},
		{"a fix's description changed", []string{`UPDATE incident_fixes SET doc = replace(doc, 'upgrade the upload plugin', 'nothing to do')`},
			func(b built) []string {
				return []string{b.inc.Ref + ": fix F1 description is nothing to do but the events say upgrade the upload plugin"}
			}},
		{"a fix row added", []string{`INSERT INTO incident_fixes (incident_id, id, seq, added_at, doc) SELECT incident_id, 'F2', seq, added_at, replace(doc, '"F1"', '"F2"') FROM incident_fixes`},
			func(b built) []string {
				return []string{b.inc.Ref + ": fix F2 (CVE-2026-1234) has a row but no fix.added event"}
			}},
		{"an indicator's state changed", []string{`UPDATE indicators SET state = 'false_positive' WHERE value = '198.51.100.7'`},
			func(b built) []string {
				return []string{b.inc.Ref + ": indicator ipv4 198.51.100.7 (" + b.ip.ID + ") state is false_positive but the events say blocked"}
			}},
		{"an indicator's notes changed", []string{`UPDATE indicators SET notes = '' WHERE type = 'sha256'`},
			func(b built) []string {
				return []string{b.inc.Ref + ": indicator sha256 " + strings.Repeat("ab", 32) + " (ioc-000003) notes is (unset) but the events say the web shell"}
			}},
		{"an indicator row removed", []string{`DELETE FROM indicators WHERE type = 'url'`},
			func(b built) []string {
				return []string{b.inc.Ref + ": indicator url http://evil.example/gate.php (ioc-000001) is missing from indicators: the events add it"}
			}},
		{"an indicator row added", []string{`INSERT INTO indicators (id, incident_id, type, value, tlp, state, source, confidence, notes, first_seen, last_seen, created_by, created_at, updated_at)
			SELECT 'ioc-forged', incident_id, type, '203.0.113.9', tlp, state, source, confidence, notes, first_seen, last_seen, created_by, created_at, updated_at FROM indicators WHERE value = '198.51.100.7'`},
			func(b built) []string {
				return []string{b.inc.Ref + ": indicator ipv4 203.0.113.9 (ioc-forged) has a row but no indicator.added event"}
			}},
		{"an indicator event's payload changed", []string{`UPDATE events SET data = replace(data, '"to":"blocked"', '"to":"expired"') WHERE type = 'indicator.updated'`},
			func(b built) []string {
				return []string{b.inc.Ref + " seq 13: content does not match its hash",
					b.inc.Ref + ": indicator ipv4 198.51.100.7 (" + b.ip.ID + ") state is blocked but the events say expired"}
			}},
		{"an asset event's payload changed", []string{`UPDATE events SET data = replace(data, '"to":"contained"', '"to":"eradicated"') WHERE type = 'asset.moved'`},
			func(b built) []string {
				return []string{b.inc.Ref + ": asset host web-1 state is contained but the events say eradicated"}
			}},
	}
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			t.Run("untouched", func(t *testing.T) {
				t.Parallel()
				if rep := verify(t, build(t, b), b, nil); !rep.OK() {
					t.Fatalf("the untouched record does not verify: %v", rep.Problems)
				}
			})
			for _, tt := range cases {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					bb := build(t, b)
					rep := verify(t, bb, b, tt.forge)
					if rep.OK() {
						t.Fatal("verify found nothing")
					}
					expect(t, tt.name, rep, tt.want(bb))
				})
			}
		})
	}
}
