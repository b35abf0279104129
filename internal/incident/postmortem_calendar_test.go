package incident

import (
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/calendar"
)

// With the team's US holiday calendar, recovery on the Wednesday before
// Thanksgiving 2026 puts the post-mortem five business days later without
// counting Thursday 26 November.
func TestPostmortemDueOnHolidayCalendar(t *testing.T) {
	t.Parallel()
	us, err := calendar.ByCode("US")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		cal  calendar.Calendar
		want time.Time
	}{
		{"US federal holidays", us, time.Date(2026, 12, 3, 16, 30, 0, 0, time.UTC)},
		{"Monday to Friday", calendar.Weekdays{}, time.Date(2026, 12, 2, 16, 30, 0, 0, time.UTC)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := DefaultPolicy()
			p.Calendar = tt.cal
			inc := build(t, p, DeclareInput{Title: "t", Severity: "SEV3"}, assign(p, IRLead, "a"), move(p, Active, ""), move(p, Contained, ""),
				set(p, UpdateInput{RootCause: new("x")}), move(p, Eradicated, ""))
			wednesday := time.Date(2026, 11, 25, 16, 30, 0, 0, time.UTC)
			ch, err := p.Transition(&inc, Recovered, "", wednesday, Known{})
			if err != nil {
				t.Fatal(err)
			}
			if got := ch[0].Data.(TransitionData).PostmortemDue; got == nil || !got.Equal(tt.want) {
				t.Fatalf("due %v, want %v", got, tt.want)
			}
		})
	}
}
