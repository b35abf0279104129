package incident

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC) // a Wednesday

// build folds changes into a new incident, failing the test on error.
func build(t *testing.T, p *Policy, in DeclareInput, steps ...func(inc *Incident) ([]Change, error)) Incident {
	t.Helper()
	ch, err := p.Declare(in, "id-1", 1, t0)
	if err != nil {
		t.Fatal(err)
	}
	inc, _, err := Record(Incident{}, ch, "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	for i, step := range steps {
		ch, err := step(&inc)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if inc, _, err = Record(inc, ch, "alice", t0.Add(time.Duration(i+1)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	return inc
}

func assign(p *Policy, r Role, u string) func(*Incident) ([]Change, error) {
	return func(inc *Incident) ([]Change, error) { return p.Assign(inc, r, u, "") }
}

func move(p *Policy, to State, reason string) func(*Incident) ([]Change, error) {
	return func(inc *Incident) ([]Change, error) { return p.Transition(inc, to, reason, t0, Known{}) }
}

func set(p *Policy, in UpdateInput) func(*Incident) ([]Change, error) {
	return func(inc *Incident) ([]Change, error) { return p.Update(inc, in) }
}

// publish writes, reviews (by a reviewer who did not write it, when there
// is one) and publishes a post-mortem, as one step.
func publish(p *Policy) func(*Incident) ([]Change, error) {
	return func(inc *Incident) ([]Change, error) {
		cur := clone(*inc)
		var all []Change
		for _, step := range []func(i *Incident) ([]Change, error){
			func(i *Incident) ([]Change, error) {
				return p.SavePostmortem(i, PostmortemInput{Doc: PostmortemDoc{Summary: "review"}})
			},
			func(i *Incident) ([]Change, error) { return p.RequestReview(i, nil) },
			func(i *Incident) ([]Change, error) {
				r := i.Postmortem.Reviewers[0]
				for _, u := range i.Postmortem.Reviewers {
					if !slices.Contains(i.Postmortem.Authors, u) {
						r = u
						break
					}
				}
				return p.Review(i, r, Approve, "")
			},
			func(i *Incident) ([]Change, error) { return p.Publish(i) },
		} {
			ch, err := step(&cur)
			if err != nil {
				return nil, err
			}
			if cur, _, err = Record(cur, ch, "alice", t0); err != nil {
				return nil, err
			}
			all = append(all, ch...)
		}
		return all, nil
	}
}

func TestTransitionRules(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	sev1 := DeclareInput{Title: "t", Severity: "SEV1"}
	sev3 := DeclareInput{Title: "t", Severity: "SEV3"}
	active := func(in DeclareInput, more ...func(*Incident) ([]Change, error)) func(t *testing.T) Incident {
		return func(t *testing.T) Incident {
			return build(t, p, in, append([]func(*Incident) ([]Change, error){assign(p, IRLead, "alice"), move(p, Active, "")}, more...)...)
		}
	}
	tests := []struct {
		name   string
		inc    func(t *testing.T) Incident
		to     State
		reason string
		code   errs.Code
		field  string // "" when allowed
	}{
		{"triage needs severity and lead", func(t *testing.T) Incident { return build(t, p, DeclareInput{Title: "t"}) }, Active, "", errs.Rule, "severity"},
		{"triage needs a lead", func(t *testing.T) Incident { return build(t, p, sev3) }, Active, "", errs.Rule, "ir_lead"},
		{"triage to active", func(t *testing.T) Incident { return build(t, p, sev3, assign(p, IRLead, "a")) }, Active, "", "", ""},
		{"dismiss needs a reason", func(t *testing.T) Incident { return build(t, p, sev3) }, Dismissed, "", errs.Rule, "reason"},
		{"dismiss from triage", func(t *testing.T) Incident { return build(t, p, sev3) }, Dismissed, "false positive", "", ""},
		{"dismiss only from triage", active(sev3), Dismissed, "x", errs.Rule, "to"},
		{"no skipping", active(sev3), Eradicated, "", errs.Rule, "to"},
		{"significant needs a commander", active(sev1), Contained, "", errs.Rule, "incident_commander"},
		{"minor needs no commander", active(sev3), Contained, "", "", ""},
		{"significant with commander", active(sev1, assign(p, IncidentCommander, "bob")), Contained, "", "", ""},
		{"eradicated needs a root cause", active(sev3, move(p, Contained, "")), Eradicated, "", errs.Rule, "root_cause"},
		{"eradicated with a root cause", active(sev3, move(p, Contained, ""), set(p, UpdateInput{RootCause: new("x")})), Eradicated, "", "", ""},
		{"significant close needs a published post-mortem", active(sev1, assign(p, IncidentCommander, "b"), move(p, Contained, ""), set(p, UpdateInput{RootCause: new("x")}), move(p, Eradicated, ""), move(p, Recovered, "")), Closed, "", errs.Rule, "postmortem"},
		{"significant close with post-mortem", active(sev1, assign(p, IncidentCommander, "b"), move(p, Contained, ""), set(p, UpdateInput{RootCause: new("x")}), move(p, Eradicated, ""), move(p, Recovered, ""), publish(p)), Closed, "", "", ""},
		{"minor close without post-mortem", active(sev3, move(p, Contained, ""), set(p, UpdateInput{RootCause: new("x")}), move(p, Eradicated, ""), move(p, Recovered, "")), Closed, "", "", ""},
		{"backwards needs a reason", active(sev3, move(p, Contained, "")), Active, "", errs.Rule, "reason"},
		{"reinfection", active(sev3, move(p, Contained, "")), Active, "reinfected", "", ""},
		{"never back to triage", active(sev3), Triage, "oops", errs.Rule, "to"},
		{"reopen dismissed to triage", func(t *testing.T) Incident { return build(t, p, sev3, move(p, Dismissed, "fp")) }, Triage, "it was real", "", ""},
		{"same state", active(sev3), Active, "", errs.Rule, "to"},
		{"unknown state", active(sev3), "exploded", "", errs.Invalid, "to"},
		{"merge needs a target", active(sev3), Merged, "", errs.Invalid, "to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inc := tt.inc(t)
			ch, err := p.Transition(&inc, tt.to, tt.reason, t0, Known{})
			if tt.code == "" {
				if err != nil {
					t.Fatalf("blocked: %v", err)
				}
				if len(ch) != 1 || ch[0].Type != EvTransitioned {
					t.Fatalf("changes %+v", ch)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Code != tt.code {
				t.Fatalf("got %v, want a %s error", err, tt.code)
			}
			found := false
			for _, d := range e.Details {
				found = found || d.Field == tt.field
			}
			if e.Field != tt.field && !found {
				t.Fatalf("error names %q %+v, want %q", e.Field, e.Details, tt.field)
			}
		})
	}
}

func TestRecoveredSetsPostmortemDue(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	inc := build(t, p, DeclareInput{Title: "t", Severity: "SEV3"}, assign(p, IRLead, "a"), move(p, Active, ""), move(p, Contained, ""),
		set(p, UpdateInput{RootCause: new("x")}), move(p, Eradicated, ""))
	friday := time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)
	ch, err := p.Transition(&inc, Recovered, "", friday, Known{})
	if err != nil {
		t.Fatal(err)
	}
	got := ch[0].Data.(TransitionData).PostmortemDue
	if want := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC); got == nil || !got.Equal(want) {
		t.Fatalf("due %v, want %v", got, want)
	}
}

func TestSignificantWithoutCommanderIsFlagged(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	inc := build(t, p, DeclareInput{Title: "t", Severity: "SEV3"})
	if len(inc.Warnings) != 0 {
		t.Fatalf("SEV3 flagged: %v", inc.Warnings)
	}
	inc = build(t, p, DeclareInput{Title: "t", Severity: "SEV3"}, set(p, UpdateInput{Severity: new("SEV1")}))
	if len(inc.Warnings) != 1 || !strings.Contains(inc.Warnings[0], "incident commander") {
		t.Fatalf("raised to SEV1, warnings %v", inc.Warnings)
	}
	inc = build(t, p, DeclareInput{Title: "t", Severity: "SEV1"}, assign(p, IncidentCommander, "bob"))
	if len(inc.Warnings) != 0 {
		t.Fatalf("with a commander: %v", inc.Warnings)
	}
}

func TestUpdateRecordsOnlyChanges(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	inc := build(t, p, DeclareInput{Title: "same", Labels: map[string]string{"a": "b"}})
	ch, err := p.Update(&inc, UpdateInput{Title: new("same"), Labels: &map[string]string{"a": "b"}})
	if err != nil || len(ch) != 0 {
		t.Fatalf("no-op update recorded %+v, %v", ch, err)
	}
	_, err = p.Update(&inc, UpdateInput{Title: new(""), Severity: new("SEV7")})
	e, _ := errs.As(err)
	if e == nil || len(e.Details) != 2 {
		t.Fatalf("want both problems named, got %v", err)
	}
}

func TestHashChain(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	ch, _ := p.Declare(DeclareInput{Title: "t"}, "id", 1, t0)
	inc, evs, _ := Record(Incident{}, ch, "alice", t0)
	ch, _ = p.AddEntry(&inc, KindNote, "hello", nil, t0)
	_, more, _ := Record(inc, ch, "bob", t0.Add(time.Second))
	evs = append(evs, more...)
	prev := ""
	for i := range evs {
		evs[i].Seal(prev)
		prev = evs[i].Hash
	}
	if b := VerifyChain(evs); b != nil {
		t.Fatalf("fresh chain broken: %+v", b)
	}
	tamper := []func(e []Event){
		func(e []Event) { e[1].Actor = "mallory" },
		func(e []Event) { e[1].Data = []byte(`{"kind":"note","body":"bye"}`) },
		func(e []Event) { e[0].RecordedAt = e[0].RecordedAt.Add(time.Microsecond) },
		func(e []Event) { e[0], e[1] = e[1], e[0] },
		func(e []Event) { e[1].PrevHash = "" },
	}
	for i, f := range tamper {
		c := append([]Event(nil), evs...)
		f(c)
		if VerifyChain(c) == nil {
			t.Errorf("tampering %d not detected", i)
		}
	}
}

func TestFoldRebuildsState(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	ch, _ := p.Declare(DeclareInput{Title: "t", Severity: "SEV2"}, "id", 1, t0)
	inc, all, _ := Record(Incident{}, ch, "alice", t0)
	for i, step := range []func(*Incident) ([]Change, error){assign(p, IRLead, "a"), move(p, Active, ""), assign(p, IncidentCommander, "b"), assign(p, Responder, "c"), func(inc *Incident) ([]Change, error) { return p.Unassign(inc, Responder, "c") }} {
		c, err := step(&inc)
		if err != nil {
			t.Fatal(err)
		}
		var evs []Event
		inc, evs, _ = Record(inc, c, "alice", t0.Add(time.Duration(i)*time.Second))
		all = append(all, evs...)
	}
	folded, err := Fold(all)
	if err != nil {
		t.Fatal(err)
	}
	if folded.Version != inc.Version || len(folded.Roles) != 2 || folded.State != Active {
		t.Fatalf("fold %+v", folded)
	}
}

func TestMoves(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	inc := build(t, p, DeclareInput{Title: "t", Severity: "SEV1"}, assign(p, IRLead, "a"), move(p, Active, ""))
	moves := p.Moves(&inc, t0, Known{})
	if len(moves) != 1 || moves[0].To != Contained || moves[0].Allowed || !strings.Contains(moves[0].Blocked, "Incident Commander") {
		t.Fatalf("moves from active SEV1: %+v", moves)
	}
	tri := build(t, p, DeclareInput{Title: "t"})
	moves = p.Moves(&tri, t0, Known{})
	if len(moves) != 2 || moves[0].To != Active || moves[0].Allowed || moves[1].To != Dismissed || !moves[1].Allowed || !moves[1].NeedsReason {
		t.Fatalf("moves from triage: %+v", moves)
	}
}
