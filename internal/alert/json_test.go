package alert

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDestinationJSON(t *testing.T) {
	d := Destination{Service: "checkout", Team: "sre", GroupBy: []string{"alertname"}, Window: 5 * time.Minute, Path: "{}"}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"service":"checkout","team":"sre","group_by":["alertname"],"window_seconds":300,"path":"{}"}`; string(b) != want {
		t.Fatalf("marshal: %s, want %s", b, want)
	}
	for _, tt := range []struct{ name, in string }{
		{"current", string(b)},
		// A group stored before the keys were snake_case.
		{"stored before", `{"Service":"checkout","Team":"sre","GroupBy":["alertname"],"Window":300000000000,"Path":"{}"}`},
	} {
		var got Destination
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil || !reflect.DeepEqual(got, d) {
			t.Errorf("%s: %+v %v, want %+v", tt.name, got, err, d)
		}
	}
	if b, _ := json.Marshal(Destination{}); !strings.Contains(string(b), `"group_by":[]`) {
		t.Errorf("no group-by: %s", b)
	}
}

func TestAlertJSONEndsAt(t *testing.T) {
	start := time.Date(2026, 11, 26, 22, 52, 14, 0, time.UTC)
	for _, tt := range []struct {
		name string
		ends time.Time
		want string
	}{
		{"open", time.Time{}, `"ends_at":null`},
		{"resolved", start.Add(time.Hour), `"ends_at":"2026-11-26T23:52:14Z"`},
	} {
		a := Alert{Source: SourceAlertmanager, Status: StatusFiring, StartsAt: start, EndsAt: tt.ends}
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), tt.want) || strings.Count(string(b), "ends_at") != 1 || !strings.Contains(string(b), `"labels":{}`) {
			t.Errorf("%s: %s, want %s once and labels {}", tt.name, b, tt.want)
		}
		var back Alert
		if err := json.Unmarshal(b, &back); err != nil || !back.EndsAt.Equal(tt.ends) || !back.StartsAt.Equal(start) {
			t.Errorf("%s: read back %+v %v", tt.name, back, err)
		}
	}
}
