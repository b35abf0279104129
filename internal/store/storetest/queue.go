package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// testQueueOrderAndPages: the queue lists most severe first, then most
// recently active, then by ID (descending); waiting entries only (snoozed
// ones from the moment they are due) unless all; a limit pages it, and
// following the cursors lists every entry once in the same order, the
// visibility rule applied on every page; Queue is QueuePage's first page;
// a cursor the store did not issue is invalid.
func testQueueOrderAndPages(t *testing.T, s *Setup) {
	t0 := s.Clock.Now()
	now := t0.Add(10 * time.Minute)
	secret := declare(t, s, incident.DeclareInput{Title: "secret", Restricted: true})
	entries := []struct {
		id, sev string
		seen    time.Duration // after t0
		change  func(e *triage.Entry)
	}{
		{"e01", "critical", time.Minute, nil},
		{"e02", "critical", 3 * time.Minute, nil},
		{"e03", "warning", 2 * time.Minute, nil},
		{"e04", "warning", 2 * time.Minute, nil}, // ties with e03: the greater ID first
		{"e05", "", 5 * time.Minute, nil},
		{"e06", "error", 7 * time.Minute, func(e *triage.Entry) { e.Status, e.SnoozedUntil = triage.Snoozed, new(now.Add(time.Second)) }},
		{"e07", "error", 4 * time.Minute, func(e *triage.Entry) { e.Status, e.SnoozedUntil = triage.Snoozed, new(now) }}, // due right now
		{"e08", "critical", 2 * time.Minute, func(e *triage.Entry) { e.Status, e.Group.Closed = triage.Dismissed, true }},
		{"e09", "info", 9 * time.Minute, func(e *triage.Entry) { e.Status, e.AckedBy = triage.Acknowledged, "bob" }},
		{"e10", "error", 6 * time.Minute, func(e *triage.Entry) { e.Group.IncidentID = secret.ID }}, // waiting, but restricted
		{"e11", "info", 8 * time.Minute, func(e *triage.Entry) { e.Status, e.IncidentRef = triage.Declared, "INC-9" }},
	}
	for _, e := range entries {
		ingest(t, s, new([]string), fire(e.id, "fp", e.sev, t0.Add(e.seen)))
		if e.change != nil {
			update(t, s, e.id, e.change)
		}
	}
	bob := incident.Viewer{User: "bob"}
	for _, tt := range []struct {
		name string
		v    incident.Viewer
		all  bool
		want []string
	}{
		{"admin, waiting", root, false, []string{"e02", "e01", "e10", "e07", "e04", "e03", "e09", "e05"}},
		{"admin, all", root, true, []string{"e02", "e08", "e01", "e06", "e10", "e07", "e04", "e03", "e09", "e11", "e05"}},
		{"bob, waiting", bob, false, []string{"e02", "e01", "e07", "e04", "e03", "e09", "e05"}},
		{"bob, all", bob, true, []string{"e02", "e08", "e01", "e06", "e07", "e04", "e03", "e09", "e11", "e05"}},
		{"declarer alice, waiting", alice, false, []string{"e02", "e01", "e10", "e07", "e04", "e03", "e09", "e05"}},
	} {
		f := triage.Filter{Viewer: tt.v, All: tt.all, Now: now}
		one, err := s.DB.Queue(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if got := entryIDs(one); !slices.Equal(got, tt.want) {
			t.Errorf("%s: queue %v, want %v", tt.name, got, tt.want)
		}
		for _, limit := range []int{1, 3, len(tt.want), len(tt.want) + 1} {
			f.Limit, f.Cursor = limit, ""
			var got []string
			for pages := 1; ; pages++ {
				if pages > len(tt.want)+1 {
					t.Fatalf("%s, limit %d: the pages do not end", tt.name, limit)
				}
				p, err := s.DB.QueuePage(ctx, f)
				if err != nil {
					t.Fatalf("%s, limit %d, page %d: %v", tt.name, limit, pages, err)
				}
				if len(p.Items) > limit || (p.NextCursor != "" && len(p.Items) != limit) {
					t.Fatalf("%s, limit %d: page %d has %d entries, next %q", tt.name, limit, pages, len(p.Items), p.NextCursor)
				}
				if pages == 1 {
					first, err := s.DB.Queue(ctx, f)
					if err != nil || !slices.Equal(entryIDs(first), entryIDs(p.Items)) {
						t.Errorf("%s, limit %d: queue %v, first page %v (%v)", tt.name, limit, entryIDs(first), entryIDs(p.Items), err)
					}
				}
				got = append(got, entryIDs(p.Items)...)
				if p.NextCursor == "" {
					break
				}
				f.Cursor = p.NextCursor
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s, limit %d: pages %v, want %v", tt.name, limit, got, tt.want)
			}
		}
	}
	for _, c := range []string{"garbage!", "cTo1OjE", "q:1:2:e01"} {
		_, err := s.DB.QueuePage(ctx, triage.Filter{Viewer: root, Cursor: c, Now: now})
		if e, ok := errs.As(err); !ok || e.Code != errs.Invalid || e.Field != "cursor" {
			t.Errorf("cursor %q: %v, want an invalid cursor", c, err)
		}
	}
}

func entryIDs(es []triage.Entry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.Group.ID)
	}
	return out
}
