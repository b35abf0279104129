package incident

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzDeclare feeds arbitrary outside input to the declaration rules: they
// must either reject it with an error or produce an event that folds.
func FuzzDeclare(f *testing.F) {
	f.Add("Credential leak", "summary", "security.x", "SEV1", "alert", "team", "sec")
	f.Add("", "", "", "", "", "", "")
	f.Add("\x00", "\xff", "a b", "SEV9", "rumour", "a b", "\xff")
	p := DefaultPolicy()
	f.Fuzz(func(t *testing.T, title, summary, typ, sev, source, lk, lv string) {
		ch, err := p.Declare(DeclareInput{Title: title, Summary: summary, Type: typ, Severity: sev, Source: Source(source), Labels: map[string]string{lk: lv}}, "id", 1, t0)
		if err != nil {
			return
		}
		inc, evs, err := Record(Incident{}, ch, "alice", t0)
		if err != nil {
			t.Fatalf("accepted input does not record: %v", err)
		}
		folded, err := Fold(evs)
		if err != nil {
			t.Fatalf("accepted input does not fold: %v", err)
		}
		a, _ := json.Marshal(inc)
		b, _ := json.Marshal(folded)
		if string(a) != string(b) {
			t.Fatalf("fold differs")
		}
	})
}

// FuzzEventData makes sure a corrupt stored payload is an error, never a panic.
func FuzzEventData(f *testing.F) {
	for _, typ := range []string{EvDeclared, EvUpdated, EvTransitioned, EvRoleAssigned, EvPostmortemSaved, EvMerged,
		EvRoleHandedOver, EvPostmortemRevised, EvActionItemUpdated, EvPostmortemReviewRequested, EvPostmortemReviewed, EvPostmortemPublished} {
		f.Add(typ, []byte(`{}`))
	}
	f.Add(EvUpdated, []byte(`{"labels":null,"title":1}`))
	f.Add(EvUpdated, []byte(`{"title":"a","from":{"title":null,"labels":{"a":"b"}}}`))
	f.Add(EvActionItemUpdated, []byte(`{"index":-1,"done":true}`))
	f.Add(EvRoleHandedOver, []byte(`{"role":"scribe","from":"a","to":"b","also":null}`))
	f.Fuzz(func(t *testing.T, typ string, data []byte) {
		inc := Incident{Phases: map[State]time.Time{}}
		_ = inc.Apply(Event{Seq: 1, Type: typ, Data: data, RecordedAt: t0})
		_ = Describe(Event{Type: typ, Data: data})
	})
}
