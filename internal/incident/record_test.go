package incident

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// TestEditBasedOnOriginals: an edit names the values it was based on; only
// fields that differ from them change, and a field someone else changed
// meanwhile is a conflict naming both values, with nothing applied.
func TestEditBasedOnOriginals(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	base := func(t *testing.T) Incident {
		// The form was rendered with title "Old", resolution "", labels env=prod;
		// then someone else set the title to "New".
		return build(t, p, DeclareInput{Title: "Old", Labels: map[string]string{"env": "prod"}},
			set(p, UpdateInput{Title: new("New")}))
	}
	was := &UpdateInput{Title: new("Old"), Summary: new(""), Resolution: new(""), RootCause: new(""),
		Labels: &map[string]string{"env": "prod"}, Affected: &[]string{}}
	tests := []struct {
		name     string
		in       UpdateInput
		conflict []string // fields; nil when the edit applies
		want     func(t *testing.T, inc Incident)
	}{
		{"untouched title is kept, the edited field applies",
			UpdateInput{Title: new("Old"), Resolution: new("rotated the key"), Labels: &map[string]string{"env": "prod"}, Was: was}, nil,
			func(t *testing.T, inc Incident) {
				if inc.Title != "New" || inc.Resolution != "rotated the key" {
					t.Errorf("title %q resolution %q", inc.Title, inc.Resolution)
				}
			}},
		{"line endings are not an edit",
			UpdateInput{Summary: new("\r\n"), Resolution: new("a\r\nb"), Was: &UpdateInput{Summary: new("\n"), Resolution: new("")}}, nil,
			func(t *testing.T, inc Incident) {
				if inc.Summary != "" || inc.Resolution != "a\r\nb" {
					t.Errorf("summary %q resolution %q", inc.Summary, inc.Resolution)
				}
			}},
		{"both edited the title", UpdateInput{Title: new("Mine"), Resolution: new("x"), Was: was}, []string{"title"}, nil},
		{"both set the same value", UpdateInput{Title: new("New"), Was: was}, nil,
			func(t *testing.T, inc Incident) {
				if inc.Title != "New" {
					t.Errorf("title %q", inc.Title)
				}
			}},
		{"labels and title both stale", UpdateInput{Title: new("Mine"), Labels: &map[string]string{"env": "dev"},
			Was: &UpdateInput{Title: new("Old"), Labels: &map[string]string{"env": "staging"}}}, []string{"title", "labels"}, nil},
		{"no originals: the API's plain patch", UpdateInput{Title: new("Mine")}, nil,
			func(t *testing.T, inc Incident) {
				if inc.Title != "Mine" {
					t.Errorf("title %q", inc.Title)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := base(t)
			ch, err := p.Update(&inc, tt.in)
			if tt.conflict != nil {
				e, ok := errs.As(err)
				if !ok || e.Code != errs.Conflict || len(ch) != 0 {
					t.Fatalf("want a conflict, got %v and %d changes", err, len(ch))
				}
				var fields []string
				for _, d := range e.Details {
					fields = append(fields, d.Field)
				}
				if strings.Join(fields, ",") != strings.Join(tt.conflict, ",") {
					t.Fatalf("conflicting fields %v, want %v", fields, tt.conflict)
				}
				if e.Field == "title" && e.Message != `changed this to "New" while you edited; yours: "Mine"` {
					t.Errorf("message %q", e.Message)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			next, _, err := Record(inc, ch, "bob", t0.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			tt.want(t, next)
		})
	}
}

// TestUpdateRecordsFromAndTo: the event and the timeline say what each
// field was and became; events from before "from" existed still read.
func TestUpdateRecordsFromAndTo(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	inc := build(t, p, DeclareInput{Title: "Old title", Labels: map[string]string{"env": "prod"}})
	ch, err := p.Update(&inc, UpdateInput{Title: new("New title"), Resolution: new("Rotated"), Labels: &map[string]string{"env": "prod", "team": "sec"}})
	if err != nil {
		t.Fatal(err)
	}
	_, evs, err := Record(inc, ch, "bob", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var d UpdatedData
	if err := json.Unmarshal(evs[0].Data, &d); err != nil {
		t.Fatal(err)
	}
	if d.From == nil || *d.From.Title != "Old title" || *d.From.Resolution != "" || (*d.From.Labels)["team"] != "" || d.From.Summary != nil {
		t.Fatalf("from: %s", evs[0].Data)
	}
	want := `title "Old title" → "New title"; resolution set to "Rotated"; labels env=prod → env=prod, team=sec`
	if got := Describe(evs[0]); got != want {
		t.Errorf("Describe = %q\nwant       %q", got, want)
	}
	old := Event{Type: EvUpdated, Data: json.RawMessage(`{"title":"x","resolution":"y"}`)}
	if got := Describe(old); got != "updated title, resolution" {
		t.Errorf("an old event reads %q", got)
	}
}

// TestSingleHolderRoles: giving a held single-holder role to someone else
// is one handover event; the previous holder stays as a responder; several
// responders are fine; old streams with two holders still fold.
func TestSingleHolderRoles(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	for _, r := range []Role{IRLead, IncidentCommander, CommsLead, Scribe} {
		t.Run(string(r), func(t *testing.T) {
			inc := build(t, p, DeclareInput{Title: "t", Restricted: true}, assign(p, r, "alice"))
			ch, err := p.Assign(&inc, r, "bob", "  end of shift ")
			if err != nil {
				t.Fatal(err)
			}
			if len(ch) != 1 || ch[0].Type != EvRoleHandedOver {
				t.Fatalf("changes %+v, want one handover", ch)
			}
			next, evs, err := Record(inc, ch, "carol", t0.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if h := next.Holders(r); len(h) != 1 || h[0] != "bob" {
				t.Fatalf("%s holders %v, want [bob]", r, h)
			}
			if h := next.Holders(Responder); len(h) != 1 || h[0] != "alice" {
				t.Fatalf("responders %v, want [alice]", h)
			}
			if !(Viewer{User: "alice"}).CanSee(&next) {
				t.Error("the previous holder can no longer see the restricted incident")
			}
			want := r.Title() + " handed over from alice to bob (alice stays as responder): end of shift"
			if got := Describe(evs[0]); got != want {
				t.Errorf("Describe = %q, want %q", got, want)
			}
			// Handing it back does not make bob a responder twice, nor alice.
			ch, _ = p.Assign(&next, r, "alice", "")
			back, _, err := Record(next, ch, "carol", t0.Add(2*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if h := back.Holders(Responder); strings.Join(h, ",") != "alice,bob" {
				t.Errorf("responders after handing back %v", h)
			}
			if h := back.Holders(r); strings.Join(h, ",") != "alice" {
				t.Errorf("holders after handing back %v", h)
			}
		})
	}
	t.Run("responders are many", func(t *testing.T) {
		inc := build(t, p, DeclareInput{Title: "t"}, assign(p, Responder, "alice"), assign(p, Responder, "bob"))
		if h := inc.Holders(Responder); len(h) != 2 {
			t.Fatalf("responders %v", h)
		}
	})
	t.Run("an old stream with two commanders folds and hands over from both", func(t *testing.T) {
		inc := build(t, p, DeclareInput{Title: "t"})
		// Events as recorded before roles were single.
		old := []Change{{Type: EvRoleAssigned, Data: RoleData{Role: IncidentCommander, User: "alice"}},
			{Type: EvRoleAssigned, Data: RoleData{Role: IncidentCommander, User: "dan"}}}
		inc, _, err := Record(inc, old, "x", t0.Add(time.Minute))
		if err != nil || len(inc.Holders(IncidentCommander)) != 2 {
			t.Fatalf("old stream: %v %v", err, inc.Roles)
		}
		ch, err := p.Assign(&inc, IncidentCommander, "bob", "")
		if err != nil {
			t.Fatal(err)
		}
		next, evs, err := Record(inc, ch, "x", t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if h := next.Holders(IncidentCommander); strings.Join(h, ",") != "bob" {
			t.Errorf("commanders %v", h)
		}
		if h := next.Holders(Responder); strings.Join(h, ",") != "alice,dan" {
			t.Errorf("responders %v", h)
		}
		if got := Describe(evs[0]); !strings.Contains(got, "from alice, dan to bob") {
			t.Errorf("Describe = %q", got)
		}
	})
	t.Run("a note too long is refused", func(t *testing.T) {
		inc := build(t, p, DeclareInput{Title: "t"}, assign(p, IRLead, "alice"))
		_, err := p.Assign(&inc, IRLead, "bob", strings.Repeat("x", MaxText+1))
		if e, ok := errs.As(err); !ok || e.Field != "note" {
			t.Fatalf("err %v", err)
		}
	})
}
