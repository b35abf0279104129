package storetest

import (
	"log/slog"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// RunTriage runs the triage queue's part of the contract against backend b.
func RunTriage(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *Setup)
	}{
		{"QueueFollowsTheLinkedIncidentsVisibility", testQueueVisibility},
		{"QueueOrderAndPages", testQueueOrderAndPages},
		{"IngestStoresOutcomesAndReadsItsOwnState", testIngest},
		{"IngestFeedsEveryEntryItTouches", testIngestFed},
		{"ConcurrentQueueWritesAllLand", testConcurrentQueueWrites},
		{"UpdateEntryIsAllOrNothing", testUpdateEntry},
		{"CloseGroupsOf", testCloseGroupsOf},
		{"Integrations", testIntegrations},
		{"PutIntegration", testPutIntegration},
		{"Attachments", testAttachments},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, NewSetup(t, b))
		})
	}
}

// testQueueVisibility: an entry linked to a restricted incident is listed,
// read and changed only by those who may see the incident (its declarer,
// its role holders, admins); for anyone else it is not found with the very
// answer a missing entry gets, and the queue's limit counts only what they
// may see.
func testQueueVisibility(t *testing.T, s *Setup) {
	q := triage.NewService(s.DB, s.DB, s.Incidents, slog.New(slog.DiscardHandler), s.Clock.Now, IDs("grp"))
	bob, root := incident.Viewer{User: "bob"}, incident.Viewer{User: "root", SeeAll: true}
	// open is the oldest, so a limit of one on a list that filtered after
	// the query would come back empty for bob.
	report := func(title string) string {
		t.Helper()
		s.Clock.Advance(time.Minute)
		if _, err := q.Report(ctx, triage.ReportInput{Title: title, Description: title + " in detail"}); err != nil {
			t.Fatal(err)
		}
		all, err := s.DB.Queue(ctx, triage.Filter{Viewer: root, All: true, Now: s.Clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range all {
			if e.Group.Summary == title {
				return e.Group.ID
			}
		}
		t.Fatalf("report %q is not in the queue", title)
		return ""
	}
	open, declared, later, attached := report("open"), report("declared"), report("restricted later"), report("attached")

	// declared becomes a restricted incident; later is attached to an open
	// incident that is restricted afterwards; attached goes to an existing
	// restricted incident (by an admin: alice declared it, so she sees it).
	if _, err := q.Declare(ctx, alice, declared, incident.DeclareInput{Restricted: true}); err != nil {
		t.Fatal(err)
	}
	plain := declare(t, s, incident.DeclareInput{Title: "plain"})
	if _, err := q.Attach(ctx, alice, later, plain.Ref); err != nil {
		t.Fatal(err)
	}
	secret := declare(t, s, incident.DeclareInput{Title: "secret", Restricted: true})
	if _, err := q.Attach(ctx, root, attached, secret.Ref); err != nil {
		t.Fatal(err)
	}
	restricted := true
	if _, err := s.Incidents.Update(ctx, cmd(plain.Ref), incident.UpdateInput{Restricted: &restricted}); err != nil {
		t.Fatal(err)
	}

	ids := func(v incident.Viewer, all bool, limit int) []string {
		t.Helper()
		es, err := s.DB.Queue(ctx, triage.Filter{Viewer: v, All: all, Limit: limit, Now: s.Clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Group.ID)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(v ...string) []string { slices.Sort(v); return v }
	everything := sorted(open, declared, later, attached)
	for _, tt := range []struct {
		who   string
		v     incident.Viewer
		all   bool
		limit int
		want  []string
	}{
		{"bob, all", bob, true, 0, []string{open}},
		{"bob, waiting", bob, false, 0, []string{open}},
		{"bob, all, limit 1", bob, true, 1, []string{open}},
		{"declarer alice, all", alice, true, 0, everything},
		{"admin, all", root, true, 0, everything},
		{"admin, waiting", root, false, 0, []string{open}},
		{"nobody named, all", incident.Viewer{}, true, 0, []string{open}},
	} {
		if got := ids(tt.v, tt.all, tt.limit); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.who, got, tt.want)
		}
	}

	// One entry, read or changed: the same not-found as a missing one.
	_, missing := s.DB.Entry(ctx, bob, "no-such-entry")
	wantCode(t, missing, errs.NotFound)
	for _, id := range []string{declared, later, attached} {
		_, err := s.DB.Entry(ctx, bob, id)
		if e, ok := errs.As(err); !ok || e.Code != errs.NotFound || e.Field != "id" || e.Message != "no queue entry "+id {
			t.Errorf("bob reads %s: %v, want the missing entry's not found", id, err)
		}
		called := false
		_, err = s.DB.UpdateEntry(ctx, bob, id, triage.LogEntry{Action: "dismiss", Actor: "bob", At: s.Clock.Now()}, func(*triage.Entry) error {
			called = true
			return nil
		})
		if errs.CodeOf(err) != errs.NotFound || called {
			t.Errorf("bob changes %s: %v (change ran: %v)", id, err, called)
		}
		for _, v := range []incident.Viewer{alice, root} {
			if e, err := s.DB.Entry(ctx, v, id); err != nil || e.Group.ID != id {
				t.Errorf("%s reads %s: %v", v.User, id, err)
			}
		}
	}
	if log, err := s.DB.Log(ctx, declared); err != nil || len(log) != 1 || log[0].Action != "declared" {
		t.Fatalf("the declared entry's log: %v, %v (bob's refused change must record nothing)", log, err)
	}

	// A role on the incident makes bob a participant: he sees its entry.
	inc := mustEntry(t, s, declared).IncidentRef
	if _, err := s.Incidents.Assign(ctx, cmd(inc), incident.Responder, "bob"); err != nil {
		t.Fatal(err)
	}
	if got := ids(bob, true, 0); !reflect.DeepEqual(got, sorted(open, declared)) {
		t.Errorf("participant bob sees %v", got)
	}
	if _, err := s.DB.Entry(ctx, bob, declared); err != nil {
		t.Errorf("participant bob reads the entry: %v", err)
	}
}

func mustEntry(t *testing.T, s *Setup, id string) triage.Entry {
	t.Helper()
	e, err := s.DB.Entry(ctx, incident.Viewer{User: "root", SeeAll: true}, id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
