package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// seedQueue writes n queue entries straight into alert_groups, in large
// transactions: ranks 1–5, last_seen in steps of a second shared by three
// entries each (so the id breaks ties), statuses new, acknowledged,
// snoozed (half of them due at now), dismissed and declared, and one in
// ten linked to an incident that is not there (hidden from anyone who
// may not see everything).
func seedQueue(tb testing.TB, db *DB, n int, now time.Time) []triage.Entry {
	tb.Helper()
	statuses := []triage.Status{triage.New, triage.New, triage.Acknowledged, triage.New, triage.Snoozed, triage.Dismissed, triage.New, triage.Declared, triage.Acknowledged, triage.New}
	out := make([]triage.Entry, 0, n)
	for i := range n {
		seen := now.Add(-time.Duration(n-i/3) * time.Second)
		e := triage.Entry{Group: alert.Group{ID: fmt.Sprintf("e%06d", i), Key: fmt.Sprintf("k%06d", i), FirstSeen: seen, LastSeen: seen},
			Status: statuses[i%len(statuses)], Rank: i*7%5 + 1, UpdatedAt: seen}
		if e.Status == triage.Snoozed {
			until := now.Add(time.Duration(i%2*2-1) * time.Hour) // due or not
			e.SnoozedUntil = &until
		}
		if e.Status == triage.Dismissed || e.Status == triage.Declared {
			e.Group.Closed = true
		}
		if i%10 == 3 {
			e.Group.IncidentID = "not-there"
		}
		out = append(out, e)
	}
	for start := 0; start < n; start += 5000 {
		err := db.tx(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
			for _, e := range out[start:min(start+5000, n)] {
				if err := db.putEntry(ctx, tx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatalf("seed the queue: %v", err)
		}
	}
	return out
}

// wantQueue is the queue's order computed here: what QueuePage must list.
func wantQueue(es []triage.Entry, all, seeAll bool, now time.Time) []string {
	var keep []triage.Entry
	for _, e := range es {
		waiting := e.Status == triage.New || e.Status == triage.Acknowledged || (e.Status == triage.Snoozed && !e.SnoozedUntil.After(now))
		if (all || waiting) && (seeAll || e.Group.IncidentID == "") {
			keep = append(keep, e)
		}
	}
	sort.Slice(keep, func(i, j int) bool {
		a, b := keep[i], keep[j]
		if a.Rank != b.Rank {
			return a.Rank < b.Rank
		}
		if !a.Group.LastSeen.Equal(b.Group.LastSeen) {
			return a.Group.LastSeen.After(b.Group.LastSeen)
		}
		return a.Group.ID > b.Group.ID
	})
	ids := make([]string, len(keep))
	for i, e := range keep {
		ids[i] = e.Group.ID
	}
	return ids
}

// TestQueuePages: following next_cursor from the first page lists every
// entry the viewer may see exactly once, in the queue's order (rank, then
// most recent, then id), for waiting entries and for all, for an admin
// and for someone the visibility filter applies to; a cursor that is not
// ours is an invalid cursor. On SQLite and PostgreSQL.
func TestQueuePages(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e jobsEnv) {
		es := seedQueue(t, e.db, 537, e.now)
		for _, tt := range []struct {
			name  string
			v     incident.Viewer
			all   bool
			limit int
		}{
			{"admin waiting", incident.Viewer{User: "root", SeeAll: true}, false, 50},
			{"admin all", incident.Viewer{User: "root", SeeAll: true}, true, 64},
			{"bob waiting", incident.Viewer{User: "bob"}, false, 7},
			{"bob all", incident.Viewer{User: "bob"}, true, 500},
		} {
			var got []string
			cursor, pages := "", 0
			for {
				p, err := e.db.QueuePage(context.Background(), triage.Filter{Viewer: tt.v, All: tt.all, Limit: tt.limit, Cursor: cursor, Now: e.now})
				if err != nil {
					t.Fatalf("%s: page %d: %v", tt.name, pages, err)
				}
				pages++
				if len(p.Items) > tt.limit || (p.NextCursor != "" && len(p.Items) != tt.limit) {
					t.Fatalf("%s: page %d has %d entries (limit %d, next %q)", tt.name, pages, len(p.Items), tt.limit, p.NextCursor)
				}
				for _, it := range p.Items {
					got = append(got, it.Group.ID)
				}
				if p.NextCursor == "" {
					break
				}
				cursor = p.NextCursor
			}
			want := wantQueue(es, tt.all, tt.v.SeeAll, e.now)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %d entries over %d pages, want %d; first difference at %d", tt.name, len(got), pages, len(want), firstDiff(got, want))
			}
		}
		for _, c := range []string{"nope", "cTo1OjE", "bjox"} {
			_, err := e.db.QueuePage(context.Background(), triage.Filter{Viewer: incident.Viewer{SeeAll: true}, Cursor: c, Now: e.now})
			if ee, ok := errs.As(err); !ok || ee.Code != errs.Invalid || ee.Field != "cursor" {
				t.Errorf("cursor %q: %v, want invalid cursor", c, err)
			}
		}
	})
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// BenchmarkTriageQueue reads pages of a 100,000-entry queue on SQLite, as
// an admin and as a viewer the visibility filter applies to: the first
// page, and a page far down reached by its cursor. It reports the 99th
// percentile per page (p99-ms) beside the mean. The figure is in the
// README's Performance section.
func BenchmarkTriageQueue(b *testing.B) {
	const n = 100_000
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	db, err := Open(context.Background(), b.TempDir()+"/queue.db", Options{Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	seedQueue(b, db, n, now)
	b.Logf("seeded %d entries in %s", n, time.Since(start).Round(time.Millisecond))
	ctx := context.Background()
	// A cursor about 40,000 entries down the waiting queue.
	deep := map[bool]string{}
	for _, seeAll := range []bool{true, false} {
		cursor := ""
		for range 80 {
			p, err := db.QueuePage(ctx, triage.Filter{Viewer: incident.Viewer{User: "bob", SeeAll: seeAll}, Limit: 500, Cursor: cursor, Now: now})
			if err != nil {
				b.Fatal(err)
			}
			cursor = p.NextCursor
		}
		deep[seeAll] = cursor
	}
	for _, c := range []struct {
		name   string
		seeAll bool
		all    bool
		deep   bool
	}{
		{"admin/first", true, false, false},
		{"admin/deep", true, false, true},
		{"admin/all", true, true, false},
		{"viewer/first", false, false, false},
		{"viewer/deep", false, false, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			f := triage.Filter{Viewer: incident.Viewer{User: "bob", SeeAll: c.seeAll}, All: c.all, Limit: 100, Now: now}
			if c.deep {
				f.Cursor = deep[c.seeAll]
			}
			took := make([]time.Duration, 0, b.N)
			for b.Loop() {
				t0 := time.Now()
				p, err := db.QueuePage(ctx, f)
				took = append(took, time.Since(t0))
				if err != nil || len(p.Items) != 100 {
					b.Fatalf("page: %d entries, %v", len(p.Items), err)
				}
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
