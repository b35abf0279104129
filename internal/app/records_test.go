package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/audit"
	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// A timeline entry references records of every kind on both backends: the
// references are checked against the incident's rows, stored canonical on
// the hash-chained entry, and the chain still verifies.
func TestEntryRefsOnBothBackends(t *testing.T) {
	t.Parallel()
	for _, b := range []struct {
		name string
		dsn  func(testing.TB) string
	}{{"sqlite", storetest.SQLiteDSN}, {"postgres", storetest.PostgresDSN}} {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clock := storetest.NewClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
			a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: b.dsn(t), Version: "test", Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Stop(context.Background()) })
			svc := a.Services
			inc, err := svc.Incidents.Declare(ctx, "admin", incident.DeclareInput{Title: "Web shell", Source: incident.SourceInternal})
			if err != nil {
				t.Fatal(err)
			}
			v := incident.Viewer{User: "admin", SeeAll: true}
			if _, err := svc.Assets.AddAsset(ctx, v, inc.Ref, assets.AssetInput{Kind: assets.KindHost, Identifier: "web-1"}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Assets.AddCredential(ctx, v, inc.Ref, assets.CredentialInput{Kind: assets.CredPassword, Name: "svc-web"}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Assets.AddFix(ctx, v, inc.Ref, assets.FixInput{Vulnerability: "CVE-2024-3094", Kind: assets.FixPatch, Description: "xz 5.6.2"}); err != nil {
				t.Fatal(err)
			}
			ioc, err := svc.Indicators.Add(ctx, v, inc.Ref, indicators.Input{Type: indicators.Domain, Value: "Evil.Example"})
			if err != nil {
				t.Fatal(err)
			}
			size := int64(10)
			if _, err := svc.Evidence.AddExternal(ctx, v, inc.Ref, evidence.ExternalInput{Name: "dump", SHA256: strings.Repeat("a", 64), Size: &size, Location: "safe"}); err != nil {
				t.Fatal(err)
			}
			cmd := incident.Command{Actor: v, Ref: inc.Ref}
			e, err := svc.Incidents.AddEntryWith(ctx, cmd, incident.EntryInput{Kind: incident.KindDecision, Body: "contain",
				Refs: []string{"asset:host:web-1", "credential:C1", "fix:F1", "indicator:evil.example", "evidence:EV-1"}})
			if err != nil {
				t.Fatal(err)
			}
			want := "asset:host:web-1 credential:C1 fix:F1 indicator:" + ioc.ID + " evidence:EV-1"
			if got := strings.Join(incident.EntryRefsOf(e), " "); got != want {
				t.Fatalf("refs %q, want %q", got, want)
			}
			if _, err := svc.Incidents.AddEntryWith(ctx, cmd, incident.EntryInput{Kind: incident.KindNote, Body: "x", Refs: []string{"fix:F2"}}); err == nil ||
				!strings.Contains(err.Error(), `refs[0]: `+inc.Ref+` has no fix "F2"`) {
				t.Fatalf("unknown fix: %v", err)
			}
			_, events, err := svc.Incidents.Timeline(ctx, v, inc.Ref)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(incident.EntryRefsOf(events[len(events)-1]), " "); got != want {
				t.Fatalf("refs read back %q, want %q", got, want)
			}
			rep, err := audit.Verify(ctx, a.DB)
			if err != nil || !rep.OK() {
				t.Fatalf("audit: %+v %v", rep, err)
			}
		})
	}
}
