package tasks

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

type oneIncident struct{ inc incident.Incident }

func (o oneIncident) Get(_ context.Context, _ incident.Viewer, ref string) (incident.Incident, error) {
	if ref != o.inc.ID {
		return incident.Incident{}, errs.E(errs.NotFound, "ref", "no %s", ref)
	}
	return o.inc, nil
}

type people map[string][]contacts.Contact

func (p people) VerifiedContacts(_ context.Context, user string) ([]contacts.Contact, error) {
	return p[user], nil
}

// sink keeps what would be written and sent.
type sink struct {
	written []outbox.Delivery
	sent    []string
}

func (s *sink) PlanNow(now time.Time, ds ...outbox.Delivery) outbox.Writes {
	return outbox.Plan(now, ds...)
}
func (s *sink) Write(_ context.Context, w outbox.Writes) error {
	s.written = append(s.written, w.Deliveries...)
	return nil
}
func (s *sink) SendNow(_ context.Context, ids ...string) []outbox.Result {
	s.sent = append(s.sent, ids...)
	return nil
}

type noDeliveries struct{}

func (noDeliveries) OutboxDelivery(context.Context, string) (outbox.Delivery, error) {
	return outbox.Delivery{}, errs.E(errs.NotFound, "id", "none")
}

// TestHandleRemind: whom a due reminder reaches, and when it finds
// nothing to do.
func TestHandleRemind(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	due := t0
	hook := func(id string) contacts.Contact {
		return contacts.Contact{ID: id, Kind: notify.KindWebhook, Target: notify.Target{Kind: notify.KindWebhook, Address: "https://hooks.example/" + id}}
	}
	reach := people{"bob": {hook("bob-1"), hook("bob-2")}, "lena": {hook("lena-1")}}
	base := incident.Incident{ID: "i1", Ref: "INC-7", Title: "Leaked key", State: incident.Active,
		Roles: []incident.Assignment{{Role: incident.IRLead, User: "lena"}, {Role: incident.IncidentCommander, User: "cleo"}},
		Tasks: []incident.Task{{Key: "t1", Title: "Rotate", Assignee: "bob", Required: true, DueAt: &due, State: incident.TaskTodo}}}
	tests := []struct {
		name   string
		change func(inc *incident.Incident)
		args   remindArgs
		want   []string // user/contact (state)
	}{
		{"overdue: each of the assignee's contacts", nil, remindArgs{Mark: MarkOverdue, Assignee: "bob"},
			[]string{"bob/bob-1 (pending)", "bob/bob-2 (pending)"}},
		{"escalated: the IR Lead, and the commander without a contact recorded skipped", nil, remindArgs{Mark: MarkEscalate},
			[]string{"lena/lena-1 (pending)", "cleo/ (skipped no_contact)"}},
		{"unassigned: the IR Lead", func(inc *incident.Incident) { inc.Tasks[0].Assignee = "" }, remindArgs{Mark: MarkBefore},
			[]string{"lena/lena-1 (pending)"}},
		{"reassigned since", func(inc *incident.Incident) { inc.Tasks[0].Assignee = "cleo" }, remindArgs{Mark: MarkOverdue, Assignee: "bob"}, nil},
		{"done", func(inc *incident.Incident) { inc.Tasks[0].State = incident.TaskDone }, remindArgs{Mark: MarkEscalate}, nil},
		{"re-dated", func(inc *incident.Incident) { later := due.Add(time.Hour); inc.Tasks[0].DueAt = &later }, remindArgs{Mark: MarkOverdue, Assignee: "bob"}, nil},
		{"no longer required", func(inc *incident.Incident) { inc.Tasks[0].Required = false }, remindArgs{Mark: MarkEscalate}, nil},
		{"incident closed", func(inc *incident.Incident) { inc.State = incident.Closed }, remindArgs{Mark: MarkOverdue, Assignee: "bob"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inc := base
			inc.Tasks = slices.Clone(base.Tasks)
			if tc.change != nil {
				tc.change(&inc)
			}
			out := &sink{}
			s := New(Deps{Incidents: oneIncident{inc}, People: reach, Outbox: out, Deliveries: noDeliveries{}, Now: func() time.Time { return t0 }})
			a := tc.args
			a.Incident, a.Task, a.DueAt = "i1", "t1", due
			args, _ := json.Marshal(a)
			if err := s.handleRemind(context.Background(), engine.Job{Kind: JobRemind, Args: args}); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range out.written {
				var p reminderPayload
				if err := json.Unmarshal(d.Payload, &p); err != nil {
					t.Fatal(err)
				}
				st := string(d.State)
				if d.State == outbox.Skipped {
					st += " " + strings.SplitN(d.LastError, ":", 2)[0]
				}
				got = append(got, p.User+"/"+d.Ref+" ("+st+")")
				if d.Kind != KindReminder || d.Subject.Incident != "i1" || d.ID != reminderID(a, p.User, d.Ref) {
					t.Errorf("delivery %+v", d)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("deliveries %q, want %q", got, tc.want)
			}
			if len(out.sent) != len(slices.DeleteFunc(slices.Clone(got), func(s string) bool { return strings.Contains(s, "skipped") })) {
				t.Fatalf("sent %v of %v", out.sent, got)
			}
		})
	}
}

// TestReminderMessage: the rendered reminder names the incident, the
// task, when it is due and links to the incident's tasks.
func TestReminderMessage(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 7, 10, 20, 0, 0, time.UTC)
	due := t0.Add(-20 * time.Minute)
	inc := incident.Incident{ID: "i1", Ref: "INC-7", Title: "Leaked key", State: incident.Active, Severity: "SEV2",
		Tasks: []incident.Task{{Key: "t1", Title: "Rotate the key", Phase: "contain", Assignee: "bob", Required: true, DueAt: &due, State: incident.TaskInProgress}}}
	s := New(Deps{Incidents: oneIncident{inc}, Now: func() time.Time { return t0 }})
	s.SetBaseURL("https://fb.example/")
	a := remindArgs{Incident: "i1", Task: "t1", Mark: MarkEscalate, DueAt: due}
	payload, _ := json.Marshal(reminderPayload{remindArgs: a, User: "lena"})
	msg, err := reminderKind{s}.Prepare(context.Background(), outbox.Delivery{ID: "d1", Kind: KindReminder, Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	m := msg.Text
	if m.Title != `INC-7: required task "Rotate the key" overdue by 20 min` || m.URL != "https://fb.example/incidents/INC-7/tasks" ||
		!strings.Contains(m.Body, "INC-7 — Leaked key") || !strings.Contains(m.Body, "Assigned to: bob") ||
		!strings.Contains(m.Body, "Due: 2026-12-07T10:00:00Z") || m.Fields["mark"] != MarkEscalate {
		t.Fatalf("message %+v", m)
	}
	inc.Tasks[0].State = incident.TaskDone
	s = New(Deps{Incidents: oneIncident{inc}, Now: func() time.Time { return t0 }})
	if _, err := (reminderKind{s}).Prepare(context.Background(), outbox.Delivery{ID: "d1", Kind: KindReminder, Payload: payload}); err == nil || !strings.Contains(err.Error(), "the task is done") {
		t.Fatalf("a done task's reminder: %v", err)
	}
}
