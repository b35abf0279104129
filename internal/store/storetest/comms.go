package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// RunComms runs the notification duties' part of the contract against
// backend b: the organisation profile, facts with their version and the
// events and jobs written with them, records once per phase, the reminder
// plan's generation, and reminder rows.
func RunComms(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *Setup)
	}{
		{"Profile", testCommsProfile},
		{"FactsWithEventsAndJobs", testCommsFacts},
		{"StaleWritesChangeNothing", testCommsStale},
		{"RecordsOncePerPhase", testCommsRecords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, NewSetup(t, b))
		})
	}
}

func testCommsProfile(t *testing.T, s *Setup) {
	ctx := context.Background()
	if _, err := s.DB.Profile(ctx); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("profile before any was saved: %v, want not found", err)
	}
	p := duties.Profile{Roles: []string{"controller"}, EntityTypes: []string{"essential_entity"}, Countries: []string{"DE"},
		Calendars: map[string]string{"EU": "DE"}, Targets: map[string]string{"eu-gdpr-art34-data-subjects": "48h"},
		Reminders: &duties.Reminders{Before: []string{"2h"}, Overdue: true}}
	at := s.Clock.Now()
	if _, err := s.DB.PutProfile(ctx, p, "root", at, []engine.Job{{Kind: "test.replan", RunAt: at}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.DB.Profile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if mustJSON(t, got.Profile) != mustJSON(t, p) || got.UpdatedBy != "root" || got.UpdatedAt == nil || !got.UpdatedAt.Equal(at) {
		t.Fatalf("profile read back as %+v", got)
	}
	p.Roles = []string{"processor"}
	if _, err := s.DB.PutProfile(ctx, p, "admin", at.Add(time.Minute), nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.DB.Profile(ctx); got.Profile.Roles[0] != "processor" || got.UpdatedBy != "admin" {
		t.Fatalf("second save read back as %+v", got)
	}
	jobs, err := s.DB.Claim(ctx, "w", at.Add(time.Hour), time.Minute, 10)
	if err != nil || len(jobs) != 1 || jobs[0].Kind != "test.replan" {
		t.Fatalf("jobs written with the profile: %+v %v", jobs, err)
	}
}

// factsChange builds a duties write of new facts on inc with one
// facts.updated event.
func factsChange(t *testing.T, s *Setup, inc incident.Incident, cur duties.FactsState, f comms.Facts, jobs ...engine.Job) duties.Write {
	t.Helper()
	now := s.Clock.Now()
	next, events, err := incident.Record(inc, []incident.Change{{Type: incident.EvFactsUpdated,
		Data: duties.FactsUpdatedData{Version: cur.Version + 1, Changes: []duties.FactChange{{Field: "anchors.aware", To: "x"}}}}}, "alice", now)
	if err != nil {
		t.Fatal(err)
	}
	return duties.Write{IncidentID: inc.ID, Batch: incident.Batch{ExpectedVersion: inc.Version, Events: events, Next: next},
		Facts:                &duties.FactsState{Facts: f, Version: cur.Version + 1, UpdatedBy: "alice", UpdatedAt: &now},
		ExpectedFactsVersion: cur.Version, Plan: cur.Plan + 1, ExpectedPlan: cur.Plan, Jobs: jobs}
}

func (s *Setup) declare(t *testing.T) incident.Incident {
	t.Helper()
	inc, err := s.Incidents.Declare(context.Background(), "alice", incident.DeclareInput{Title: "Customer data exposed", Source: incident.SourceInternal})
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

func testCommsFacts(t *testing.T, s *Setup) {
	ctx := context.Background()
	inc := s.declare(t)
	st, err := s.DB.Facts(ctx, inc.ID)
	if err != nil || st.Version != 0 || st.Plan != 0 || st.UpdatedAt != nil {
		t.Fatalf("facts before any were set: %+v %v", st, err)
	}
	aware := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	n := 1200
	f := comms.Facts{Anchors: map[string]time.Time{"aware": aware}, PersonalData: true, DataTypes: []string{"credentials"},
		AffectedIndividuals: &n, AffectedByJurisdiction: map[string]int{"EU": 1200}, Notes: "from the S3 bucket"}
	due := s.Clock.Now().Add(24 * time.Hour)
	if err := s.DB.WriteDuties(ctx, factsChange(t, s, inc, st, f, engine.Job{Kind: "test.remind", RunAt: due})); err != nil {
		t.Fatal(err)
	}
	got, err := s.DB.Facts(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || got.Plan != 1 || got.UpdatedBy != "alice" || mustJSON(t, got.Facts) != mustJSON(t, f) {
		t.Fatalf("facts read back as %+v", got)
	}
	// The event is on the chain and the projection moved with it.
	cur, events, err := s.Incidents.Timeline(ctx, incident.Viewer{User: "alice"}, inc.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Version != 2 || len(events) != 2 || events[1].Type != incident.EvFactsUpdated {
		t.Fatalf("after the facts: version %d, %d events", cur.Version, len(events))
	}
	if br := incident.VerifyChain(events); br != nil {
		t.Fatalf("chain broken at %d: %s", br.Seq, br.Reason)
	}
	if folded, err := incident.Fold(events); err != nil || folded.Version != cur.Version {
		t.Fatalf("fold: %v (version %d, projection %d)", err, folded.Version, cur.Version)
	}
	if ids, err := s.DB.DutyIncidents(ctx); err != nil || len(ids) != 1 || ids[0] != inc.ID {
		t.Fatalf("incidents with duties: %v %v", ids, err)
	}
	if jobs, _ := s.DB.Claim(ctx, "w", s.Clock.Now(), time.Minute, 10); len(jobs) != 0 {
		t.Fatalf("a job due tomorrow was claimable now: %+v", jobs)
	}
	if jobs, _ := s.DB.Claim(ctx, "w", due, time.Minute, 10); len(jobs) != 1 || jobs[0].Kind != "test.remind" {
		t.Fatalf("the reminder job written with the facts: %+v", jobs)
	}
}

func testCommsStale(t *testing.T, s *Setup) {
	ctx := context.Background()
	inc := s.declare(t)
	f := comms.Facts{PersonalData: true}
	if err := s.DB.WriteDuties(ctx, factsChange(t, s, inc, duties.FactsState{}, f)); err != nil {
		t.Fatal(err)
	}
	inc, _ = s.Incidents.Get(ctx, incident.Viewer{User: "alice"}, inc.Ref)
	cur, _ := s.DB.Facts(ctx, inc.ID)
	for name, w := range map[string]duties.Write{
		"stale facts version": func() duties.Write {
			w := factsChange(t, s, inc, cur, comms.Facts{})
			w.ExpectedFactsVersion = 0
			return w
		}(),
		"stale plan": func() duties.Write {
			w := factsChange(t, s, inc, cur, comms.Facts{})
			w.ExpectedPlan = 7
			return w
		}(),
		"stale incident": func() duties.Write {
			w := factsChange(t, s, inc, cur, comms.Facts{})
			w.Batch.ExpectedVersion--
			for i := range w.Batch.Events {
				w.Batch.Events[i].Seq--
			}
			w.Batch.Next.Version--
			return w
		}(),
	} {
		w.Jobs = []engine.Job{{Kind: "test.stale", RunAt: s.Clock.Now()}}
		if err := s.DB.WriteDuties(ctx, w); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("%s: %v, want a conflict", name, err)
		}
	}
	got, _ := s.DB.Facts(ctx, inc.ID)
	after, events, _ := s.Incidents.Timeline(ctx, incident.Viewer{User: "alice"}, inc.Ref)
	if got.Version != 1 || !got.Facts.PersonalData || after.Version != inc.Version || len(events) != int(inc.Version) {
		t.Fatalf("a refused write changed something: facts %+v, incident version %d→%d", got, inc.Version, after.Version)
	}
	if jobs, _ := s.DB.Claim(ctx, "w", s.Clock.Now().Add(time.Hour), time.Minute, 10); len(jobs) != 0 {
		t.Fatalf("jobs of refused writes were kept: %+v", jobs)
	}
}

func testCommsRecords(t *testing.T, s *Setup) {
	ctx := context.Background()
	inc := s.declare(t)
	at := s.Clock.Now().Add(-time.Hour)
	write := func(plan int64, r duties.RecordRow) error {
		return s.DB.WriteDuties(ctx, duties.Write{IncidentID: inc.ID, Record: &r, Plan: plan + 1, ExpectedPlan: plan})
	}
	sub := duties.RecordRow{Record: comms.Record{ObligationID: "eu-nis2-art23-significant-incident", Phase: "incident_notification", Kind: comms.RecordSubmitted, At: at},
		Actor: "alice", NoticeID: "notice-1", RecordedAt: s.Clock.Now()}
	if err := write(0, sub); err != nil {
		t.Fatal(err)
	}
	waiver := duties.RecordRow{Record: comms.Record{ObligationID: "eu-gdpr-art33-supervisory-authority", Phase: "initial_notification", Kind: comms.RecordWaived, At: s.Clock.Now(),
		Reason: "unlikely to result in a risk"}, Actor: "bob", RecordedAt: s.Clock.Now().Add(time.Second)}
	if err := write(1, waiver); err != nil {
		t.Fatal(err)
	}
	again := sub
	again.Kind = comms.RecordWaived
	if err := write(2, again); errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("a second record of a phase: %v, want a conflict", err)
	}
	got, err := s.DB.Records(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || mustJSON(t, got[0]) != mustJSON(t, sub) || mustJSON(t, got[1]) != mustJSON(t, waiver) {
		t.Fatalf("records read back as %s, want %s and %s", mustJSON(t, got), mustJSON(t, sub), mustJSON(t, waiver))
	}
	// Records without facts keep a plan all the same.
	if st, _ := s.DB.Facts(ctx, inc.ID); st.Version != 0 || st.Plan != 2 {
		t.Fatalf("facts after records only: %+v", st)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
