package plan_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

// builtins is what the library must hold: each plan's name and the
// incident types it applies to.
var builtins = map[string][]string{
	"credential-compromise":   {"security.credential-compromise", "security.secret-leak"},
	"ransomware":              {"security.ransomware", "security.malware"},
	"data-breach":             {"security.data-breach", "security.data-exfiltration"},
	"phishing-bec":            {"security.phishing", "security.bec"},
	"cloud-compromise":        {"security.cloud-compromise"},
	"exploited-vulnerability": {"security.exploited-vulnerability"},
	"ddos":                    {"availability.ddos", "security.ddos"},
	"insider-misuse":          {"security.insider"},
	"lost-device":             {"security.lost-device"},
	"supplier-breach":         {"security.supplier-breach"},
}

func TestLibraryRolesAreIncidentRoles(t *testing.T) {
	t.Parallel()
	var want []string
	for _, r := range incident.Roles {
		want = append(want, string(r))
	}
	if !slices.Equal(plan.LibraryRoles, want) {
		t.Fatalf("library roles %v, incident roles %v", plan.LibraryRoles, want)
	}
}

func TestLibrary(t *testing.T) {
	t.Parallel()
	plans, err := plan.LoadLibrary()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]plan.Plan{}
	for _, p := range plans {
		got[p.Name] = p
	}
	for name, types := range builtins {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, ok := got[name]
			if !ok {
				t.Fatalf("the library has no plan %s", name)
			}
			if probs := p.Check(incidentRoles); len(probs) > 0 {
				t.Fatalf("Check: %v", probs)
			}
			if !slices.Equal(p.AppliesTo.Types, types) {
				t.Errorf("applies to %v, want %v", p.AppliesTo.Types, types)
			}
			if p.Description == "" || len(p.Roles) == 0 {
				t.Errorf("description %q, roles %v: both are needed", p.Description, p.Roles)
			}
			if n := len(p.Tasks); n < 8 || n > 16 {
				t.Errorf("%d tasks, want 8–16", n)
			}
			required := map[plan.Phase]int{}
			phases := map[plan.Phase]int{}
			for _, task := range p.Tasks {
				phases[task.Phase]++
				if task.Required {
					required[task.Phase]++
				}
				if task.Owner == "" || task.Due == "" || task.Instructions == "" {
					t.Errorf("task %s: owner %q, due %q, instructions %d bytes: each is needed", task.Key, task.Owner, task.Due, len(task.Instructions))
				}
				if task.Phase == plan.Communicate && task.Owner != "comms_lead" {
					t.Errorf("task %s: a communication task is the comms lead's, not %s", task.Key, task.Owner)
				}
			}
			for _, ph := range plan.Phases {
				if phases[ph] == 0 {
					t.Errorf("no task in phase %s", ph)
				}
			}
			for _, ph := range []plan.Phase{plan.Contain, plan.Eradicate, plan.Recover} {
				if required[ph] == 0 {
					t.Errorf("no required task gates %s", ph)
				}
			}
		})
	}
	if len(plans) != len(builtins) {
		t.Errorf("the library holds %d plans, want %d", len(plans), len(builtins))
	}
	if !slices.IsSortedFunc(plans, func(a, b plan.Plan) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("the library is not sorted by name")
	}
}

// TestCredentialCompromiseKeys pins the task keys the browser test of
// issue #15 walks through.
func TestCredentialCompromiseKeys(t *testing.T) {
	t.Parallel()
	var p plan.Plan
	for _, q := range plan.Library() {
		if q.Name == "credential-compromise" {
			p = q
		}
	}
	want := []struct {
		key      string
		phase    plan.Phase
		required bool
	}{
		{"revoke-sessions", plan.Contain, true},
		{"rotate-secret", plan.Contain, true},
		{"scope-exposure", plan.Contain, false},
		{"remove-persistence", plan.Eradicate, true},
		{"verify-unused", plan.Recover, true},
	}
	for _, w := range want {
		i := slices.IndexFunc(p.Tasks, func(t plan.Task) bool { return t.Key == w.key })
		if i < 0 {
			t.Errorf("no task %s", w.key)
			continue
		}
		if got := p.Tasks[i]; got.Phase != w.phase || got.Required != w.required {
			t.Errorf("task %s: phase %s required %v, want %s %v", w.key, got.Phase, got.Required, w.phase, w.required)
		}
	}
}

func TestLibraryReturnsCopies(t *testing.T) {
	t.Parallel()
	a := plan.Library()
	a[0].Tasks[0].Title = "changed"
	a[0].AppliesTo.Types[0] = "changed"
	b := plan.Library()
	if b[0].Tasks[0].Title == "changed" || b[0].AppliesTo.Types[0] == "changed" {
		t.Fatal("a caller's change reached the library")
	}
}

// TestLibrarySelect checks each type the library covers activates exactly
// its one plan, and a type it does not cover none.
func TestLibrarySelect(t *testing.T) {
	t.Parallel()
	var vs []plan.Versioned
	for _, p := range plan.Library() {
		vs = append(vs, plan.Versioned{Plan: p, Version: 1, Hash: p.Hash(), Source: "builtin"})
	}
	for name, types := range builtins {
		for _, typ := range types {
			got := plan.Select(vs, typ, "SEV2", map[string]string{"team": "any"})
			if len(got) != 1 || got[0].Name != name {
				t.Errorf("%s selects %d plans, want only %s", typ, len(got), name)
			}
		}
	}
	if got := plan.Select(vs, "availability.outage", "SEV1", nil); len(got) != 0 {
		t.Errorf("availability.outage selects %d plans, want none", len(got))
	}
}
