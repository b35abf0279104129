package duties_test

import (
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

// problem returns "field: message" of an invalid error, every detail on
// its own line.
func problem(t *testing.T, err error) string {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		t.Fatalf("want a 422, got %v", err)
	}
	if len(e.Details) == 0 {
		return e.Field + ": " + e.Message
	}
	var out []string
	for _, d := range e.Details {
		out = append(out, d.Field+": "+d.Message)
	}
	return strings.Join(out, "\n")
}

// Issue #11, item 7: a year typed wrong moved a GDPR deadline by 12
// months and cleared "overdue". An anchor in the future is refused unless
// planning is asked for; one long before the incident was detected needs
// a confirmation; what was stored and confirmed is not asked again.
func TestAnchorsInTheFutureOrLongBeforeDetection(t *testing.T) {
	t.Parallel()
	w := setup(t) // the clock reads 2026-11-27T09:00:00Z; the incident is detected then
	inc := w.declare(t, false)
	put := func(in duties.FactsInput) error {
		_, err := w.duties.PutFacts(w.ctx, alice, inc.Ref, in, nil)
		return err
	}
	at := func(s string) duties.FactsInput {
		return duties.FactsInput{Anchors: map[string]string{"aware": s}, PersonalData: true}
	}
	if got := problem(t, put(at("2027-11-27T08:00:00Z"))); got != "anchors.aware: 2027-11-27T08:00:00Z is in the future (now is 2026-11-27T09:00:00Z): an anchor is when something happened; check the date, or send allow_future: true to plan ahead" {
		t.Fatalf("future: %s", got)
	}
	if got := problem(t, put(at("2025-11-27T08:00:00Z"))); got != "anchors.aware: 2025-11-27T08:00:00Z is 365 days before the incident was detected (2026-11-27T09:00:00Z), more than the organisation's 30 days (anchor_lead): check the year, or confirm with confirm_early_anchors: true" {
		t.Fatalf("early: %s", got)
	}
	// A few minutes ahead is a clock's drift, a few days back is normal.
	if err := put(at("2026-11-27T09:04:00Z")); err != nil {
		t.Fatal(err)
	}
	if err := put(at("2026-11-20T09:00:00Z")); err != nil {
		t.Fatal(err)
	}
	confirmed := at("2025-11-27T08:00:00Z")
	confirmed.ConfirmEarlyAnchors = true
	if err := put(confirmed); err != nil {
		t.Fatal(err)
	}
	// Stored and confirmed: another change of the facts does not ask again.
	again := at("2025-11-27T08:00:00Z")
	again.Notes = "scope widened"
	if err := put(again); err != nil {
		t.Fatalf("a confirmed anchor asked again: %v", err)
	}
	planned := at("2027-01-01T00:00:00Z")
	planned.AllowFuture = true
	if err := put(planned); err != nil {
		t.Fatal(err)
	}
	// The organisation sets its own lead.
	w.profile(t, duties.Profile{Roles: []string{"controller"}, AnchorLead: "48h"})
	in := at("2026-11-24T09:00:00Z")
	in.Anchors["discovered"] = "2026-11-24T09:00:00Z"
	if got := problem(t, put(in)); !strings.Contains(got, "anchors.aware: 2026-11-24T09:00:00Z is 3 days before the incident was detected") ||
		!strings.Contains(got, "anchors.discovered:") || !strings.Contains(got, "more than the organisation's 2 days") {
		t.Fatalf("lead of 48h: %s", got)
	}
	// Planning without an incident: the future needs allow_future too.
	_, err := w.duties.EvaluatePlan(w.ctx, &duties.Profile{}, at("2027-11-27T08:00:00Z"))
	if got := problem(t, err); !strings.HasPrefix(got, "anchors.aware: 2027-11-27T08:00:00Z is in the future") {
		t.Fatalf("plan: %s", got)
	}
	plan := at("2027-11-27T08:00:00Z")
	plan.AllowFuture = true
	if _, err := w.duties.EvaluatePlan(w.ctx, &duties.Profile{}, plan); err != nil {
		t.Fatal(err)
	}
}

// Issue #11, items 3 and 6: a calendar code is checked (calendars: {EU:
// LU} is now a calendar; XX is refused, naming the field), and with the
// real catalog the profile's and facts' words are checked against its
// vocabulary, with suggestions.
func TestProfileAndFactsWords(t *testing.T) {
	t.Parallel()
	w := setup(t)
	if err := problem(t, func() error {
		_, err := w.duties.PutProfile(w.ctx, "admin", duties.Profile{Calendars: map[string]string{"EU": "XX", "US": "us"}, Margin: "soon"})
		return err
	}()); !strings.HasPrefix(err, `calendars.EU: unknown holiday calendar "XX"; one of AR, AT,`) || !strings.Contains(err, "\nmargin: \"soon\" is not a duration") {
		t.Fatalf("calendar: %s", err)
	}
	if _, err := w.duties.PutProfile(w.ctx, "admin", duties.Profile{Calendars: map[string]string{"EU": "LU"}, Margin: "12h"}); err != nil {
		t.Fatal(err)
	}

	c, err := comms.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	real := duties.New(duties.Deps{Store: w.db, Incidents: w.inc, Catalog: c, Anchors: c.Anchors(), Now: w.clock.Now})
	if v := real.Vocabulary(); len(v.EntityTypes) == 0 || len(v.Jurisdictions) == 0 {
		t.Fatalf("vocabulary: %+v", v)
	}
	_, err = real.PutProfile(w.ctx, "admin", duties.Profile{Roles: []string{"controller"}, EntityTypes: []string{"HIPAA-covered-entity", "bakery"}, Countries: []string{"US", "TX"}})
	want := strings.Join([]string{
		`entity_types[0]: unknown entity type "HIPAA-covered-entity"; did you mean HIPAA_covered_entity?`,
		`entity_types[1]: unknown entity type "bakery"; GET /api/v1/obligations/vocabulary lists them`,
		`countries[1]: "TX" is not a country; did you mean US-TX (Texas)?`,
	}, "\n")
	if got := problem(t, err); got != want {
		t.Fatalf("profile words:\n%s\nwant\n%s", got, want)
	}
	inc := w.declare(t, false)
	_, err = real.PutFacts(w.ctx, alice, inc.Ref, duties.FactsInput{DataTypes: []string{"unsecured-phi"}, AffectedByJurisdiction: map[string]int{"US-XX": 1}}, nil)
	want = strings.Join([]string{
		`data_types[0]: unknown data type "unsecured-phi"; did you mean unsecured_PHI?`,
		`affected_by_jurisdiction.US-XX: "US-XX" is not a US state; one of US-AL … US-WY, US-DC`,
	}, "\n")
	if got := problem(t, err); got != want {
		t.Fatalf("facts words:\n%s\nwant\n%s", got, want)
	}
	// CA is Canada: valid, but an American organisation is told.
	items, hints, err := real.Plan(w.ctx, &duties.Profile{Countries: []string{"US"}},
		duties.FactsInput{Anchors: map[string]string{"discovered": "2026-11-26T09:00:00Z"}, PersonalData: true, AffectedByJurisdiction: map[string]int{"CA": 40}})
	if err != nil || len(hints) != 1 || hints[0].Field != "facts.affected_by_jurisdiction.CA" ||
		hints[0].Message != "CA is the country code of Canada — did you mean US-CA (California)?" || len(items) == 0 {
		t.Fatalf("hints: %+v %v", hints, err)
	}
}

// Issue #11, item 2: the margin is a separate internal instant.
func TestMarginIsSeparate(t *testing.T) {
	t.Parallel()
	w := setup(t)
	c, _ := comms.DefaultCatalog()
	real := duties.New(duties.Deps{Store: w.db, Incidents: w.inc, Catalog: c, Anchors: c.Anchors(), Now: w.clock.Now})
	items, err := real.EvaluatePlan(w.ctx, &duties.Profile{Countries: []string{"DE"}, Margin: "12h"},
		duties.FactsInput{Anchors: map[string]string{"aware": "2026-11-27T08:00:00Z"}, PersonalData: true, AffectedIndividuals: ptr(3), AffectedByJurisdiction: map[string]int{"DE": 3}})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.ObligationID == "eu-gdpr-art33-supervisory-authority" && it.Phase == "initial_notification" {
			if !it.DueAt.Equal(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)) || it.InternalDueAt == nil ||
				!it.InternalDueAt.Equal(time.Date(2026, 11, 29, 20, 0, 0, 0, time.UTC)) || it.InternalDueNote == "" {
				t.Fatalf("GDPR: due %v internal %v %q", it.DueAt, it.InternalDueAt, it.InternalDueNote)
			}
			return
		}
	}
	t.Fatal("no GDPR duty")
}
