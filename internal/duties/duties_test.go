package duties_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

func decodeJSON(r *http.Request, v any) error { return json.NewDecoder(r.Body).Decode(v) }

func ptr[T any](v T) *T { return &v }

func TestBadFactsNameTheirFieldAndStoreNothing(t *testing.T) {
	t.Parallel()
	w := setup(t)
	inc := w.declare(t, false)
	for _, tt := range []struct {
		name  string
		in    duties.FactsInput
		field string
		msg   string
	}{
		{"unknown anchor", duties.FactsInput{Anchors: map[string]string{"foo": "2026-11-27T09:00:00Z"}}, "anchors.foo",
			`unknown anchor "foo"; one of ` + strings.Join(duties.DefaultAnchors, ", ")},
		{"not RFC 3339", duties.FactsInput{Anchors: map[string]string{"aware": "27/11/2026 09:00"}}, "anchors.aware",
			`"27/11/2026 09:00" is not an RFC 3339 time such as 2026-11-27T09:00:00Z`},
		{"date only", duties.FactsInput{Anchors: map[string]string{"aware": "2026-11-27"}}, "anchors.aware",
			`"2026-11-27" is not an RFC 3339 time such as 2026-11-27T09:00:00Z`},
		{"negative count", duties.FactsInput{AffectedIndividuals: ptr(-1)}, "affected_individuals", "must be 0 or more, not -1"},
		{"negative by jurisdiction", duties.FactsInput{AffectedByJurisdiction: map[string]int{"US-CA": -5}}, "affected_by_jurisdiction.US-CA", "must be 0 or more, not -5"},
		{"bad jurisdiction", duties.FactsInput{AffectedByJurisdiction: map[string]int{"california": 5}}, "affected_by_jurisdiction.california",
			`"california" is not a jurisdiction such as DE, US-CA or EU`},
		{"bad data type", duties.FactsInput{DataTypes: []string{"card numbers"}}, "data_types[0]",
			`"card numbers" is not a data type such as payment_card (letters, digits, _ . -)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.duties.PutFacts(w.ctx, alice, inc.Ref, tt.in, nil)
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Invalid || e.Field != tt.field || e.Message != tt.msg {
				t.Fatalf("got %v, want invalid %s: %s", err, tt.field, tt.msg)
			}
		})
	}
	// Several problems are all named.
	_, err := w.duties.PutFacts(w.ctx, alice, inc.Ref, duties.FactsInput{Anchors: map[string]string{"foo": "x", "aware": "y"}, AffectedIndividuals: ptr(-2)}, nil)
	if e, _ := errs.As(err); e == nil || len(e.Details) != 3 {
		t.Fatalf("three problems: %+v", err)
	}
	_, st, err := w.duties.FactsState(w.ctx, alice, inc.Ref)
	after, _ := w.inc.Get(w.ctx, alice, inc.Ref)
	if err != nil || st.Version != 0 || after.Version != inc.Version {
		t.Fatalf("bad facts stored something: facts %+v, incident version %d → %d", st, inc.Version, after.Version)
	}
}

func TestFactsAreEventsWithTheirChanges(t *testing.T) {
	t.Parallel()
	w := setup(t)
	inc := w.declare(t, false)
	in := duties.FactsInput{Anchors: map[string]string{"aware": "2026-11-27T09:00:00Z"}, PersonalData: true, AffectedIndividuals: ptr(1200),
		AffectedByJurisdiction: map[string]int{"EU": 1200}, DataTypes: []string{"credentials"}}
	st, err := w.duties.PutFacts(w.ctx, alice, inc.Ref, in, ptr(int64(0)))
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != 1 || st.UpdatedBy != "alice" || !st.Facts.PersonalData || *st.Facts.AffectedIndividuals != 1200 {
		t.Fatalf("facts: %+v", st)
	}
	// The same facts again change nothing; a stale version is a conflict.
	if st, err := w.duties.PutFacts(w.ctx, alice, inc.Ref, in, nil); err != nil || st.Version != 1 {
		t.Fatalf("same facts again: %+v %v", st, err)
	}
	in.Anchors["aware"] = "2026-11-27T10:00:00+01:00" // the same instant
	if st, err := w.duties.PutFacts(w.ctx, alice, inc.Ref, in, nil); err != nil || st.Version != 1 {
		t.Fatalf("same instant in another zone: %+v %v", st, err)
	}
	in.Anchors["discovered"] = "2026-11-26T22:15:00Z"
	in.AffectedIndividuals = ptr(1300)
	if _, err := w.duties.PutFacts(w.ctx, alice, inc.Ref, in, ptr(int64(0))); errs.CodeOf(err) != errs.Precondition {
		t.Fatalf("stale version: %v, want a failed precondition", err)
	}
	if _, err := w.duties.PutFacts(w.ctx, incident.Viewer{User: "bob"}, inc.Ref, in, ptr(int64(1))); err != nil {
		t.Fatal(err)
	}
	_, events, err := w.inc.Timeline(w.ctx, alice, inc.Ref)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events[1:] {
		got = append(got, e.Actor+": "+incident.Describe(e, duties.DescribeEvent))
	}
	want := []string{
		"alice: facts: set aware to 2026-11-27T09:00:00Z; changed personal data from false to true; set data types to credentials; set affected individuals to 1200; set affected in EU to 1200",
		"bob: facts: set discovered to 2026-11-26T22:15:00Z; changed affected individuals from 1200 to 1300",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("timeline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if br := incident.VerifyChain(events); br != nil {
		t.Fatalf("chain: %+v", br)
	}
}

func TestRestrictedIncidentsStayHidden(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.profile(t, nis2Profile)
	inc := w.declare(t, true)
	carol := incident.Viewer{User: "carol"}
	checks := map[string]error{}
	_, checks["facts"] = w.duties.Facts(w.ctx, carol, inc.Ref)
	_, checks["put facts"] = w.duties.PutFacts(w.ctx, carol, inc.Ref, duties.FactsInput{PersonalData: true}, nil)
	_, checks["items"] = w.duties.Items(w.ctx, carol, inc.Ref)
	_, checks["records"] = w.duties.Records(w.ctx, carol, inc.Ref)
	checks["waive"] = w.duties.Waive(w.ctx, carol, inc.Ref, nis2, "early_warning", "not significant")
	checks["submit"] = w.duties.RecordSubmission(w.ctx, carol, inc.Ref, nis2, "early_warning", time.Time{}, "")
	for name, err := range checks {
		if errs.CodeOf(err) != errs.NotFound {
			t.Errorf("%s by someone who may not see it: %v, want not found", name, err)
		}
	}
	if items, err := w.duties.Items(w.ctx, alice, inc.Ref); err != nil || len(items) != 3 {
		t.Fatalf("the declarer sees its duties: %d %v", len(items), err)
	}
}

func TestSubmissionAnchorsTheNextPhase(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.profile(t, nis2Profile)
	inc := w.declare(t, false)
	now := w.clock.Now()
	if _, err := w.duties.PutFacts(w.ctx, alice, inc.Ref, duties.FactsInput{Anchors: map[string]string{"aware": now.Format(time.RFC3339)}, PersonalData: true}, nil); err != nil {
		t.Fatal(err)
	}
	items, err := w.duties.Items(w.ctx, alice, inc.Ref)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, it := range items {
		order = append(order, it.ObligationID+" "+it.Phase)
	}
	if want := nis2 + " early_warning," + gdpr + " initial_notification," + nis2 + " incident_notification," + nis2 + " final_report"; strings.Join(order, ",") != want {
		t.Fatalf("order %v, want earliest first and undated last", order)
	}
	// Refused: a phase or a duty that does not apply, a waiver without a
	// reason, a submission in the future.
	for _, tt := range []struct {
		err   error
		field string
	}{
		{w.duties.RecordSubmission(w.ctx, alice, inc.Ref, nis2, "annual_report", now, ""), "phase"},
		{w.duties.RecordSubmission(w.ctx, alice, inc.Ref, "us-sec-8k-item-1-05", "initial", now, ""), "obligation_id"},
		{w.duties.Waive(w.ctx, alice, inc.Ref, gdpr, "initial_notification", "  "), "reason"},
		{w.duties.RecordSubmission(w.ctx, alice, inc.Ref, nis2, "early_warning", now.Add(time.Hour), ""), "at"},
	} {
		if e, ok := errs.As(tt.err); !ok || e.Code != errs.Invalid || e.Field != tt.field {
			t.Errorf("got %v, want invalid %s", tt.err, tt.field)
		}
	}
	submitted := now.Add(30 * time.Hour)
	w.clock.Advance(31 * time.Hour)
	if err := w.duties.RecordSubmission(w.ctx, alice, inc.Ref, nis2, "incident_notification", submitted, "notice-7"); err != nil {
		t.Fatal(err)
	}
	// The same notice again is fine; another record of the phase is not.
	if err := w.duties.RecordSubmission(w.ctx, alice, inc.Ref, nis2, "incident_notification", submitted, "notice-7"); err != nil {
		t.Fatalf("the same notice again: %v", err)
	}
	if err := w.duties.Waive(w.ctx, alice, inc.Ref, nis2, "incident_notification", "changed our mind"); errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("waiving a submitted phase: %v, want conflict", err)
	}
	w.clock.Advance(time.Minute)
	if err := w.duties.Waive(w.ctx, alice, inc.Ref, gdpr, "initial_notification", "unlikely to result in a risk (Art. 33(1))"); err != nil {
		t.Fatal(err)
	}
	items, _ = w.duties.Items(w.ctx, alice, inc.Ref)
	byPhase := map[string]comms.Item{}
	for _, it := range items {
		byPhase[it.ObligationID+" "+it.Phase] = it
	}
	final := byPhase[nis2+" final_report"]
	if final.DueAt == nil || !final.DueAt.Equal(submitted.AddDate(0, 1, 0)) {
		t.Fatalf("final report due %v, want a month after %v", final.DueAt, submitted)
	}
	if it := byPhase[nis2+" early_warning"]; it.Status != comms.Overdue {
		t.Fatalf("early warning: %s, want overdue", it.Status)
	}
	if it := byPhase[gdpr+" initial_notification"]; it.Status != comms.Waived || it.Record == nil || it.Record.Reason == "" {
		t.Fatalf("GDPR: %+v, want waived with its reason", it)
	}
	records, _ := w.duties.Records(w.ctx, alice, inc.Ref)
	if len(records) != 2 || records[0].NoticeID != "notice-7" || records[1].Actor != "alice" {
		t.Fatalf("records: %+v", records)
	}
	_, events, _ := w.inc.Timeline(w.ctx, alice, inc.Ref)
	last := events[len(events)-2:]
	if got := incident.Describe(last[0], duties.DescribeEvent); got != nis2+" incident_notification recorded as submitted at 2026-11-28T15:00:00Z (notice notice-7)" {
		t.Fatalf("submission event: %q", got)
	}
	if last[0].OccurredAt == nil || !last[0].OccurredAt.Equal(submitted) {
		t.Fatalf("a submission happened in the world at its time: %v", last[0].OccurredAt)
	}
	if got := incident.Describe(last[1], duties.DescribeEvent); got != gdpr+" initial_notification waived: unlikely to result in a risk (Art. 33(1))" {
		t.Fatalf("waiver event: %q", got)
	}
}

func TestEvaluatePlanWithoutAnIncident(t *testing.T) {
	t.Parallel()
	w := setup(t)
	in := duties.FactsInput{Anchors: map[string]string{"aware": "2026-11-27T09:00:00Z"}, PersonalData: true}
	items, err := w.duties.EvaluatePlan(w.ctx, &duties.Profile{Roles: []string{"controller"}}, in)
	if err != nil || len(items) != 1 || items[0].ObligationID != gdpr || !items[0].DueAt.Equal(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("plan: %+v %v", items, err)
	}
	// Without a profile: the stored one, here none.
	if items, err := w.duties.EvaluatePlan(w.ctx, nil, in); err != nil || len(items) != 0 {
		t.Fatalf("plan with no profile: %+v %v", items, err)
	}
	_, err = w.duties.EvaluatePlan(w.ctx, &duties.Profile{Countries: []string{"Germany"}}, in)
	if e, ok := errs.As(err); !ok || e.Field != "organization.countries[0]" {
		t.Fatalf("bad profile: %v", err)
	}
}

func TestProfileValidation(t *testing.T) {
	t.Parallel()
	w := setup(t)
	_, err := w.duties.PutProfile(w.ctx, "admin", duties.Profile{Roles: []string{"data controller"}, Calendars: map[string]string{"EU": "Germany"},
		Targets: map[string]string{"eu-gdpr-art34-data-subjects": "two days"}, Reminders: &duties.Reminders{Before: []string{"-1h"}}})
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		t.Fatalf("bad profile: %v", err)
	}
	var got []string
	for _, d := range e.Details {
		got = append(got, d.Field+": "+d.Message)
	}
	want := []string{
		`roles[0]: "data controller" is not a role such as controller or processor`,
		`calendars.EU: "Germany" is not a calendar such as DE, US or BR`,
		`targets.eu-gdpr-art34-data-subjects: "two days" is not a duration such as 48h or 90m`,
		`reminders.before[0]: "-1h" is not a duration such as 48h or 90m`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if st, _ := w.duties.Profile(w.ctx); st.UpdatedAt != nil {
		t.Fatal("a bad profile was stored")
	}
}
