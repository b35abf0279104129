package indicators

import (
	"encoding/json"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

func TestDescribeEvent(t *testing.T) {
	ev := func(typ string, d any) incident.Event {
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		return incident.Event{Type: typ, Data: b}
	}
	tests := []struct {
		e    incident.Event
		want string
	}{
		{ev(EvAdded, AddedData{Indicators: []AddedItem{{Type: IPv4, Value: "198.51.100.7", TLP: TLPAmberStrict}}}), "indicator added: ipv4 198.51.100.7 (TLP:AMBER+STRICT)"},
		{ev(EvAdded, AddedData{Indicators: []AddedItem{{Type: Domain}, {Type: IPv4}, {Type: IPv4}}}), "3 indicators added: 2 ipv4, 1 domain"},
		{ev(EvUpdated, UpdatedData{Type: Domain, Value: "evil.example", Changes: []FieldChange{{Field: "state", From: "active", To: "blocked"}, {Field: "notes", To: "x"}}}), "indicator domain evil.example: state active → blocked; notes changed"},
	}
	for _, tt := range tests {
		if got, ok := DescribeEvent(tt.e); !ok || got != tt.want {
			t.Errorf("DescribeEvent(%s) = %q, %v; want %q", tt.e.Type, got, ok, tt.want)
		}
	}
	if _, ok := DescribeEvent(incident.Event{Type: "task.added"}); ok {
		t.Error("described another package's event")
	}
}
