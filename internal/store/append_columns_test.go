package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// TestAppendWritesChangedColumns: an append that changes no indexed column
// (assigning a role, a note) writes only the rest, one that does (a
// transition, an edit of severity) writes them, and the columns always
// match the projection.
func TestAppendWritesChangedColumns(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e jobsEnv) {
		ctx := context.Background()
		n := 0
		svc := incident.NewService(e.db, anyUser{}, incident.DefaultPolicy(), func() time.Time { return e.now },
			func() string { n++; return fmt.Sprintf("columns-test-%d", n) })
		lead := incident.Viewer{User: "lead", SeeAll: true}
		inc, err := svc.Declare(ctx, "lead", incident.DeclareInput{Title: "columns", Severity: "SEV3", Type: "security"})
		if err != nil {
			t.Fatal(err)
		}
		c := incident.Command{Actor: lead, Ref: inc.Ref}
		sev := "SEV2"
		steps := map[string]func() (incident.Incident, error){
			"assign":   func() (incident.Incident, error) { return svc.Assign(ctx, c, incident.IRLead, "lead") },
			"activate": func() (incident.Incident, error) { return svc.Transition(ctx, c, incident.Active, "") },
			"note": func() (incident.Incident, error) {
				if _, err := svc.AddEntry(ctx, c, incident.KindNote, "a note", nil); err != nil {
					return incident.Incident{}, err
				}
				return e.db.Get(ctx, inc.ID)
			},
			"severity": func() (incident.Incident, error) {
				return svc.Update(ctx, c, incident.UpdateInput{Severity: &sev})
			},
		}
		for _, name := range []string{"assign", "activate", "note", "severity"} {
			want, err := steps[name]()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var title, summary, typ, severity, state string
			var restricted bool
			var version int64
			err = e.db.read.QueryRowContext(ctx, e.db.dialect.q(`SELECT title, summary, type, severity, state, restricted, version FROM incidents WHERE id = ?`), inc.ID).
				Scan(&title, &summary, &typ, &severity, &state, &restricted, &version)
			if err != nil {
				t.Fatal(err)
			}
			if title != want.Title || summary != want.Summary || typ != want.Type || severity != want.Severity || state != string(want.State) ||
				restricted != want.Restricted || version != want.Version {
				t.Errorf("after %s: columns %q %q %q %q %q %v %d, projection %+v", name, title, summary, typ, severity, state, restricted, version, want)
			}
		}
		page, err := svc.List(ctx, incident.Filter{Viewer: lead, States: []incident.State{incident.Active}, Severities: []string{sev}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || page.Items[0].ID != inc.ID {
			t.Fatalf("listed by state and severity: %+v", page.Items)
		}
	})
}
