package postmortem

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // a Monday

// stream builds an incident's events in order, seq from 1.
type stream []incident.Event

func (s *stream) add(typ, actor string, at time.Duration, data any) *incident.Event {
	b, err := json.Marshal(data)
	if err != nil {
		panic(err)
	}
	*s = append(*s, incident.Event{IncidentID: "i1", Seq: int64(len(*s) + 1), Type: typ, Actor: actor, RecordedAt: t0.Add(at), Data: b})
	return &(*s)[len(*s)-1]
}

func (s *stream) move(actor string, at time.Duration, from, to incident.State) {
	s.add(incident.EvTransitioned, actor, at, incident.TransitionData{From: from, To: to})
}

func at(d time.Duration) time.Time   { return t0.Add(d) }
func pat(d time.Duration) *time.Time { return ptr(t0.Add(d)) }
func dur(d time.Duration) *Duration  { return ptr(DurationOf(d)) }
func intp(n int) *int                { return &n }
func duty(id, phase string, a comms.Applicability, due *time.Time, r *comms.Record) comms.Item {
	return comms.Item{ObligationID: id, Phase: phase, Recipient: "regulator", Applicability: a, DueAt: due, Record: r, Status: comms.Pending}
}

// fullIncident is a response with every figure: a signal before the
// declaration, a reinfection (contained → active), a handover, pages,
// duties met, late, waived and open, records of each kind.
func fullIncident() (incident.Incident, []incident.Event, Records) {
	var s stream
	s.add(incident.EvDeclared, "alice", 0, incident.DeclaredData{ID: "i1", Number: 7, Title: "Phishing of finance"})
	s.add(incident.EvSignalLinked, SystemActor, time.Minute, incident.SignalData{GroupID: "g1", Source: "alertmanager", Summary: "odd logins", Alerts: 2, FirstSeen: at(-20 * time.Minute), How: "attached"})
	fired := s.add(incident.EvAlertFired, SystemActor, 90*time.Second, incident.AlertData{GroupID: "g1", Fingerprint: "f1", Summary: "odd login"})
	fired.OccurredAt = pat(-30 * time.Minute) // fired before its group was first seen by this incident's link
	s.add(incident.EvSeverityChanged, "alice", 2*time.Minute, incident.SeverityData{To: "SEV2"})
	s.add(incident.EvRoleAssigned, "alice", 3*time.Minute, incident.RoleData{Role: incident.IRLead, User: "alice"})
	s.move("alice", 10*time.Minute, incident.Triage, incident.Active)
	s.add(incident.EvRoleHandedOver, "alice", 20*time.Minute, incident.HandoverData{Role: incident.IRLead, From: "alice", To: "carol"})
	s.add(incident.EvEntryAdded, "bob", 30*time.Minute, incident.EntryData{Kind: incident.KindDecision, Body: "isolate the mail server"})
	s.add(incident.EvEntryAdded, "bob", 31*time.Minute, incident.EntryData{Kind: incident.KindNote, Body: "coffee"})
	s.move("carol", time.Hour, incident.Active, incident.Contained)
	s.move("carol", 90*time.Minute, incident.Contained, incident.Active)
	s.move("carol", 2*time.Hour, incident.Active, incident.Contained)
	s.move("carol", 3*time.Hour, incident.Contained, incident.Eradicated)
	s.move("carol", 5*time.Hour, incident.Eradicated, incident.Recovered)
	inc := incident.Incident{ID: "i1", Ref: "INC-7", Number: 7, Title: "Phishing of finance", Type: "security.phishing", Severity: "SEV2",
		State: incident.Recovered, DeclaredAt: t0, DetectedAt: at(-20 * time.Minute), DeclaredBy: "alice",
		Roles: []incident.Assignment{{Role: incident.IRLead, User: "carol"}, {Role: incident.Responder, User: "alice"}, {Role: incident.IncidentCommander, User: "bob"}},
		Tasks: []incident.Task{{Key: "a", State: incident.TaskDone}, {Key: "b", State: incident.TaskDone}, {Key: "c", State: incident.TaskSkipped}, {Key: "d", State: incident.TaskTodo}}}
	r := Records{
		Pages: []Page{{At: at(-25 * time.Minute), AckedAt: pat(-10 * time.Minute), AckedBy: "dave"}, {At: t0, AckedAt: pat(5 * time.Minute), AckedBy: "eve"}, {At: t0}},
		Duties: []comms.Item{
			duty("gdpr-art33", "initial", comms.Applies, pat(72*time.Hour), &comms.Record{Kind: comms.RecordSubmitted, At: at(80 * time.Hour)}),
			duty("nis2-art23", "early_warning", comms.Applies, pat(24*time.Hour), &comms.Record{Kind: comms.RecordSubmitted, At: at(20 * time.Hour)}),
			duty("contract-acme", "notice", comms.Applies, pat(48*time.Hour), &comms.Record{Kind: comms.RecordWaived, At: at(6 * time.Hour), Reason: "no Acme data"}),
			duty("hipaa-breach", "individuals", comms.Applies, nil, nil),
			duty("ccpa", "notice", comms.Possible, nil, nil),
		},
		Facts: comms.Facts{PersonalData: true, AffectedIndividuals: intp(1200), AffectedByJurisdiction: map[string]int{"EU": 400, "US-CA": 800},
			DataTypes: []string{"payment_card", "credentials"}},
		Assets: []Asset{{Kind: "host", Identifier: "web-1", State: "restored"}, {Kind: "host", Identifier: "db-1", State: "contained", Accepted: true},
			{Kind: "device", Identifier: "laptop", State: "suspected"}, {Kind: "host", Identifier: "x", State: "not_affected"}, {Kind: "host", Identifier: "y", State: "verified"}},
		Credentials: []Credential{{ID: "C1", State: "revoked"}, {ID: "C2", State: "confirmed"}, {ID: "C3", State: "rotated"}},
		Indicators:  map[string]int{"ipv4": 2, "domain": 1},
	}
	return inc, s, r
}

func TestCompute(t *testing.T) {
	t.Parallel()
	full, fullEvents, fullRecords := fullIncident()

	// declaredOnly: no signal, acknowledged after the declaration, still
	// in triage.
	var quiet stream
	quiet.add(incident.EvDeclared, "alice", 0, incident.DeclaredData{ID: "i2", Number: 8, Title: "Odd"})
	quietInc := incident.Incident{ID: "i2", Ref: "INC-8", State: incident.Triage, DeclaredAt: t0, DetectedAt: t0, Tasks: []incident.Task{}}

	// lateSignal: a signal attached after the declaration has no lag.
	var late stream
	late.add(incident.EvDeclared, "alice", 0, incident.DeclaredData{ID: "i3", Number: 9, Title: "Later"})
	late.add(incident.EvSignalLinked, SystemActor, time.Hour, incident.SignalData{GroupID: "g", FirstSeen: at(50 * time.Minute), How: "attached"})
	lateInc := incident.Incident{ID: "i3", Ref: "INC-9", State: incident.Triage, DeclaredAt: t0, DetectedAt: t0}

	cases := []struct {
		name   string
		inc    incident.Incident
		events []incident.Event
		r      Records
		want   Figures
	}{{
		name: "a whole response", inc: full, events: fullEvents, r: fullRecords,
		want: Figures{
			DeclaredAt: t0, DetectedAt: at(-20 * time.Minute),
			FirstSignalAt: pat(-30 * time.Minute), DetectionLag: dur(30 * time.Minute),
			AcknowledgedAt: pat(-10 * time.Minute), AcknowledgedBy: "dave", TimeToAck: dur(20 * time.Minute),
			Phases: []PhaseTime{
				{State: incident.Triage, Entered: t0, Duration: dur(10 * time.Minute), Times: 1},
				{State: incident.Active, Entered: at(10 * time.Minute), Duration: dur(50*time.Minute + 30*time.Minute), Times: 2},
				{State: incident.Contained, Entered: at(time.Hour), Duration: dur(30*time.Minute + time.Hour), Times: 2},
				{State: incident.Eradicated, Entered: at(3 * time.Hour), Duration: dur(2 * time.Hour), Times: 1},
				{State: incident.Recovered, Entered: at(5 * time.Hour), Times: 1},
			},
			RecoveredAt: pat(5 * time.Hour), TimeToRecover: dur(5 * time.Hour),
			People: []Person{
				{User: "alice", Roles: []incident.Role{incident.IRLead, incident.Responder}, Events: 5},
				{User: "bob", Roles: []incident.Role{incident.IncidentCommander}, Events: 2},
				{User: "carol", Roles: []incident.Role{incident.IRLead}, Events: 5},
			},
			AffectedIndividuals: intp(1200), AffectedByJurisdiction: map[string]int{"EU": 400, "US-CA": 800}, PersonalData: true,
			DataTypes: []string{"credentials", "payment_card"},
			Duties: []DutyFigure{
				{Obligation: "contract-acme", Phase: "notice", Recipient: "regulator", Due: pat(48 * time.Hour), Timeliness: DutyWaived, Reason: "no Acme data"},
				{Obligation: "gdpr-art33", Phase: "initial", Recipient: "regulator", Due: pat(72 * time.Hour), Done: pat(80 * time.Hour), Timeliness: DutyLate, LateBy: dur(8 * time.Hour)},
				{Obligation: "hipaa-breach", Phase: "individuals", Recipient: "regulator", Timeliness: DutyOpen},
				{Obligation: "nis2-art23", Phase: "early_warning", Recipient: "regulator", Due: pat(24 * time.Hour), Done: pat(20 * time.Hour), Timeliness: DutyOnTime},
			},
			DutiesMet: 1, DutiesLate: 1, DutiesWaived: 1, DutiesOpen: 1,
			AssetsAffected: 3, AssetsRestored: 2, AssetsAccepted: 1, Credentials: 3, CredentialsReset: 2,
			Indicators: map[string]int{"ipv4": 2, "domain": 1}, IndicatorsTotal: 3,
			TasksDone: 2, TasksSkipped: 1, TasksOpen: 1, Events: 14,
		},
	}, {
		name: "declared, no signal, acknowledged later", inc: quietInc, events: quiet,
		r: Records{Pages: []Page{{At: t0, AckedAt: pat(7 * time.Minute), AckedBy: "bob"}}},
		want: Figures{DeclaredAt: t0, DetectedAt: t0, AcknowledgedAt: pat(7 * time.Minute), AcknowledgedBy: "bob", TimeToAck: dur(7 * time.Minute),
			Phases: []PhaseTime{{State: incident.Triage, Entered: t0, Times: 1}},
			People: []Person{{User: "alice", Roles: []incident.Role{}, Events: 1}}, DataTypes: []string{}, Duties: []DutyFigure{}, Indicators: map[string]int{}, Events: 1},
	}, {
		name: "a signal attached after the declaration has no lag", inc: lateInc, events: late,
		want: Figures{DeclaredAt: t0, DetectedAt: t0, FirstSignalAt: pat(50 * time.Minute),
			Phases: []PhaseTime{{State: incident.Triage, Entered: t0, Times: 1}},
			People: []Person{{User: "alice", Roles: []incident.Role{}, Events: 1}}, DataTypes: []string{}, Duties: []DutyFigure{}, Indicators: map[string]int{}, Events: 2},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := Compute(c.inc, c.events, c.r)
			if !reflect.DeepEqual(got, c.want) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(c.want, "", " ")
				t.Fatalf("figures:\n%s\nwant:\n%s", g, w)
			}
		})
	}
}

func TestDurationString(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		d    time.Duration
		want string
	}{{40 * time.Second, "40s"}, {0, "0s"}, {12 * time.Minute, "12m"}, {2*time.Hour + 5*time.Minute + 30*time.Second, "2h 5m"},
		{3 * time.Hour, "3h"}, {74*time.Hour + time.Minute, "3d 2h 1m"}, {-90 * time.Minute, "-1h 30m"}} {
		if got := DurationOf(c.d).String(); got != c.want {
			t.Errorf("%v: %q, want %q", c.d, got, c.want)
		}
	}
	b, err := json.Marshal(DurationOf(90 * time.Minute))
	if err != nil || string(b) != `{"seconds":5400,"text":"1h 30m"}` {
		t.Fatalf("%s %v", b, err)
	}
}
