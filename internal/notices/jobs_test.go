package notices_test

import (
	"encoding/json"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
)

// A job is written when an event can change the update cadence (open,
// severity, a merge), and only then.
func TestIncidentJobs(t *testing.T) {
	ev := func(typ string, data any) incident.Event {
		b, err := json.Marshal(data)
		if err != nil {
			t.Fatal(err)
		}
		return incident.Event{Type: typ, Data: b}
	}
	inc := incident.Incident{ID: "i1"}
	for _, tc := range []struct {
		name   string
		events []incident.Event
		want   bool
	}{
		{"declared", []incident.Event{ev(incident.EvDeclared, incident.DeclaredData{})}, true},
		{"severity", []incident.Event{ev(incident.EvSeverityChanged, incident.SeverityData{From: "SEV3", To: "SEV1"})}, true},
		{"merged", []incident.Event{ev(incident.EvMerged, map[string]string{})}, true},
		{"triage to active", []incident.Event{ev(incident.EvTransitioned, incident.TransitionData{From: incident.Triage, To: incident.Active})}, false},
		{"closed", []incident.Event{ev(incident.EvTransitioned, incident.TransitionData{From: incident.Recovered, To: incident.Closed})}, true},
		{"reopened", []incident.Event{ev(incident.EvTransitioned, incident.TransitionData{From: incident.Closed, To: incident.Active})}, true},
		{"a role", []incident.Event{ev(incident.EvRoleAssigned, incident.RoleData{Role: incident.CommsLead, User: "bob"})}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			jobs := notices.IncidentJobs(inc, tc.events)
			if got := len(jobs) == 1 && jobs[0].Kind == notices.JobUpdatesChanged; got != tc.want || len(jobs) > 1 {
				t.Errorf("jobs = %+v, want one: %v", jobs, tc.want)
			}
		})
	}
}
