package config

import (
	"testing"
	"time"
)

func TestInsightsBlock(t *testing.T) {
	t.Parallel()
	f, err := Parse([]byte("insights:\n  time_zone: Europe/Paris\n  work_start: \"08:30\"\n  work_end: \"17:45\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	loc, start, end := f.InsightsHours()
	if loc == nil || loc.String() != "Europe/Paris" || start != 8*time.Hour+30*time.Minute || end != 17*time.Hour+45*time.Minute {
		t.Fatalf("insights hours %v %v %v", loc, start, end)
	}
	if loc, start, end := (File{}).InsightsHours(); loc != nil || start != 0 || end != 0 {
		t.Fatalf("left out: %v %v %v", loc, start, end)
	}
	for _, tc := range []struct{ in, err string }{
		{"insights:\n  time_zone: Mars/Olympus\n", `[2:14] insights.time_zone: "Mars/Olympus" is not a time zone (expected one such as Europe/Paris)`},
		{"insights:\n  work_start: \"09:00\"\n", `[1:1] insights: work_start and work_end go together`},
		{"insights:\n  work_start: nine\n  work_end: \"18:00\"\n", `[2:15] insights.work_start: "nine" is not a time of day (expected one such as 09:00)`},
		{"insights:\n  work_start: \"09:00\"\n  work_end: \"25:00\"\n", `[3:13] insights.work_end: "25:00" is not a time of day (expected one such as 18:00)`},
		{"insights:\n  work_start: \"18:00\"\n  work_end: \"09:00\"\n", `[3:13] insights.work_end: 09:00 is not after work_start 18:00`},
	} {
		if _, err := Parse([]byte(tc.in)); err == nil || err.Error() != tc.err {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
		}
	}
}
