package tasks

import (
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/calendar"
)

func TestPostmortemMoments(t *testing.T) {
	t.Parallel()
	de, err := calendar.ByCode("DE")
	if err != nil {
		t.Fatal(err)
	}
	at := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name            string
		cal             calendar.Calendar
		recovered, due  time.Time
		half, dayBefore time.Time // zero: left out
	}{
		{"a plain week", calendar.Weekdays{}, at(7, 9), at(14, 9), at(10, 21), at(11, 9)},
		{"half-way on a Sunday moves to Monday", calendar.Weekdays{}, at(3, 9), at(10, 9), at(7, 21), at(9, 9)},
		{"over Christmas in Germany", de, at(18, 9), at(28, 9), at(23, 9), at(24, 9)},
		{"half-way not before the day before", de, at(21, 12), at(29, 12), time.Time{}, at(28, 12)},
		{"one business day: no day before", calendar.Weekdays{}, at(7, 9), at(8, 9), at(7, 21), time.Time{}},
		{"no time at all", calendar.Weekdays{}, at(7, 9), at(7, 9), time.Time{}, time.Time{}},
	} {
		m := PostmortemMoments(tc.cal, tc.recovered, tc.due)
		if !m[MarkPMOverdue].Equal(tc.due) || !m[MarkPMHalf].Equal(tc.half) || !m[MarkPMDayBefore].Equal(tc.dayBefore) {
			t.Errorf("%s: %v, want half %s, day before %s, overdue %s", tc.name, m, tc.half, tc.dayBefore, tc.due)
		}
	}
}
