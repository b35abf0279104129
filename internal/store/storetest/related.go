package storetest

import (
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
)

// RunRelated checks the related-incidents query: earlier incidents
// sharing the type, an asset or an indicator, newest first, with what
// each shares once per thing, restricted ones only for those who may see
// them, later and merged ones never.
func RunRelated(t *testing.T, b Backend) {
	t.Run("Related", func(t *testing.T) { t.Parallel(); testRelated(t, NewSetup(t, b)) })
}

func testRelated(t *testing.T, s *Setup) {
	am := assets.New(assets.Deps{Store: s.DB, Incidents: s.Incidents, Now: s.Clock.Now})
	iocs := indicators.New(indicators.Deps{Store: s.DB, Incidents: s.Incidents, Now: s.Clock.Now, NewID: IDs("ioc")})
	host := func(ref, id string) {
		t.Helper()
		if _, err := am.AddAsset(ctx, alice, ref, assets.AssetInput{Kind: assets.KindHost, Identifier: id}); err != nil {
			t.Fatal(err)
		}
	}
	ip := func(ref, v string) {
		t.Helper()
		if _, err := iocs.Add(ctx, alice, ref, indicators.Input{Type: indicators.IPv4, Value: v}); err != nil {
			t.Fatal(err)
		}
	}
	secret := declare(t, s, incident.DeclareInput{Title: "secret", Restricted: true}) // alice declared it
	host(secret.Ref, "web-1")
	typed := declare(t, s, incident.DeclareInput{Title: "typed", Type: "security.phishing"})
	both := declare(t, s, incident.DeclareInput{Title: "both"})
	host(both.Ref, "web-1")
	ip(both.Ref, "203.0.113.7")
	dup := declare(t, s, incident.DeclareInput{Title: "dup", Type: "security.phishing"})
	if _, err := s.Incidents.Merge(ctx, cmd(dup.Ref), typed.Ref, "same"); err != nil {
		t.Fatal(err)
	}
	cur := declare(t, s, incident.DeclareInput{Title: "now", Type: "security.phishing"})
	host(cur.Ref, "web-1")
	ip(cur.Ref, "203.0.113.7")
	later := declare(t, s, incident.DeclareInput{Title: "later", Type: "security.phishing"})
	host(later.Ref, "web-1")
	cur, _ = s.DB.Get(ctx, cur.Ref)

	got := func(v incident.Viewer) string {
		t.Helper()
		ms, err := s.DB.RelatedIncidents(ctx, v, cur, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			line := m.Incident.Ref
			for _, sh := range m.Shares {
				line += " " + sh.By + ":" + sh.Value
			}
			out = append(out, line)
		}
		return strings.Join(out, " | ")
	}
	bothLine := both.Ref + " indicator:203.0.113.7 asset:web-1"
	if g, w := got(alice), strings.Join([]string{bothLine, typed.Ref + " type:security.phishing", secret.Ref + " asset:web-1"}, " | "); g != w {
		t.Errorf("alice: %q, want %q", g, w)
	}
	if g, w := got(incident.Viewer{User: "carol"}), strings.Join([]string{bothLine, typed.Ref + " type:security.phishing"}, " | "); g != w {
		t.Errorf("carol: %q, want %q", g, w)
	}
	ms, err := s.DB.RelatedIncidents(ctx, alice, cur, 1)
	if err != nil || len(ms) != 1 || ms[0].Incident.Ref != both.Ref {
		t.Errorf("limit 1: %+v %v", ms, err)
	}
}
