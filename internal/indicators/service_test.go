package indicators_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
	"github.com/firebreak-ir/firebreak/internal/store"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

type world struct {
	db    *store.DB
	clock *storetest.Clock
	inc   *incident.Service
	iocs  *indicators.Service
	ctx   context.Context
}

func setup(t *testing.T, b storetest.Backend) *world {
	t.Helper()
	ctx := context.Background()
	db, _ := b.Open(t)
	clock := storetest.NewClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	as := auth.NewService(db, clock.Now, storetest.IDs("tok"))
	for _, u := range []string{"alice", "bob"} {
		if _, err := as.CreateUser(ctx, auth.UserInput{Username: u, Role: auth.Responder}); err != nil {
			t.Fatal(err)
		}
	}
	w := &world{db: db, clock: clock, ctx: ctx}
	w.inc = incident.NewService(db, as, incident.DefaultPolicy(), clock.Now, storetest.IDs("inc"))
	w.iocs = indicators.New(indicators.Deps{Store: db, Incidents: w.inc, Now: clock.Now, NewID: storetest.IDs("ioc")})
	return w
}

func (w *world) declare(t *testing.T, restricted bool) incident.Incident {
	t.Helper()
	inc, err := w.inc.Declare(w.ctx, "alice", incident.DeclareInput{Title: "Phishing", Source: incident.SourceInternal, Restricted: restricted})
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

var (
	alice = incident.Viewer{User: "alice"}
	bob   = incident.Viewer{User: "bob"}
)

func (w *world) events(t *testing.T, inc incident.Incident, typ string) []incident.Event {
	t.Helper()
	all, err := w.db.Events(w.ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []incident.Event
	for _, e := range all {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

func TestAddUpdateAndList(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		inc := w.declare(t, false)
		got, err := w.iocs.Add(w.ctx, alice, inc.Ref, indicators.Input{Type: indicators.Domain, Value: "Evil[.]Example", TLP: "TLP:GREEN", Source: "mail gateway"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Value != "evil.example" || got.TLP != indicators.TLPGreen || got.State != indicators.Active || got.Confidence != indicators.DefaultConfidence {
			t.Fatalf("added %+v", got)
		}
		_, err = w.iocs.Add(w.ctx, alice, inc.Ref, indicators.Input{Type: indicators.Domain, Value: "evil.example."})
		if errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("adding it again: %v, want a conflict", err)
		}
		_, err = w.iocs.Add(w.ctx, alice, inc.Ref, indicators.Input{Type: indicators.IPv4, Value: "300.1.1.1"})
		if e, ok := errs.As(err); !ok || e.Code != errs.Invalid || e.Field != "value" {
			t.Fatalf("bad value: %v", err)
		}
		blocked := indicators.Blocked
		up, err := w.iocs.Update(w.ctx, alice, inc.Ref, got.ID, indicators.Patch{State: &blocked})
		if err != nil || up.State != indicators.Blocked {
			t.Fatalf("update: %+v, %v", up, err)
		}
		if _, err := w.iocs.Update(w.ctx, alice, inc.Ref, got.ID, indicators.Patch{State: &blocked}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.iocs.Update(w.ctx, alice, inc.Ref, "nope", indicators.Patch{State: &blocked}); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("unknown id: %v", err)
		}
		bad := 101
		if _, err := w.iocs.Update(w.ctx, alice, inc.Ref, got.ID, indicators.Patch{Confidence: &bad}); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("confidence 101: %v", err)
		}
		_, list, err := w.iocs.List(w.ctx, alice, inc.Ref)
		if err != nil || len(list) != 1 || list[0].State != indicators.Blocked || list[0].Source != "mail gateway" {
			t.Fatalf("list: %+v, %v", list, err)
		}
		if n := len(w.events(t, inc, indicators.EvAdded)); n != 1 {
			t.Errorf("%d indicator.added events, want 1", n)
		}
		ups := w.events(t, inc, indicators.EvUpdated)
		if len(ups) != 1 { // the unchanged second update recorded nothing
			t.Fatalf("%d indicator.updated events, want 1", len(ups))
		}
		if s, _ := indicators.DescribeEvent(ups[0]); s != "indicator domain evil.example: state active → blocked" {
			t.Errorf("described %q", s)
		}
	})
}

func TestPasteFoldsDuplicatesInOneEvent(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		inc := w.declare(t, false)
		if _, err := w.iocs.Add(w.ctx, alice, inc.Ref, indicators.Input{Type: indicators.IPv4, Value: "198.51.100.7"}); err != nil {
			t.Fatal(err)
		}
		text := "C2 198[.]51[.]100[.]7, hxxp://evil[.]example/a and evil.example and EVIL[.]example; hash d41d8cd98f00b204e9800998ecf8427e"
		res, err := w.iocs.Paste(w.ctx, alice, inc.Ref, text, indicators.Input{TLP: indicators.TLPRed, Source: "report"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Added) != 3 || len(res.Existing) != 1 || res.Existing[0].Value != "198.51.100.7" {
			t.Fatalf("paste: %+v", res)
		}
		for _, a := range res.Added {
			if a.TLP != indicators.TLPRed || a.Source != "report" {
				t.Errorf("added %+v without the defaults", a)
			}
		}
		if n := len(w.events(t, inc, indicators.EvAdded)); n != 2 {
			t.Errorf("%d indicator.added events, want 2 (one add, one paste)", n)
		}
		_, list, _ := w.iocs.List(w.ctx, alice, inc.Ref)
		if len(list) != 4 {
			t.Errorf("%d indicators, want 4", len(list))
		}
		again, err := w.iocs.Paste(w.ctx, alice, inc.Ref, text, indicators.Input{})
		if err != nil || len(again.Added) != 0 || len(again.Existing) != 4 {
			t.Fatalf("pasting again: %+v, %v", again, err)
		}
		if n := len(w.events(t, inc, indicators.EvAdded)); n != 2 {
			t.Errorf("a paste that added nothing recorded an event")
		}
		_, err = w.iocs.AddMany(w.ctx, alice, inc.Ref, []indicators.Input{{Type: indicators.MD5, Value: "x"}})
		if e, ok := errs.As(err); !ok || e.Field != "indicators[0].value" {
			t.Errorf("bad bulk value: %v", err)
		}
	})
}

func TestSeenBeforeHidesRestrictedIncidents(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		open1, open2, secret := w.declare(t, false), w.declare(t, false), w.declare(t, true)
		for _, inc := range []incident.Incident{open1, open2, secret} {
			w.clock.Advance(time.Minute) // newest first
			if _, err := w.iocs.Add(w.ctx, alice, inc.Ref, indicators.Input{Type: indicators.IPv4, Value: "203.0.113.9"}); err != nil {
				t.Fatal(err)
			}
		}
		inc, list, err := w.iocs.List(w.ctx, bob, open1.Ref)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			v    incident.Viewer
			want []string
		}{{alice, []string{secret.Ref, open2.Ref}}, {bob, []string{open2.Ref}}} {
			seen, err := w.iocs.SeenBefore(w.ctx, c.v, inc, list)
			if err != nil {
				t.Fatal(err)
			}
			if got := refs(seen[list[0].Key()]); !equal(got, c.want) {
				t.Errorf("%s sees %s seen before in %v, want %v", c.v.User, list[0].Value, got, c.want)
			}
			keys, found, err := w.iocs.Lookup(w.ctx, c.v, "203[.]0[.]113[.]9")
			if err != nil || len(keys) == 0 || keys[0].Type != indicators.IPv4 {
				t.Fatalf("lookup: %v %v", keys, err)
			}
			want := append([]string(nil), c.want...)
			want = append(want, open1.Ref)
			if got := refs(found); !equal(got, want) {
				t.Errorf("%s looks up and finds %v, want %v", c.v.User, got, want)
			}
		}
		if _, _, err := w.iocs.List(w.ctx, bob, secret.Ref); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("bob listed the restricted incident's indicators: %v", err)
		}
		if _, _, err := w.iocs.Lookup(w.ctx, bob, "   "); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("empty lookup: %v", err)
		}
	})
}

func refs(s []indicators.Sighting) []string {
	out := []string{}
	for _, x := range s {
		out = append(out, x.IncidentRef)
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSightingsMatchEachKeyExactly: keys are looked up as pairs; one
// key's value under another key's type is not a match.
func TestSightingsMatchEachKeyExactly(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		one, two := w.declare(t, false), w.declare(t, false)
		for _, x := range []struct {
			inc incident.Incident
			in  indicators.Input
		}{
			{one, indicators.Input{Type: indicators.Domain, Value: "evil.example"}},
			{two, indicators.Input{Type: indicators.FileName, Value: "evil.example"}},
			{two, indicators.Input{Type: indicators.Domain, Value: "other.example"}},
			{two, indicators.Input{Type: indicators.FileName, Value: "dropper.exe"}},
		} {
			if _, err := w.iocs.Add(w.ctx, alice, x.inc.Ref, x.in); err != nil {
				t.Fatal(err)
			}
		}
		got, err := w.db.Sightings(w.ctx, alice, []indicators.Key{{Type: indicators.Domain, Value: "evil.example"},
			{Type: indicators.FileName, Value: "other.example"}, {Type: indicators.FileName, Value: "dropper.exe"}}, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, s := range got {
			keys = append(keys, string(s.Type)+" "+s.Value)
		}
		slices.Sort(keys)
		if want := []string{"domain evil.example", "file_name dropper.exe"}; !equal(keys, want) {
			t.Errorf("found %q, want %q", keys, want)
		}
	})
}
