package triage_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/store/storetest"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// TestTruncatedAlertsOnTheEntry: the truncatedAlerts count of an
// Alertmanager delivery (alerts max_alerts left out) is recorded on the
// entry the delivery fed, the latest delivery's count winning, without
// touching the entry's triage state; the receipt says it too.
func TestTruncatedAlertsOnTheEntry(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := newSetup(t, b)
			ctx := context.Background()
			q := s.app.Services.Triage
			deliver := func(file string, truncated int) {
				t.Helper()
				body := strings.Replace(sample(t, file), `"truncatedAlerts": 0`, `"truncatedAlerts": `+itoa(truncated), 1)
				code, answer := s.post(t, "/hooks/alertmanager/"+s.secret, body)
				if code != 200 {
					t.Fatalf("%s: %d %s", file, code, answer)
				}
				var r triage.Receipt
				if err := json.Unmarshal([]byte(answer), &r); err != nil || r.Truncated != truncated {
					t.Fatalf("receipt %s (%v), want truncated %d", answer, err, truncated)
				}
			}
			entry := func() triage.Entry {
				t.Helper()
				entries, err := q.Queue(ctx, admin, true, 0)
				if err != nil || len(entries) != 1 {
					t.Fatalf("queue: %d entries, %v; want 1", len(entries), err)
				}
				return entries[0]
			}

			deliver("01-firing-first-notification.json", 3)
			e := entry()
			if e.TruncatedAlerts != 3 {
				t.Fatalf("new entry records %d truncated alerts, want 3", e.TruncatedAlerts)
			}
			if _, err := q.Acknowledge(ctx, admin, e.Group.ID); err != nil {
				t.Fatal(err)
			}
			// A repeat leaving out more: the latest count, the
			// acknowledgement kept.
			deliver("01-firing-first-notification.json", 7)
			if e = entry(); e.TruncatedAlerts != 7 || e.Status != triage.Acknowledged || e.AckedBy != admin.User {
				t.Fatalf("after a repeat: truncated %d, status %s by %q; want 7, acknowledged by %s", e.TruncatedAlerts, e.Status, e.AckedBy, admin.User)
			}
			// A complete delivery clears it.
			deliver("02-one-resolved-one-firing.json", 0)
			if e = entry(); e.TruncatedAlerts != 0 {
				t.Fatalf("after a complete delivery: truncated %d, want 0", e.TruncatedAlerts)
			}
		})
	}
}
