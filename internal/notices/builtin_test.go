package notices_test

import (
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

func builtin(t *testing.T, name string) *notices.Template {
	t.Helper()
	for _, tpl := range notices.Builtin() {
		if tpl.Name == name {
			return &tpl
		}
	}
	t.Fatalf("no built-in template %s", name)
	return nil
}

// Notices to customers and individuals do not copy the internal summary
// or resolution; data types print as words; unknown categories read "not
// yet known", never "none"; UK GDPR notices are named so and go to the ICO.
func TestBuiltinTemplatesWords(t *testing.T) {
	t.Parallel()
	inc := incident.Incident{Ref: "INC-9", Title: "CRM copied", Summary: "INTERNAL: attacker used svc-crm creds", Resolution: "INTERNAL: rotated svc-crm",
		State: incident.Contained, DetectedAt: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	known := &notices.Data{Incident: inc, Facts: comms.Facts{PersonalData: true, DataTypes: []string{"contact_details", "government_id"}},
		Organization: notices.Letterhead{Name: "Example Ltd"}, Now: inc.DetectedAt}
	unknown := &notices.Data{Incident: inc, Organization: notices.Letterhead{Name: "Example Ltd"}, Now: inc.DetectedAt}
	for _, name := range []string{"customer", "individuals", "gdpr-art34"} {
		_, body, err := builtin(t, name).Render(known)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(body, "INTERNAL") || len(notices.Placeholders("", body)) == 0 {
			t.Errorf("%s copies internal text or leaves nothing to write:\n%s", name, body)
		}
	}
	for _, name := range []string{"individuals", "gdpr-art34", "gdpr-art33", "regulator"} {
		_, body, _ := builtin(t, name).Render(known)
		if !strings.Contains(body, "contact details (names, email and postal addresses, phone numbers); government identifiers") || strings.Contains(body, "contact_details") {
			t.Errorf("%s: data types not as words:\n%s", name, body)
		}
		_, body, _ = builtin(t, name).Render(unknown)
		if strings.Contains(body, ": none") || !strings.Contains(body, "not yet known") {
			t.Errorf("%s asserts none for unknown categories:\n%s", name, body)
		}
	}
	title, body, err := builtin(t, "uk-gdpr-art33").Render(known)
	if err != nil || !strings.Contains(title, "UK GDPR Art. 33") || !strings.Contains(title, "ICO") || !strings.Contains(body, "Information Commissioner's Office (ICO)") ||
		!strings.Contains(body, "(UK GDPR Art. 33)") {
		t.Fatalf("UK GDPR notice %v:\n%s\n%s", err, title, body)
	}
}

// A follow-up under Art. 33(4) is drafted for the next phase once the
// first notification was given: it cites that notification's date and
// reference and asks what is new.
func TestArt33FollowUpCitesTheFirstNotification(t *testing.T) {
	t.Parallel()
	w := newWorld(t, storetest.Backends()[0], notices.Config{Organization: org})
	d := w.app.Services.Duties
	if _, err := d.PutProfile(w.ctx, "root", duties.Profile{Roles: []string{"controller"}, Countries: []string{"DE"}}); err != nil {
		t.Fatal(err)
	}
	inc := w.declare(t, incident.DeclareInput{Title: "CRM copied", Severity: "SEV1"})
	aware := w.clock.Now().Add(-2 * time.Hour).UTC()
	n := 1200
	if _, err := d.PutFacts(w.ctx, viewer("alice"), inc.Ref, duties.FactsInput{Anchors: map[string]string{"aware": aware.Format(time.RFC3339)},
		PersonalData: true, DataTypes: []string{"contact_details"}, AffectedIndividuals: &n, AffectedByJurisdiction: map[string]int{"EU": n}}, nil); err != nil {
		t.Fatal(err)
	}
	const gdpr = "eu-gdpr-art33-supervisory-authority"
	first, err := w.svc.Draft(w.ctx, viewer("alice"), inc.Ref, notices.DraftInput{ObligationID: gdpr})
	if err != nil || first.Template != "gdpr-art33" {
		t.Fatalf("first: %+v %v", first, err)
	}
	filled := fill(first.Body)
	first, _ = w.svc.Edit(w.ctx, viewer("alice"), inc.Ref, first.ID, notices.EditInput{Body: &filled})
	if _, err := w.svc.Approve(w.ctx, viewer("bob"), inc.Ref, first.ID, "", "", ""); err != nil {
		t.Fatal(err)
	}
	given := w.clock.Now().Add(-30 * time.Minute)
	if _, err := w.svc.Submit(w.ctx, viewer("alice"), inc.Ref, first.ID, notices.SubmitInput{Recipient: "BfDI", Channel: notices.RegulatorPortal,
		At: &given, Reference: "BfDI-2026-0042"}); err != nil {
		t.Fatal(err)
	}
	next, err := w.svc.Draft(w.ctx, viewer("alice"), inc.Ref, notices.DraftInput{ObligationID: gdpr})
	if err != nil {
		t.Fatal(err)
	}
	if next.Template != "gdpr-art33-followup" || next.Phase != "phased_supplementary_information" {
		t.Fatalf("follow-up drafted as %s %s", next.Template, next.Phase)
	}
	when := given.UTC().Format("2 January 2006, 15:04 UTC")
	for _, want := range []string{"(GDPR Art. 33(4))", "made on " + when + " to BfDI, reference BfDI-2026-0042", "## What is new since the first notification", "[[What is new:"} {
		if !strings.Contains(next.Body, want) {
			t.Errorf("follow-up lacks %q:\n%s", want, next.Body)
		}
	}
}
