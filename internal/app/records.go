package app

import (
	"context"
	"fmt"

	"github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
)

// recordStore is what recordRefs reads; *store.DB implements it.
type recordStore interface {
	IncidentRecords(ctx context.Context, incidentID string) (assets.Records, error)
	Indicators(ctx context.Context, incidentID string) ([]indicators.Indicator, error)
	EvidenceItems(ctx context.Context, incidentID string) ([]evidence.Item, error)
}

// recordRefs lists an incident's records for timeline entries to
// reference (incident.RecordLister). It lives in the wiring because it
// joins three record packages that the incident package may not import.
type recordRefs struct{ db recordStore }

func (r recordRefs) RecordRefs(ctx context.Context, inc incident.Incident) ([]incident.RecordRef, error) {
	rec, err := r.db.IncidentRecords(ctx, inc.ID)
	if err != nil {
		return nil, fmt.Errorf("assets of %s: %w", inc.Ref, err)
	}
	var out []incident.RecordRef
	for _, a := range rec.Assets {
		out = append(out, incident.RecordRef{Ref: "asset:" + a.Key(), Label: string(a.Kind) + " " + a.Identifier})
	}
	iocs, err := r.db.Indicators(ctx, inc.ID)
	if err != nil {
		return nil, fmt.Errorf("indicators of %s: %w", inc.Ref, err)
	}
	for _, i := range iocs {
		out = append(out, incident.RecordRef{Ref: "indicator:" + i.ID, Label: string(i.Type) + " " + i.Value,
			Aliases: []string{"indicator:" + i.Value, "indicator:" + string(i.Type) + ":" + i.Value}})
	}
	items, err := r.db.EvidenceItems(ctx, inc.ID)
	if err != nil {
		return nil, fmt.Errorf("evidence of %s: %w", inc.Ref, err)
	}
	for _, it := range items {
		out = append(out, incident.RecordRef{Ref: "evidence:" + it.ID, Label: it.ID + " " + it.Name})
	}
	for _, c := range rec.Credentials {
		out = append(out, incident.RecordRef{Ref: "credential:" + c.ID, Label: c.ID + " " + c.Name})
	}
	for _, f := range rec.Fixes {
		out = append(out, incident.RecordRef{Ref: "fix:" + f.ID, Label: f.ID + " " + f.Vulnerability})
	}
	return out, nil
}
