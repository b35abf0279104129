package oncall

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

func step(delay Minutes, ts ...Target) Step { return Step{Targets: ts, Delay: delay} }
func user(n string) Target                  { return Target{Kind: TargetUser, Name: n} }
func sched(n string) Target                 { return Target{Kind: TargetSchedule, Name: n} }
func pol(n string) Target                   { return Target{Kind: TargetPolicy, Name: n} }

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name  string
		p     Policy
		field string // "" when valid
	}{
		{"valid", Policy{Name: "p", Steps: []Step{step(5, user("a"))}}, ""},
		{"no steps", Policy{Name: "p"}, "steps"},
		{"no name", Policy{Steps: []Step{step(5, user("a"))}}, "name"},
		{"no targets", Policy{Name: "p", Steps: []Step{step(5)}}, "steps[0].targets"},
		{"zero delay", Policy{Name: "p", Steps: []Step{step(0, user("a"))}}, "steps[0].delay_minutes"},
		{"day-long delay is the most", Policy{Name: "p", Steps: []Step{step(1441, user("a"))}}, "steps[0].delay_minutes"},
		{"repeat too high", Policy{Name: "p", Repeat: 10, Steps: []Step{step(5, user("a"))}}, "repeat"},
		{"negative repeat", Policy{Name: "p", Repeat: -1, Steps: []Step{step(5, user("a"))}}, "repeat"},
		{"unknown kind", Policy{Name: "p", Steps: []Step{step(5, Target{Kind: "team", Name: "x"})}}, "steps[0].targets[0].kind"},
		{"empty target", Policy{Name: "p", Steps: []Step{step(5, Target{Kind: TargetUser})}}, "steps[0].targets[0].name"},
		{"same target twice", Policy{Name: "p", Steps: []Step{step(5, user("a"), user("a"))}}, "steps[0].targets[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Invalid || e.Field != tt.field {
				t.Fatalf("want Invalid on %s, got %v", tt.field, err)
			}
		})
	}
}

func TestPolicyReferencesAndLoops(t *testing.T) {
	a := Policy{Name: "a", Steps: []Step{step(5, pol("b"))}}
	b := Policy{Name: "b", Steps: []Step{step(5, pol("c")), step(5, user("u"))}}
	c := Policy{Name: "c", Steps: []Step{step(5, pol("a"))}}
	ok := Policy{Name: "ok", Steps: []Step{step(5, pol("leaf"))}}
	leaf := Policy{Name: "leaf", Steps: []Step{step(5, user("u"), sched("s"))}}
	d := Directory{Users: map[string]bool{"u": true}, Schedules: map[string]Schedule{"s": {}},
		Policies: map[string]Policy{"a": a, "b": b, "c": c, "ok": ok, "leaf": leaf}}
	err := d.CheckReferences(a)
	if err == nil || !strings.Contains(err.Error(), "loops back: a → b → c → a") {
		t.Fatalf("a loop a → b → c → a: %v", err)
	}
	self := Policy{Name: "self", Steps: []Step{step(5, pol("self"))}}
	if err := d.CheckReferences(self); err == nil {
		t.Fatal("a policy paging itself was accepted")
	}
	if err := d.CheckReferences(ok); err != nil {
		t.Fatalf("a chain without a loop: %v", err)
	}
	// A loop deeper than the first step is fine: only step 1 is followed.
	deep := Policy{Name: "deep", Steps: []Step{step(5, user("u")), step(5, pol("deep2"))}}
	d.Policies["deep2"] = Policy{Name: "deep2", Steps: []Step{step(5, user("u")), step(5, pol("deep"))}}
	if err := d.CheckReferences(deep); err != nil {
		t.Fatalf("later steps are not followed: %v", err)
	}
	bad := Policy{Name: "bad", Steps: []Step{step(5, user("ghost"), sched("nope"), pol("missing"))}}
	e, _ := errs.As(d.CheckReferences(bad))
	if e == nil || len(e.Details) != 3 {
		t.Fatalf("three unknown names: %v", e)
	}
	for i, want := range []string{`unknown user "ghost"`, `unknown schedule "nope"`, `unknown policy "missing"`} {
		if e.Details[i].Message != want {
			t.Errorf("detail %d: %q, want %q", i, e.Details[i].Message, want)
		}
	}
}

func TestResolveAndNext(t *testing.T) {
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	s := Schedule{Name: "s", TimeZone: "UTC", Layers: []Layer{{Name: "l", Users: []string{"x", "y"},
		Start: at.Add(-time.Hour), Rotation: Rotation{Kind: Daily}}}}
	d := Directory{Schedules: map[string]Schedule{"s": s}, Policies: map[string]Policy{
		"inner": {Name: "inner", Steps: []Step{step(5, user("z"), sched("s"))}},
	}}
	got := d.Resolve(step(5, user("w"), sched("s"), pol("inner"), sched("missing")), at)
	if want := []string{"w", "x", "z"}; !slices.Equal(got, want) {
		t.Fatalf("resolve: %v, want %v", got, want)
	}
	p := Policy{Repeat: 1, Steps: []Step{step(1, user("a")), step(1, user("b"))}}
	var walk []Position
	for pos, ok := (Position{}), true; ok; pos, ok = p.Next(pos) {
		walk = append(walk, pos)
	}
	want := []Position{{0, 0}, {0, 1}, {1, 0}, {1, 1}}
	if !slices.Equal(walk, want) {
		t.Fatalf("walk %v, want %v", walk, want)
	}
}
