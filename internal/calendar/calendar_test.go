package calendar

import (
	"testing"
	"time"
)

func TestAddBusinessDays(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name string
		from string
		n    int
		want string
	}{
		{"monday plus five is next monday", "2026-11-23T10:00:00Z", 5, "2026-11-30T10:00:00Z"},
		{"wednesday plus five skips the weekend", "2026-11-25T16:30:00Z", 5, "2026-12-02T16:30:00Z"},
		{"friday plus one is monday", "2026-11-27T09:00:00Z", 1, "2026-11-30T09:00:00Z"},
		{"saturday plus one is monday", "2026-11-28T09:00:00Z", 1, "2026-11-30T09:00:00Z"},
		{"sunday plus five is next friday", "2026-11-29T23:59:00Z", 5, "2026-12-04T23:59:00Z"},
		{"zero is the same instant", "2026-11-28T09:00:00Z", 0, "2026-11-28T09:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AddBusinessDays(Weekdays{}, at(tt.from), tt.n)
			if !got.Equal(at(tt.want)) {
				t.Fatalf("AddBusinessDays(%s, %d) = %s, want %s", tt.from, tt.n, got.Format(time.RFC3339), tt.want)
			}
		})
	}
}
