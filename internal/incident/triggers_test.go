package incident

import (
	"encoding/json"
	"testing"
)

func event(t *testing.T, typ string, data any) Event {
	t.Helper()
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return Event{Type: typ, Data: b}
}

func TestOpensOrCloses(t *testing.T) {
	for _, tc := range []struct {
		name string
		ev   Event
		want bool
	}{
		{"triage to active", event(t, EvTransitioned, TransitionData{From: Triage, To: Active}), false},
		{"active to closed", event(t, EvTransitioned, TransitionData{From: Active, To: Closed}), true},
		{"closed to active (reopened)", event(t, EvTransitioned, TransitionData{From: Closed, To: Active}), true},
		{"triage to dismissed", event(t, EvTransitioned, TransitionData{From: Triage, To: Dismissed}), true},
		{"active to merged", event(t, EvTransitioned, TransitionData{From: Active, To: Merged}), true},
		{"closed to dismissed", event(t, EvTransitioned, TransitionData{From: Closed, To: Dismissed}), false},
		{"unreadable data", Event{Type: EvTransitioned, Data: []byte(`{`)}, true},
		{"another event", event(t, EvSeverityChanged, SeverityData{To: "SEV1"}), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := OpensOrCloses(tc.ev); got != tc.want {
				t.Errorf("OpensOrCloses = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestChangesRole(t *testing.T) {
	for _, tc := range []struct {
		name string
		ev   Event
		want bool
	}{
		{"commander assigned", event(t, EvRoleAssigned, RoleData{Role: IncidentCommander, User: "ann"}), true},
		{"commander unassigned", event(t, EvRoleUnassigned, RoleData{Role: IncidentCommander, User: "ann"}), true},
		{"IR lead assigned", event(t, EvRoleAssigned, RoleData{Role: IRLead, User: "ann"}), false},
		{"scribe unassigned", event(t, EvRoleUnassigned, RoleData{Role: Scribe, User: "ann"}), false},
		{"unreadable data", Event{Type: EvRoleAssigned, Data: []byte(`[]`)}, true},
		{"another event", event(t, EvRoleHandedOver, HandoverData{}), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ChangesRole(tc.ev, IncidentCommander); got != tc.want {
				t.Errorf("ChangesRole = %v, want %v", got, tc.want)
			}
		})
	}
}
