package oncall

import (
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	start := ts(t, "2025-06-02T09:00:00Z")
	good := func() Schedule {
		return Schedule{Name: "s", TimeZone: "Europe/Berlin", Layers: []Layer{
			{Name: "primary", Users: []string{"a"}, Start: start, Rotation: Rotation{Kind: Daily}},
		}}
	}
	with := func(f func(*Schedule)) Schedule { s := good(); f(&s); return s }
	ov := func(user, from, to string) Override { return Override{User: user, From: ts(t, from), To: ts(t, to)} }
	tests := []struct {
		name string
		s    Schedule
		want []string // "field: message"
	}{
		{"valid", good(), nil},
		{"everything missing", Schedule{}, []string{
			"name: is required",
			"time_zone: is required",
			"layers: at least one layer is required",
		}},
		{"unknown zone", with(func(s *Schedule) { s.TimeZone = "Mars/Olympus_Mons" }), []string{
			`time_zone: unknown time zone "Mars/Olympus_Mons"`,
		}},
		{"Local is not a zone name", with(func(s *Schedule) { s.TimeZone = "Local" }), []string{
			`time_zone: unknown time zone "Local"`,
		}},
		{"empty layer and duplicate name", with(func(s *Schedule) {
			s.Layers = append(s.Layers, Layer{Name: "primary", Start: start, Rotation: Rotation{Kind: Weekly}})
		}), []string{
			`layers[1].name: "primary" is already the name of layers[0]`,
			"layers[1].users: is empty: a layer needs at least one user",
		}},
		{"layer without name, start, user name", with(func(s *Schedule) {
			s.Layers[0].Name = " "
			s.Layers[0].Users = []string{"a", ""}
			s.Layers[0].Start = time.Time{}
		}), []string{
			"layers[0].name: is required",
			"layers[0].users[1]: is empty",
			"layers[0].start: is required",
		}},
		{"bad hand-off times", with(func(s *Schedule) {
			s.Layers[0].HandoffTime = "24:00"
			s.Layers = append(s.Layers,
				Layer{Name: "b", Users: []string{"a"}, Start: start, Rotation: Rotation{Kind: Daily}, HandoffTime: "9:00"})
		}), []string{
			`layers[0].handoff_time: "24:00" is not a time of day (HH:MM, 00:00 to 23:59)`,
			`layers[1].handoff_time: "9:00" is not a time of day (HH:MM, 00:00 to 23:59)`,
		}},
		{"bad rotations", with(func(s *Schedule) {
			s.Layers = []Layer{
				{Name: "a", Users: []string{"a"}, Start: start, Rotation: Rotation{Kind: "monthly"}},
				{Name: "b", Users: []string{"a"}, Start: start, Rotation: Rotation{Kind: Weekly, Every: -1, Hours: 3}},
				{Name: "c", Users: []string{"a"}, Start: start, Rotation: Rotation{Kind: Custom}},
				{Name: "d", Users: []string{"a"}, Start: start, Rotation: Rotation{Kind: Custom, Every: 2, Days: 1, Hours: -1}},
			}
		}), []string{
			`layers[0].rotation.kind: unknown rotation kind "monthly" (want daily, weekly or custom)`,
			"layers[1].rotation.every: must be at least 1 (or 0 for 1), not -1",
			"layers[1].rotation: days and hours are only for custom rotations; a weekly rotation uses every",
			"layers[2].rotation: a custom rotation needs a positive length (days 0, hours 0)",
			"layers[3].rotation.every: is not used by custom rotations; set days and hours",
			"layers[3].rotation: a custom rotation needs a positive length (days 1, hours -1)",
		}},
		{"bad restrictions", with(func(s *Schedule) {
			s.Layers[0].Restrictions = []Restriction{
				{Days: []time.Weekday{time.Monday, 7}, From: "09:00", To: "17:00"},
				{From: "17:00", To: "09:00"},
				{From: "9am", To: "24:01"},
				{From: "00:00", To: "24:00", Days: []time.Weekday{time.Saturday}},
				{From: "08:00", To: "10:00", Days: []time.Weekday{time.Saturday, time.Sunday}},
			}
		}), []string{
			"layers[0].restrictions[0].days[1]: unknown day 7 (want 0 for Sunday to 6 for Saturday)",
			"layers[0].restrictions[1]: from 17:00 is not before to 09:00 (split a window that crosses midnight in two)",
			`layers[0].restrictions[2].from: "9am" is not a time of day (HH:MM, 00:00 to 23:59)`,
			`layers[0].restrictions[2].to: "24:01" is not a time of day (HH:MM, 00:00 to 24:00)`,
			"layers[0].restrictions[4]: overlaps restrictions[3] on Saturday",
		}},
		{"bad and overlapping overrides", with(func(s *Schedule) {
			s.Overrides = []Override{
				ov("x", "2025-06-02T10:00:00Z", "2025-06-02T12:00:00Z"),
				ov("", "2025-06-02T12:00:00Z", "2025-06-02T12:00:00Z"),
				ov("y", "2025-06-02T11:00:00Z", "2025-06-02T13:00:00Z"),
				ov("x", "2025-06-02T12:00:00Z", "2025-06-02T14:00:00Z"), // touches the first: fine
			}
		}), []string{
			"overrides[1].user: is required",
			"overrides[1]: from 2025-06-02T12:00:00Z is not before to 2025-06-02T12:00:00Z",
			"overrides[2]: 2025-06-02T11:00:00Z to 2025-06-02T13:00:00Z overlaps overrides[0] (2025-06-02T10:00:00Z to 2025-06-02T12:00:00Z)",
			"overrides[3]: 2025-06-02T12:00:00Z to 2025-06-02T14:00:00Z overlaps overrides[2] (2025-06-02T11:00:00Z to 2025-06-02T13:00:00Z)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.s.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Invalid {
				t.Fatalf("Validate() = %#v, want an *errs.Error with code Invalid", err)
			}
			var got []string
			for _, d := range e.Details {
				got = append(got, d.Field+": "+d.Message)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("details:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if err.Error() != tt.want[0] {
				t.Errorf("Error() = %q, want the first detail %q", err.Error(), tt.want[0])
			}
		})
	}
}
