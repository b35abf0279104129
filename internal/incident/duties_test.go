package incident

import (
	"testing"
	"time"
)

func TestDutyEventsFoldAndDescribe(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	p := DefaultPolicy()
	changes, err := p.Declare(DeclareInput{Title: "Leak", Source: SourceInternal}, "id-1", 1, t0)
	if err != nil {
		t.Fatal(err)
	}
	inc, _, err := Record(Incident{}, changes, "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	next, events, err := Record(inc, []Change{
		{Type: EvFactsUpdated, Data: FactsUpdatedData{Version: 1, Changes: []FactChange{
			{Field: "anchors.aware", To: "2026-11-27T09:00:00Z"},
			{Field: "personal_data", From: "false", To: "true"},
			{Field: "affected_by_jurisdiction.US-CA", To: "600"},
			{Field: "notes", From: `"x"`},
		}}},
		{Type: EvObligationSubmitted, Data: ObligationData{ObligationID: "eu-nis2-art23-significant-incident", Phase: "early_warning", At: t0, Notice: "n-1"}, OccurredAt: &t0},
		{Type: EvObligationWaived, Data: ObligationData{ObligationID: "eu-gdpr-art33-supervisory-authority", Phase: "initial_notification", At: t0, Reason: "unlikely to result in a risk"}},
		{Type: EvObligationSubmitted, Data: ObligationData{ObligationID: "eu-nis2-art23-significant-incident", Phase: "incident_notification", At: t0,
			Recipient: "BSI", Channel: "regulator_portal", Reference: "BSI-2026-0042"}},
	}, "alice", t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if next.Version != 5 || next.Title != "Leak" || next.State != Triage {
		t.Fatalf("the state changed beyond its version: %+v", next)
	}
	want := []string{
		"facts: set aware to 2026-11-27T09:00:00Z; changed personal data from false to true; set affected in US-CA to 600; cleared notes",
		"eu-nis2-art23-significant-incident early_warning recorded as submitted at 2026-11-27T09:00:00Z (notice n-1)",
		"eu-gdpr-art33-supervisory-authority initial_notification waived: unlikely to result in a risk",
		"eu-nis2-art23-significant-incident incident_notification recorded as submitted at 2026-11-27T09:00:00Z to BSI by regulator portal, reference BSI-2026-0042",
	}
	for i, e := range events {
		if got := Describe(e); got != want[i] {
			t.Errorf("event %d: %q, want %q", i, got, want[i])
		}
	}
}
