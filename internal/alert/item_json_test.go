package alert

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

func TestMarshalItemIsJSONMarshal(t *testing.T) {
	at := time.Date(2026, 12, 7, 10, 0, 0, 123456789, time.UTC)
	full := Alert{Source: SourceAlertmanager, Integration: "am", Fingerprint: "fp", DedupKey: "dk", Status: StatusResolved,
		Summary: `disk <full> & "quoted"`, Details: "d\u2028e", Severity: "critical",
		Labels: map[string]string{"b": "2", "a": "1"}, Annotations: map[string]string{"runbook": "https://x/?a=1&b=2"},
		Links: []Link{{Text: "graph", URL: "https://g"}}, StartsAt: at.Add(-time.Hour), EndsAt: at, ReceivedAt: at, GeneratorURL: "https://gen"}
	for _, c := range []struct {
		name string
		it   Item
	}{
		{"zero", Item{}},
		{"open alert without labels", Item{ID: "alr_1", Status: StatusFiring, Alert: Alert{Status: StatusFiring, StartsAt: at}, FirstSeen: at, LastSeen: at, Count: 1}},
		{"everything set", Item{ID: "alr_2", GroupID: "grp_1", Path: "{}/{team=\"db\"}", Fingerprint: "fp", Status: StatusResolved, Alert: full,
			FirstSeen: at.Add(-time.Hour), LastSeen: at, Count: 7}},
	} {
		t.Run(c.name, func(t *testing.T) {
			want, err := json.Marshal(c.it)
			if err != nil {
				t.Fatal(err)
			}
			got, err := MarshalItem(c.it)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("MarshalItem:\n%s\njson.Marshal:\n%s", got, want)
			}
		})
	}
}

// An Item field added without itemJSON's counterpart would be left out of
// the stored document.
func TestItemJSONHasItemsFields(t *testing.T) {
	it, doc := reflect.TypeFor[Item](), reflect.TypeFor[itemJSON]()
	var fields []reflect.StructField // Item's exported ones: json.Marshal's
	for i := range it.NumField() {
		if f := it.Field(i); f.IsExported() {
			fields = append(fields, f)
		}
	}
	if len(fields) != doc.NumField() {
		t.Fatalf("Item has %d exported fields, itemJSON %d", len(fields), doc.NumField())
	}
	for i, a := range fields {
		if b := doc.Field(i); a.Name != b.Name || a.Tag != b.Tag {
			t.Errorf("field %d: Item's %s %q, itemJSON's %s %q", i, a.Name, a.Tag, b.Name, b.Tag)
		}
	}
}

// MarshalItem appends Alert's fields by hand: one added to Alert without
// being added there would be left out of the stored document.
func TestMarshalItemKnowsAlertsFields(t *testing.T) {
	if n := reflect.TypeFor[Alert]().NumField(); n != 15 {
		t.Fatalf("Alert has %d fields, appendAlertJSON writes 15: add the new one there (and here)", n)
	}
}

// Items with random strings (control bytes, HTML, invalid UTF-8, line
// separators), maps and times encode as json.Marshal encodes them.
func TestMarshalItemIsJSONMarshalRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 7))
	pieces := []string{"", "a", "é", "<", ">", "&", `"`, `\`, "\n", "\t", "\b", "\f", "\r", "\x00", "\x1f", "\x7f", "\xff", "\xe2\x80", "\u2028", "\u2029", "日本", "😀", " ", "/"}
	str := func() string {
		var s string
		for range rng.IntN(6) {
			s += pieces[rng.IntN(len(pieces))]
		}
		return s
	}
	strMap := func() map[string]string {
		if rng.IntN(4) == 0 {
			return nil
		}
		m := map[string]string{}
		for range rng.IntN(5) {
			m[str()] = str()
		}
		return m
	}
	tm := func() time.Time {
		if rng.IntN(4) == 0 {
			return time.Time{}
		}
		return time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)).In(time.FixedZone("", 60*(rng.IntN(1440)-720)))
	}
	for i := range 2000 {
		var links []Link
		for range rng.IntN(3) {
			links = append(links, Link{Text: str(), URL: str()})
		}
		it := Item{ID: str(), GroupID: str(), Path: str(), Fingerprint: str(), Status: Status(str()), FirstSeen: tm(), LastSeen: tm(), Count: rng.IntN(1000) - 10,
			Alert: Alert{Source: Source(str()), Integration: str(), Fingerprint: str(), DedupKey: str(), Status: Status(str()), Summary: str(), Details: str(),
				Severity: str(), Labels: strMap(), Annotations: strMap(), Links: links, StartsAt: tm(), EndsAt: tm(), ReceivedAt: tm(), GeneratorURL: str()}}
		want, err := json.Marshal(it)
		if err != nil {
			t.Fatal(err)
		}
		got, err := MarshalItem(it)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("item %d: MarshalItem:\n%s\njson.Marshal:\n%s", i, got, want)
		}
	}
}

// A time json.Marshal refuses, MarshalItem refuses too.
func TestMarshalItemRefusesWhatJSONRefuses(t *testing.T) {
	it := Item{FirstSeen: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := json.Marshal(it); err == nil {
		t.Fatal("json.Marshal took year 10000")
	}
	if _, err := MarshalItem(it); err == nil {
		t.Fatal("MarshalItem took year 10000")
	}
}

// BenchmarkMarshalItem encodes a new item of an alert storm's shape (the
// store encodes one per new alert, inside its single writer).
func BenchmarkMarshalItem(b *testing.B) {
	at := time.Date(2026, 12, 7, 10, 0, 0, 123456789, time.UTC)
	it := Item{ID: "alr_188f0c4b1a2e3d4c5b6a7988f0c4b1a2e3d4c5b6a79", GroupID: "grp_0c4b1a2e3d4c5b6a79880c4b", Path: `{}/{service="svc"}`,
		Fingerprint: "6f1c9e0d8b7a6f5e4d3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a1908f7e6d", Status: StatusFiring, FirstSeen: at, LastSeen: at, Count: 1,
		Alert: Alert{Source: SourceAlertmanager, Integration: "am", Fingerprint: "6f1c9e0d8b7a6f5e4d3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a1908f7e6d", Status: StatusFiring,
			Summary: "disk filling up", Severity: "warning", Labels: map[string]string{"alertname": "Storm042", "instance": "host-42-7:9100", "job": "node", "severity": "warning"},
			Annotations: map[string]string{"summary": "disk filling up"}, StartsAt: at.Add(-time.Minute), ReceivedAt: at}}
	for _, c := range []struct {
		name string
		enc  func(Item) ([]byte, error)
	}{{"MarshalItem", MarshalItem}, {"json.Marshal", func(it Item) ([]byte, error) { return json.Marshal(it) }}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := c.enc(it); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Items the pipeline makes encode as json.Marshal encodes them, whether
// their alert was rendered in Prepare (a new item) or is encoded again (a
// repeat or a resolve changes the alert; an item read back has none), and
// a new item's ID is the one DedupStage derives.
func TestPipelineItemsMarshalAsJSONMarshal(t *testing.T) {
	s := newSetup(t, nil)
	a := fire("web-1", t0)
	a.Annotations = map[string]string{"runbook": "<https://example.com/?a=1&b=2>"}
	for step, c := range []struct {
		alert  Alert
		kind   Kind
		cached bool
	}{
		{a, NewGroup, true},
		{a, Repeat, false},
		{resolve("web-1", t0), Resolved, false},
		{fire("web-1", t0.Add(time.Hour)), JoinedGroup, true},
	} {
		at := t0.Add(time.Duration(step) * time.Minute)
		outs := s.run(at, c.alert)
		if len(outs) != 1 || outs[0].Kind != c.kind {
			t.Fatalf("step %d: %s, want one %s", step, brief(outs), c.kind)
		}
		it := outs[0].Item
		if (it.alertDoc != nil) != c.cached {
			t.Errorf("step %d (%s): alert rendered in Prepare %v, want %v", step, c.kind, it.alertDoc != nil, c.cached)
		}
		got, err := MarshalItem(it)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(it)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("step %d (%s):\nMarshalItem  %s\njson.Marshal %s", step, c.kind, got, want)
		}
		if c.cached {
			if id := itemID(it.Path, it.Fingerprint, it.Alert.StartsAt, at); it.ID != id {
				t.Errorf("step %d: item ID %s, DedupStage derives %s", step, it.ID, id)
			}
		}
	}
}
