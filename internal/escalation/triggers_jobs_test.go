package escalation_test

import (
	"encoding/json"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

func ev(t *testing.T, typ string, data any) incident.Event {
	t.Helper()
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return incident.Event{Type: typ, Data: b}
}

// A job is written when an event can change who is paged (open, severity,
// commander), and only then.
func TestIncidentJobs(t *testing.T) {
	inc := incident.Incident{ID: "i1"}
	for _, tc := range []struct {
		name   string
		events []incident.Event
		want   bool
	}{
		{"declared", []incident.Event{ev(t, incident.EvDeclared, incident.DeclaredData{})}, true},
		{"severity", []incident.Event{ev(t, incident.EvSeverityChanged, incident.SeverityData{From: "SEV3", To: "SEV1"})}, true},
		{"commander assigned", []incident.Event{ev(t, incident.EvRoleAssigned, incident.RoleData{Role: incident.IncidentCommander, User: "bob"})}, true},
		{"commander unassigned", []incident.Event{ev(t, incident.EvRoleUnassigned, incident.RoleData{Role: incident.IncidentCommander, User: "bob"})}, true},
		{"IR lead assigned", []incident.Event{ev(t, incident.EvRoleAssigned, incident.RoleData{Role: incident.IRLead, User: "bob"})}, false},
		{"triage to active", []incident.Event{ev(t, incident.EvTransitioned, incident.TransitionData{From: incident.Triage, To: incident.Active})}, false},
		{"closed", []incident.Event{ev(t, incident.EvTransitioned, incident.TransitionData{From: incident.Recovered, To: incident.Closed})}, true},
		{"reopened", []incident.Event{ev(t, incident.EvTransitioned, incident.TransitionData{From: incident.Closed, To: incident.Active})}, true},
		{"a lead, then closed", []incident.Event{
			ev(t, incident.EvRoleAssigned, incident.RoleData{Role: incident.Scribe, User: "bob"}),
			ev(t, incident.EvTransitioned, incident.TransitionData{From: incident.Active, To: incident.Dismissed}),
		}, true},
		{"a note", []incident.Event{ev(t, incident.EvEntryAdded, map[string]string{"text": "x"})}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			jobs := escalation.IncidentJobs(inc, tc.events)
			if got := len(jobs) == 1 && jobs[0].Kind == escalation.JobIncidentChanged; got != tc.want || len(jobs) > 1 {
				t.Errorf("jobs = %+v, want one: %v", jobs, tc.want)
			}
		})
	}
}
