package app_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/config"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestOrganisationCatalog: an organisation's own contractual duty, from a
// catalog file merged over the built-in one, is dated like the laws are.
func TestOrganisationCatalog(t *testing.T) {
	c, err := config.ParseCatalog([]byte(`obligations:
  - id: contract-acme-breach
    region: GLOBAL
    regulation: "MSA with Acme Corp, §12.3"
    status: contractual
    recipient: Acme Corp security team
    applies_when: {personal_data: true}
    phases:
      - {name: notification, anchor: determined, deadline: PT24H, deadline_kind: calendar_hours}
    sources: ["MSA §12.3"]
    verified: true
`))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get("eu-gdpr-art33-supervisory-authority"); !ok {
		t.Fatal("the organisation's catalog replaced the built-in one instead of adding to it")
	}
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: filepath.Join(t.TempDir(), "f.db"), Now: clock.Now, Catalog: c})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	admin := incident.Viewer{User: "admin", SeeAll: true}
	inc, err := a.Services.Incidents.Declare(ctx, "admin", incident.DeclareInput{Title: "Acme export leaked", Severity: "SEV2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Services.Duties.PutFacts(ctx, admin, inc.Ref, duties.FactsInput{PersonalData: true,
		Anchors: map[string]string{"determined": "2026-11-27T08:00:00Z"}}, nil); err != nil {
		t.Fatal(err)
	}
	items, err := a.Services.Duties.Items(ctx, admin, inc.Ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.ObligationID == "contract-acme-breach" {
			if it.DueAt == nil || !it.DueAt.Equal(time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)) || it.LegalStatus != "contractual" {
				t.Fatalf("Acme duty: %+v", it)
			}
			return
		}
	}
	t.Fatalf("no Acme duty among %d items", len(items))
}
