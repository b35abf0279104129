package app_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/audit"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestAssessmentFeedsTheFacts: an assessment saying personal data (and
// credentials) are affected sets the facts, so the duties that need
// personal data appear without retyping; what a person set stays, and the
// same assessment again records nothing.
func TestAssessmentFeedsTheFacts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	org := &duties.Profile{Roles: []string{"controller"}, EntityTypes: []string{"essential_entity"}, Countries: []string{"DE"}}
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: storetest.SQLiteDSN(t), Version: "test", Now: clock.Now, Organization: org})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	run := func() {
		t.Helper()
		for range 20 {
			if n, err := a.Engine.RunDue(ctx); err != nil {
				t.Fatal(err)
			} else if n == 0 {
				return
			}
		}
		t.Fatal("jobs still due after 20 rounds")
	}
	if _, err := a.Services.Auth.CreateUser(ctx, auth.UserInput{Username: "lena", Role: auth.Responder}); err != nil {
		t.Fatal(err)
	}
	lena := incident.Viewer{User: "lena"}
	inc, err := a.Services.Incidents.Declare(ctx, "lena", incident.DeclareInput{Title: "Customer database copied", Severity: "SEV3", Source: incident.SourceInternal})
	if err != nil {
		t.Fatal(err)
	}
	// A person named a data type already; the assessment adds to it.
	if _, err := a.Services.Duties.PutFacts(ctx, lena, inc.Ref, duties.FactsInput{DataTypes: []string{"payment_card"},
		Anchors: map[string]string{"aware": clock.Now().Format(time.RFC3339)}}, nil); err != nil {
		t.Fatal(err)
	}
	gdpr := func() bool {
		t.Helper()
		items, err := a.Services.Duties.Items(ctx, lena, inc.Ref)
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(items, func(it comms.Item) bool {
			return it.ObligationID == "eu-gdpr-art33-supervisory-authority" && it.Applicability == comms.Applies
		})
	}
	if gdpr() {
		t.Fatal("the GDPR breach notification applies before personal data is known")
	}
	cmd := incident.Command{Actor: lena, Ref: inc.Ref}
	answers := map[string]string{"data": "special_category", "service": "none", "customers": "some", "legal": "possible", "spread": "contained"}
	if _, err := a.Services.Incidents.Assess(ctx, cmd, incident.AssessInput{Answers: answers}); err != nil {
		t.Fatal(err)
	}
	run()
	_, st, err := a.Services.Duties.FactsState(ctx, lena, inc.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Facts.PersonalData || !slices.Equal(st.Facts.DataTypes, []string{"payment_card", "special_category"}) || st.Version != 2 || st.UpdatedBy != "firebreak" {
		t.Fatalf("facts after the assessment: %+v", st)
	}
	if !gdpr() {
		t.Fatal("the GDPR breach notification does not appear once the assessment says personal data")
	}
	_, evs, err := a.Services.Incidents.Timeline(ctx, lena, inc.Ref)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if d, _ := duties.DescribeEvent(last); last.Type != incident.EvFactsUpdated || d != "facts from the assessment: changed personal data from false to true; changed data types from payment_card to payment_card, special_category" {
		t.Fatalf("last event %s: %q", last.Type, d)
	}

	// The same assessment again adds nothing: no facts event.
	if _, err := a.Services.Incidents.Assess(ctx, cmd, incident.AssessInput{Answers: answers, Severity: "SEV3", Reason: "kept"}); err != nil {
		t.Fatal(err)
	}
	run()
	_, st2, err := a.Services.Duties.FactsState(ctx, lena, inc.Ref)
	if err != nil || st2.Version != 2 {
		t.Fatalf("facts after assessing again: %+v %v", st2, err)
	}
	rep, err := audit.Verify(ctx, a.DB)
	if err != nil || !rep.OK() {
		t.Fatalf("audit: %+v %v", rep, err)
	}
}
