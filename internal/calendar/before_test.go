package calendar

import (
	"testing"
	"time"
)

func TestSubBusinessDays(t *testing.T) {
	t.Parallel()
	de, err := ByCode("DE")
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 30, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name string
		cal  Calendar
		from time.Time
		n    int
		want time.Time
	}{
		{"Tuesday to Monday", Weekdays{}, at(2026, 12, 8), 1, at(2026, 12, 7)},
		{"Monday to Friday", Weekdays{}, at(2026, 12, 7), 1, at(2026, 12, 4)},
		{"Sunday to Friday", Weekdays{}, at(2026, 12, 6), 1, at(2026, 12, 4)},
		{"zero days", Weekdays{}, at(2026, 12, 6), 0, at(2026, 12, 6)},
		{"over Christmas in Germany", de, at(2026, 12, 28), 1, at(2026, 12, 24)},
		{"the inverse of AddBusinessDays", de, AddBusinessDays(de, at(2026, 12, 18), 5), 5, at(2026, 12, 18)},
	} {
		if got := SubBusinessDays(tc.cal, tc.from, tc.n); !got.Equal(tc.want) {
			t.Errorf("%s: %s − %d = %s, want %s", tc.name, tc.from, tc.n, got, tc.want)
		}
	}
}
