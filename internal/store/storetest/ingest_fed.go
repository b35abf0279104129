package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// testIngestFed: Ingest's fed changes every entry a delivery's outcomes
// touch, once each, after newEntry for a new one and over the stored
// triage state for a queued one, in the same transaction; an entry only
// an ignored outcome names is not fed; a nil fed leaves entries as they
// were; a failed ingest stores none of fed's changes. This is how a
// delivery's truncatedAlerts count reaches its entries.
func testIngestFed(t *testing.T, s *Setup) {
	t0 := s.Clock.Now()
	// fedWith records which entries it was given, and in what state, and
	// sets their truncated count to n.
	var seen []string
	fedWith := func(n int) func(*triage.Entry) {
		return func(e *triage.Entry) {
			seen = append(seen, fmt.Sprintf("%s:%s:%d", e.Group.ID, e.Status, e.TruncatedAlerts))
			e.TruncatedAlerts = n
		}
	}
	deliver := func(fed func(*triage.Entry), outcomes ...alert.Outcome) {
		t.Helper()
		seen = nil
		if _, err := s.DB.Ingest(ctx, func(alert.State) ([]alert.Outcome, error) { return outcomes, nil }, newEntry(t0), fed); err != nil {
			t.Fatalf("ingest: %v", err)
		}
	}
	truncated := func(id string) int { t.Helper(); return mustEntry(t, s, id).TruncatedAlerts }

	// A delivery opening two groups, one of them with two alerts: each
	// new entry is fed once, after newEntry made it.
	a1, b1 := fire("ga", "fp-a1", "critical", t0), fire("gb", "fp-b1", "warning", t0)
	a2 := fire("ga", "fp-a2", "critical", t0)
	a2.Kind, a2.Group = alert.JoinedGroup, a1.Group
	a2.Group.Firing = 2
	deliver(fedWith(2), a1, b1, a2)
	slices.Sort(seen)
	if want := []string{"ga:new:0", "gb:new:0"}; !slices.Equal(seen, want) {
		t.Fatalf("fed was given %v, want %v", seen, want)
	}
	if truncated("ga") != 2 || truncated("gb") != 2 {
		t.Fatalf("truncated after the first delivery: ga %d, gb %d, want 2 and 2", truncated("ga"), truncated("gb"))
	}

	// A later delivery to a queued entry is fed over its stored triage
	// state, which it keeps; the pipeline's group state is written too.
	update(t, s, "ga", func(e *triage.Entry) { e.Status, e.AckedBy = triage.Acknowledged, "alice" })
	t1 := t0.Add(time.Minute)
	repeat := a1
	repeat.Kind, repeat.Item.Count, repeat.Item.LastSeen = alert.Repeat, 2, t1
	repeat.Group = a2.Group
	repeat.Group.LastSeen = t1
	deliver(fedWith(5), repeat)
	if want := []string{"ga:acknowledged:2"}; !slices.Equal(seen, want) {
		t.Fatalf("fed was given %v, want %v", seen, want)
	}
	e := mustEntry(t, s, "ga")
	if e.TruncatedAlerts != 5 || e.Status != triage.Acknowledged || e.AckedBy != "alice" || !e.Group.LastSeen.Equal(t1) || e.Group.Firing != 2 {
		t.Fatalf("after a fed repeat the entry is %+v", e)
	}
	if truncated("gb") != 2 {
		t.Fatalf("an entry the delivery did not touch changed: gb truncated %d, want 2", truncated("gb"))
	}

	// No fed: the count stays. Only an ignored outcome: nothing is fed.
	repeat.Item.Count, repeat.Item.LastSeen = 3, t1.Add(time.Second)
	deliver(nil, repeat)
	if truncated("ga") != 5 {
		t.Fatalf("a delivery without fed changed the count to %d, want 5", truncated("ga"))
	}
	ignored := alert.Outcome{Kind: alert.Ignored, Alert: b1.Alert, Reason: "a resolve for an alert never seen firing"}
	deliver(fedWith(9), ignored)
	if len(seen) != 0 || truncated("gb") != 2 {
		t.Fatalf("an ignored outcome fed %v; gb truncated %d, want 2", seen, truncated("gb"))
	}

	// A complete delivery clears the count.
	repeat.Item.Count = 4
	deliver(fedWith(0), repeat)
	if truncated("ga") != 0 {
		t.Fatalf("a complete delivery left the count at %d, want 0", truncated("ga"))
	}

	// A failed ingest stores none of fed's changes.
	before := mustEntry(t, s, "gb")
	bRepeat := b1
	bRepeat.Kind, bRepeat.Item.Count = alert.Repeat, 2
	_, err := s.DB.Ingest(ctx, func(alert.State) ([]alert.Outcome, error) {
		return []alert.Outcome{bRepeat}, errs.E(errs.Unavailable, "", "route table gone")
	}, newEntry(t0), fedWith(7))
	wantCode(t, err, errs.Unavailable)
	sameJSON(t, "the entry after a failed ingest", mustEntry(t, s, "gb"), before)
}
