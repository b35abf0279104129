package store

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// TestSearchWindow: a ranked search scores the newest window() visible
// matches, best first, then lists the older matches newest first, and
// its pages, whatever their size, list each match once in that order.
func TestSearchWindow(t *testing.T) {
	backends := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return t.TempDir() + "/search.db" },
	}
	if os.Getenv(postgresEnv) != "" {
		backends["postgres"] = func(t *testing.T) string { return freshPostgres(t) }
	}
	// Span 1: PostgreSQL reads the matches in ranges of 1, 8, 64, …
	// numbers, so every answer needs ranges widened (newestAbove).
	for _, span := range []int64{0, 1} {
		for name, dsn := range backends {
			t.Run(fmt.Sprintf("%s/span-%d", name, span), func(t *testing.T) {
				ctx := context.Background()
				db, err := Open(ctx, dsn(t), Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				db.searchWindow = 3
				db.searchSpan = span
				n := 0
				svc := incident.NewService(db, anyUser{}, incident.DefaultPolicy(), time.Now, func() string { n++; return fmt.Sprintf("w-%d", n) })
				for _, in := range []incident.DeclareInput{
					{Title: "router flap edge"},                       // INC-1
					{Title: "router router flap"},                     // INC-2
					{Title: "switch flap edge"},                       // INC-3: no match
					{Title: "router flap edge"},                       // INC-4
					{Title: "router router router", Restricted: true}, // INC-5: hidden from bob
					{Title: "router flap edge"},                       // INC-6: window
					{Title: "router router router"},                   // INC-7: window
					{Title: "router router flap"},                     // INC-8: window
					{Title: "router core", Restricted: true},          // INC-9: hidden from bob
				} {
					if _, err := svc.Declare(ctx, "lead", in); err != nil {
						t.Fatal(err)
					}
				}
				// A restricted incident is listed for a viewer with a role
				// in it, and for its declarer.
				if _, err := svc.Assign(ctx, incident.Command{Actor: incident.Viewer{User: "lead"}, Ref: "INC-9"}, incident.IncidentCommander, "carol"); err != nil {
					t.Fatal(err)
				}
				for user, want := range map[string][]string{
					"carol": {"INC-1", "INC-2", "INC-4", "INC-6", "INC-7", "INC-8", "INC-9"},
					"lead":  {"INC-1", "INC-2", "INC-4", "INC-5", "INC-6", "INC-7", "INC-8", "INC-9"},
				} {
					p, err := db.List(ctx, incident.Filter{Text: "router", Viewer: incident.Viewer{User: user}, Limit: 50})
					if err != nil {
						t.Fatal(err)
					}
					var got []string
					for _, inc := range p.Items {
						got = append(got, inc.Ref)
					}
					if slices.Sort(got); !reflect.DeepEqual(got, want) {
						t.Errorf("%s finds %v, want %v", user, got, want)
					}
				}
				bob := incident.Viewer{User: "bob"}
				want := []string{"INC-7", "INC-8", "INC-6", "INC-4", "INC-2", "INC-1"}
				for _, limit := range []int{50, 1, 2, 3, 4} {
					var got []string
					f := incident.Filter{Text: "router", Viewer: bob, Limit: limit}
					for pages := 0; ; pages++ {
						if pages > len(want) {
							t.Fatalf("limit %d: pagination does not end: %v", limit, got)
						}
						p, err := db.List(ctx, f)
						if err != nil {
							t.Fatalf("limit %d: %v", limit, err)
						}
						if len(p.Items) > limit || (p.NextCursor != "" && len(p.Items) < limit) {
							t.Fatalf("limit %d: a page of %d, next %q", limit, len(p.Items), p.NextCursor)
						}
						for _, inc := range p.Items {
							got = append(got, inc.Ref)
							if _, ok := p.Matches[inc.ID]; !ok {
								t.Errorf("limit %d: no passage for %s", limit, inc.Ref)
							}
						}
						if p.NextCursor == "" {
							break
						}
						f.Cursor = p.NextCursor
					}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("limit %d: got %v, want %v", limit, got, want)
					}
				}
			})
		}
	}
}
