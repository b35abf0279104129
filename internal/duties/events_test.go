package duties

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// TestDutyEventsFoldAndDescribe: the incident's fold takes duty events
// without changing its state, and DescribeEvent reads them.
func TestDutyEventsFoldAndDescribe(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	p := incident.DefaultPolicy()
	changes, err := p.Declare(incident.DeclareInput{Title: "Leak", Source: incident.SourceInternal}, "id-1", 1, t0)
	if err != nil {
		t.Fatal(err)
	}
	inc, _, err := incident.Record(incident.Incident{}, changes, "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	next, events, err := incident.Record(inc, []incident.Change{
		{Type: incident.EvFactsUpdated, Data: FactsUpdatedData{Version: 1, Changes: []FactChange{
			{Field: "anchors.aware", To: "2026-11-27T09:00:00Z"},
			{Field: "personal_data", From: "false", To: "true"},
			{Field: "affected_by_jurisdiction.US-CA", To: "600"},
			{Field: "notes", From: `"x"`},
		}}},
		{Type: incident.EvObligationSubmitted, Data: ObligationData{ObligationID: "eu-nis2-art23-significant-incident", Phase: "early_warning", At: t0, Notice: "n-1"}, OccurredAt: &t0},
		{Type: incident.EvObligationWaived, Data: ObligationData{ObligationID: "eu-gdpr-art33-supervisory-authority", Phase: "initial_notification", At: t0, Reason: "unlikely to result in a risk"}},
		{Type: incident.EvObligationSubmitted, Data: ObligationData{ObligationID: "eu-nis2-art23-significant-incident", Phase: "incident_notification", At: t0,
			Recipient: "BSI", Channel: "regulator_portal", Reference: "BSI-2026-0042"}},
	}, "alice", t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if next.Version != 5 || next.Title != "Leak" || next.State != incident.Triage {
		t.Fatalf("the state changed beyond its version: %+v", next)
	}
	want := []string{
		"facts: set aware to 2026-11-27T09:00:00Z; changed personal data from false to true; set affected in US-CA to 600; cleared notes",
		"eu-nis2-art23-significant-incident early_warning recorded as submitted at 2026-11-27T09:00:00Z (notice n-1)",
		"eu-gdpr-art33-supervisory-authority initial_notification waived: unlikely to result in a risk",
		"eu-nis2-art23-significant-incident incident_notification recorded as submitted at 2026-11-27T09:00:00Z to BSI by regulator portal, reference BSI-2026-0042",
	}
	for i, e := range events {
		if got := incident.Describe(e, DescribeEvent); got != want[i] {
			t.Errorf("event %d: %q, want %q", i, got, want[i])
		}
	}
}

// TestDutyPayloadsEncodeAsBefore pins the JSON of the duty payloads, which
// the event hash chain covers: they moved here from package incident and
// must encode byte for byte as they did there.
func TestDutyPayloadsEncodeAsBefore(t *testing.T) {
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    any
		want string
	}{
		{FactsUpdatedData{Version: 2, Changes: []FactChange{{Field: "anchors.aware", To: "x"}, {Field: "notes", From: "a"}}},
			`{"version":2,"changes":[{"field":"anchors.aware","to":"x"},{"field":"notes","from":"a"}]}`},
		{ObligationData{ObligationID: "o", Phase: "p", At: at},
			`{"obligation_id":"o","phase":"p","at":"2026-11-27T09:00:00Z"}`},
		{ObligationData{ObligationID: "o", Phase: "p", At: at, Reason: "r", Notice: "n", Recipient: "BSI", Channel: "regulator_portal", Reference: "R-1"},
			`{"obligation_id":"o","phase":"p","at":"2026-11-27T09:00:00Z","reason":"r","notice":"n","recipient":"BSI","channel":"regulator_portal","reference":"R-1"}`},
	} {
		b, err := json.Marshal(tc.v)
		if err != nil || string(b) != tc.want {
			t.Errorf("%T encodes as %s (err %v), want %s", tc.v, b, err, tc.want)
		}
	}
}
