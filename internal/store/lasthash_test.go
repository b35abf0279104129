package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// TestAppendChainsFromRememberedHash: appends that take the previous
// hash from memory (lastHashes) chain exactly as those that read it, a
// failed append leaves nothing remembered, and a hash the database
// disagrees with is never used for another seq.
func TestAppendChainsFromRememberedHash(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e jobsEnv) {
		ctx := context.Background()
		n := 0
		svc := incident.NewService(e.db, anyUser{}, incident.DefaultPolicy(), func() time.Time { return e.now },
			func() string { n++; return fmt.Sprintf("hash-test-%d", n) })
		lead := incident.Viewer{User: "lead", SeeAll: true}
		inc, err := svc.Declare(ctx, "lead", incident.DeclareInput{Title: "chained", Severity: "SEV3"})
		if err != nil {
			t.Fatal(err)
		}
		events, err := e.db.Events(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if h, ok := e.db.hashes.get(inc.ID, inc.Version); !ok || h != events[len(events)-1].Hash {
			t.Fatalf("after the declaration: remembered %q (%v), last event's hash %q", h, ok, events[len(events)-1].Hash)
		}
		c := incident.Command{Actor: lead, Ref: inc.Ref}
		if _, err := svc.Assign(ctx, c, incident.IRLead, "lead"); err != nil {
			t.Fatal(err)
		}
		// The database's copy forgotten: this append reads the hash back.
		e.db.hashes = lastHashes{}
		if _, err := svc.Transition(ctx, c, incident.Active, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddEntry(ctx, c, incident.KindNote, "remembered again", nil); err != nil {
			t.Fatal(err)
		}
		// A stale append fails and remembers nothing.
		cur, err := e.db.Get(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		before, _ := e.db.hashes.get(inc.ID, cur.Version)
		stale := incident.Batch{ExpectedVersion: cur.Version - 1, Next: cur,
			Events: []incident.Event{{IncidentID: inc.ID, Seq: cur.Version, Type: incident.EvEntryAdded, Actor: "lead", RecordedAt: e.now, Data: []byte(`{}`)}}}
		if err := e.db.Append(ctx, stale); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("stale append: %v", err)
		}
		if h, ok := e.db.hashes.get(inc.ID, cur.Version); !ok || h != before {
			t.Fatalf("a failed append changed what is remembered: %q (%v), was %q", h, ok, before)
		}
		events, err = e.db.Events(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) < 4 {
			t.Fatalf("%d events", len(events))
		}
		if b := incident.VerifyChain(events); b != nil {
			t.Fatalf("chain broken: %+v", b)
		}
		if h, _ := e.db.hashes.get(inc.ID, int64(len(events))); h != events[len(events)-1].Hash {
			t.Fatalf("remembered %q, last event's hash %q", h, events[len(events)-1].Hash)
		}
	})
}

// TestLastHashesBounded: the memory starts again when full, and never
// goes back to an earlier event of an incident.
func TestLastHashesBounded(t *testing.T) {
	t.Parallel()
	var l lastHashes
	l.put("a", 2, "h2")
	l.put("a", 1, "h1")
	if h, ok := l.get("a", 2); !ok || h != "h2" {
		t.Fatalf("got %q %v", h, ok)
	}
	if _, ok := l.get("a", 1); ok {
		t.Fatal("an earlier seq was taken back")
	}
	for i := range maxLastHashes + 1 {
		l.put(fmt.Sprint(i), 1, "h")
	}
	if len(l.m) > maxLastHashes {
		t.Fatalf("%d entries", len(l.m))
	}
}
