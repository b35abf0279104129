package duties_test

import (
	"encoding/json"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

func TestAssessmentJobs(t *testing.T) {
	t.Parallel()
	ev := func(seq int64, typ string, d any) incident.Event {
		b, _ := json.Marshal(d)
		return incident.Event{Seq: seq, Type: typ, Data: b}
	}
	inc := incident.Incident{ID: "i1"}
	tests := []struct {
		name   string
		events []incident.Event
		wantID string
	}{
		{"personal data", []incident.Event{ev(4, incident.EvAssessed, incident.AssessedData{PersonalData: true})}, "duties.assessed:i1:4"},
		{"data types alone", []incident.Event{ev(5, incident.EvAssessed, incident.AssessedData{DataTypes: []string{"credentials"}}), ev(6, incident.EvSeverityChanged, incident.SeverityData{})}, "duties.assessed:i1:5"},
		{"no data affected", []incident.Event{ev(4, incident.EvAssessed, incident.AssessedData{})}, ""},
		{"another event", []incident.Event{ev(4, incident.EvSeverityChanged, incident.SeverityData{})}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			jobs := duties.AssessmentJobs(inc, tc.events)
			switch {
			case tc.wantID == "" && len(jobs) != 0:
				t.Fatalf("jobs %+v, want none", jobs)
			case tc.wantID != "" && (len(jobs) != 1 || jobs[0].ID != tc.wantID || jobs[0].Kind != duties.JobAssessed):
				t.Fatalf("jobs %+v, want %s", jobs, tc.wantID)
			}
		})
	}
}
