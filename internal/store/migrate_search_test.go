package store

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// TestMigrateSearchBackfill: migration 00034 indexes the incidents that
// exist when it runs exactly as the write path indexes new ones (which
// audit verify checks), notes, post-mortem and all.
func TestMigrateSearchBackfill(t *testing.T) {
	t.Parallel()
	backends := []string{"sqlite"}
	if os.Getenv(postgresEnv) != "" {
		backends = append(backends, "postgres")
	}
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn, gd := filepath.Join(t.TempDir(), "old.db"), goose.DialectSQLite3
			if b == "postgres" {
				dsn, gd = freshPostgres(t), goose.DialectPostgres
			}
			db, err := Open(ctx, dsn, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			n := 0
			svc := incident.NewService(db, anyUser{}, incident.DefaultPolicy(), time.Now, func() string { n++; return fmt.Sprintf("m-%d", n) })
			inc, err := svc.Declare(ctx, "lead", incident.DeclareInput{Title: "Payroll export leaked", Summary: "a CSV on a public share"})
			if err != nil {
				t.Fatal(err)
			}
			c := incident.Command{Actor: incident.Viewer{User: "lead", SeeAll: true}, Ref: inc.Ref}
			for _, body := range []string{"share closed", "HR told"} {
				if _, err := svc.AddEntry(ctx, c, incident.KindNote, body, nil); err != nil {
					t.Fatal(err)
				}
			}
			at := time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
			if _, err := svc.SavePostmortem(ctx, c, incident.PostmortemInput{Doc: incident.PostmortemDoc{Summary: "An export was shared", Impact: "1,200 rows",
				Timeline:   []incident.TimelineItem{{At: at, Text: "link created"}, {At: at.Add(time.Hour), Text: "link found"}},
				RootCauses: []incident.Cause{{Category: incident.CauseAccess, Text: "public by default"}}, Contributing: []incident.Cause{{Category: incident.CauseProcess, Text: "no review"}},
				Whys: []string{"why one", "why two"}, WentWell: "fast close", Hard: "finding owners", Lessons: "private by default"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Declare(ctx, "lead", incident.DeclareInput{Title: "Quiet one"}); err != nil {
				t.Fatal(err)
			}
			sub, err := fs.Sub(migrations, "migrations/"+b)
			if err != nil {
				t.Fatal(err)
			}
			p, err := goose.NewProvider(gd, db.write.DB, sub)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.DownTo(ctx, 33); err != nil {
				t.Fatal(err)
			}
			if _, err := p.Up(ctx); err != nil {
				t.Fatal(err)
			}
			seen := 0
			err = db.EachStream(ctx, func(s Stream) error {
				want := SearchRow{Title: s.Projection.Title, Summary: s.Projection.Summary,
					Timeline: incident.TimelineText(s.Events), Postmortem: incident.PostmortemText(s.Projection.Postmortem.Doc)}
				if s.Tables == nil || s.Tables.Search == nil || *s.Tables.Search != want {
					t.Errorf("%s: backfilled %+v, want %+v", s.Ref, s.Tables.Search, want)
				}
				seen++
				return nil
			})
			if err != nil || seen != 2 {
				t.Fatalf("each stream: %v after %d", err, seen)
			}
		})
	}
}
