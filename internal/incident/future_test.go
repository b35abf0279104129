package incident

import (
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// TestFutureTimesNameTheirField is issue 12 defect 7: a time in the future
// says which time it is, in the message people read, not only in the
// problem's field.
func TestFutureTimesNameTheirField(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	later := now.Add(time.Hour)
	_, err := p.Declare(DeclareInput{Title: "t", DetectedAt: &later}, "id", 1, now)
	e, ok := errs.As(err)
	if !ok || e.Field != "detected_at" || e.Message != "Detected at (2026-11-25 10:00 UTC) is in the future: it is now 2026-11-25 09:00 UTC" {
		t.Fatalf("declare: %v", err)
	}
	inc := Incident{State: Active}
	_, err = p.AddEntry(&inc, KindNote, "n", &later, now)
	e, ok = errs.As(err)
	if !ok || e.Field != "occurred_at" || e.Message != "Happened at (2026-11-25 10:00 UTC) is in the future: it is now 2026-11-25 09:00 UTC" {
		t.Fatalf("entry: %v", err)
	}
}
