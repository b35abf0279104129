package incident

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

func testPlans() []plan.Versioned {
	cred := plan.Plan{Name: "credential-compromise", Title: "Credential compromise", Roles: []string{"incident_commander", "comms_lead"},
		AppliesTo: plan.Match{Types: []string{"security.credential-compromise"}},
		Tasks: []plan.Task{
			{Key: "revoke-sessions", Phase: plan.Contain, Title: "Revoke sessions", Owner: "incident_commander", Due: "PT30M", Required: true, Checklist: []string{"SSO", "VPN"}},
			{Key: "rotate-secret", Phase: plan.Contain, Title: "Rotate the secret", Owner: "responder", Due: "PT1H", Required: true},
			{Key: "scope-exposure", Phase: plan.Contain, Title: "Scope the exposure"},
			{Key: "remove-persistence", Phase: plan.Eradicate, Title: "Remove persistence", Due: "PT2H", DueFrom: plan.FromPhase, Required: true},
			{Key: "verify-unused", Phase: plan.Recover, Title: "Verify the old secret is unused", Required: true},
			{Key: "call-vendor", Phase: plan.Recover, Title: "Call the vendor", Owner: "user:vendor-manager"},
		}}
	base := plan.Plan{Name: "baseline", Title: "Baseline",
		Tasks: []plan.Task{
			{Key: "scope-exposure", Phase: plan.Contain, Title: "Scope (baseline)"},
			{Key: "status-update", Phase: plan.Communicate, Title: "First stakeholder update", Owner: "comms_lead", Due: "PT1H"},
		}}
	vs := []plan.Versioned{{Plan: base, Version: 1, Hash: base.Hash()}, {Plan: cred, Version: 3, Hash: cred.Hash()}}
	return plan.Select(vs, "security.credential-compromise", "SEV1", nil)
}

func TestPlanActivationGatesAndOwners(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	plans := testPlans()
	if plans[0].Name != "credential-compromise" {
		t.Fatalf("most specific first: got %s", plans[0].Name)
	}
	inc := build(t, p, DeclareInput{Title: "leaked key", Type: "security.credential-compromise", Severity: "SEV1"},
		assign(p, IRLead, "lead"), assign(p, IncidentCommander, "ic"),
		func(inc *Incident) ([]Change, error) { return p.Transition(inc, Active, "", t0, Known{Plans: plans}) },
	)
	if len(inc.Plans) != 2 || len(inc.Tasks) != 7 {
		t.Fatalf("plans %d tasks %d, want 2 and 7 (scope-exposure merged)", len(inc.Plans), len(inc.Tasks))
	}
	// A task the plan gives a person goes back to them when a hand-made
	// assignment is taken back.
	someone, nobody := "ic", ""
	back := step(t, &inc, "lead",
		func(inc *Incident) ([]Change, error) {
			return p.UpdateTask(inc, "call-vendor", TaskUpdate{Assignee: &someone}, t0)
		},
		func(inc *Incident) ([]Change, error) {
			return p.UpdateTask(inc, "call-vendor", TaskUpdate{Assignee: &nobody}, t0)
		})
	if cv, _ := back.Task("call-vendor"); cv.Assignee != "vendor-manager" {
		t.Fatalf("given back to its owner: %+v", cv)
	}
	if len(inc.Warnings) != 1 || !strings.Contains(inc.Warnings[0], "Credential compromise plan asks for a Comms Lead") {
		t.Fatalf("warnings %q", inc.Warnings)
	}
	activated := inc.Phases[Active]
	rs, _ := inc.Task("revoke-sessions")
	if rs.Assignee != "ic" || rs.DueAt == nil || !rs.DueAt.Equal(activated.Add(30*time.Minute)) || len(rs.Checklist) != 2 {
		t.Fatalf("revoke-sessions = %+v", rs)
	}
	if sc, _ := inc.Task("scope-exposure"); sc.Plan != "credential-compromise" || sc.Assignee != "lead" {
		t.Fatalf("merged task kept the most specific plan's and the IR Lead owns an ownerless task: %+v", sc)
	}
	if rp, _ := inc.Task("remove-persistence"); rp.DueAt != nil {
		t.Fatalf("a task due from its phase has no due time before the phase: %v", rp.DueAt)
	}
	// contained is refused, naming each open required containment task.
	_, err := p.Transition(&inc, Contained, "", t0, Known{})
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Rule || len(e.Details) != 2 || e.Details[0].Field != "tasks.revoke-sessions" || e.Details[1].Field != "tasks.rotate-secret" {
		t.Fatalf("contained: %v %+v", err, e)
	}
	// skipping needs a reason; blocked needs what it waits for.
	skip, done, blocked := TaskSkipped, TaskDone, TaskBlocked
	if _, err := p.UpdateTask(&inc, "rotate-secret", TaskUpdate{State: &skip}, t0); fieldOf(err) != "reason" {
		t.Fatalf("skip without reason: %v", err)
	}
	if _, err := p.UpdateTask(&inc, "rotate-secret", TaskUpdate{State: &blocked}, t0); fieldOf(err) != "blocker" {
		t.Fatalf("blocked without blocker: %v", err)
	}
	// The commander hands over: the task follows the role.
	reason := "the key was never deployed"
	inc = step(t, &inc, "ic",
		assign(p, IncidentCommander, "ic2"),
		func(inc *Incident) ([]Change, error) {
			return p.UpdateTask(inc, "revoke-sessions", TaskUpdate{State: &done}, t0)
		},
		func(inc *Incident) ([]Change, error) {
			return p.UpdateTask(inc, "rotate-secret", TaskUpdate{State: &skip, Reason: &reason}, t0)
		},
		func(inc *Incident) ([]Change, error) { return p.Transition(inc, Contained, "", t0, Known{}) },
	)
	if rs, _ := inc.Task("revoke-sessions"); rs.Assignee != "ic2" || rs.CompletedBy != "ic" {
		t.Fatalf("after handoff: %+v", rs)
	}
	if rp, _ := inc.Task("remove-persistence"); rp.DueAt == nil || !rp.DueAt.Equal(inc.Phases[Contained].Add(2*time.Hour)) {
		t.Fatalf("due from the eradicate phase's start: %+v", rp.DueAt)
	}
	if inc.State != Contained {
		t.Fatalf("state %s", inc.State)
	}
	// Detaching keeps done tasks.
	ch, err := p.DetachPlan(&inc, "credential-compromise", "wrong plan")
	if err != nil {
		t.Fatal(err)
	}
	next, _, err := Record(inc, ch, "lead", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := next.Task("revoke-sessions"); !ok {
		t.Fatal("a done task stays after detaching")
	}
	if _, ok := next.Task("verify-unused"); ok {
		t.Fatal("an open task goes with its plan")
	}
}

// step records each change in turn on inc as actor.
func step(t *testing.T, inc *Incident, actor string, steps ...func(*Incident) ([]Change, error)) Incident {
	t.Helper()
	cur := *inc
	for i, s := range steps {
		ch, err := s(&cur)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if cur, _, err = Record(cur, ch, actor, t0.Add(time.Duration(10+i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	return cur
}

func TestAssess(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	inc := build(t, p, DeclareInput{Title: "t", Severity: "SEV3"})
	answers := map[string]string{"data": "credentials", "service": "none", "customers": "some", "legal": "possible", "spread": "contained"}
	cases := []struct {
		name   string
		in     AssessInput
		field  string
		sev    string
		events int
	}{
		{"missing answer", AssessInput{Answers: map[string]string{"data": "none"}}, "answers.customers", "", 0},
		{"unknown answer", AssessInput{Answers: map[string]string{"data": "lots", "service": "none", "customers": "none", "legal": "none", "spread": "contained"}}, "answers.data", "", 0},
		{"other level without reason", AssessInput{Answers: answers, Severity: "SEV2"}, "reason", "", 0},
		{"suggestion", AssessInput{Answers: answers}, "", "SEV1", 2},
		{"other level with reason", AssessInput{Answers: answers, Severity: "SEV3", Reason: "test key only"}, "", "SEV3", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ch, err := p.Assess(&inc, c.in)
			if c.field != "" {
				if fieldOf(err) != c.field && !hasDetail(err, c.field) {
					t.Fatalf("err %v, want field %s", err, c.field)
				}
				return
			}
			if err != nil || len(ch) != c.events {
				t.Fatalf("changes %d err %v", len(ch), err)
			}
			next, _, err := Record(inc, ch, "lead", t0)
			if err != nil {
				t.Fatal(err)
			}
			a := next.Assessment
			if next.Severity != c.sev || a == nil || a.Suggested != "SEV1" || a.PersonalData || a.DataTypes[0] != "credentials" {
				t.Fatalf("severity %s assessment %+v", next.Severity, a)
			}
			if !strings.Contains(Describe(Event{Type: EvAssessed, Data: mustJSON(t, ch[0].Data)}), "suggests SEV1") {
				t.Fatal("describe")
			}
		})
	}
}

func fieldOf(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Field
	}
	return ""
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hasDetail(err error, field string) bool {
	e, ok := errs.As(err)
	if !ok {
		return false
	}
	for _, d := range e.Details {
		if d.Field == field {
			return true
		}
	}
	return false
}
