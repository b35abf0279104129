package alert

import (
	"bytes"
	"encoding/json"
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
	if it.NumField() != doc.NumField() {
		t.Fatalf("Item has %d fields, itemJSON %d", it.NumField(), doc.NumField())
	}
	for i := range it.NumField() {
		if a, b := it.Field(i), doc.Field(i); a.Name != b.Name || a.Tag != b.Tag {
			t.Errorf("field %d: Item's %s %q, itemJSON's %s %q", i, a.Name, a.Tag, b.Name, b.Tag)
		}
	}
}
