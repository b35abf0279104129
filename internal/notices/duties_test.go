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

// A notice drafted for a duty sees the facts and the duty's due time;
// recording it as submitted marks that phase submitted in the obligation
// records at the time it was given, and the dossier shows the duty so.
func TestNoticeMeetsItsDuty(t *testing.T) {
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
	notice, err := w.svc.Draft(w.ctx, viewer("alice"), inc.Ref, notices.DraftInput{ObligationID: gdpr})
	if err != nil {
		t.Fatal(err)
	}
	due := aware.Add(72 * time.Hour).Format("2 January 2006, 15:04 UTC")
	for _, want := range []string{"Approximate number of data subjects concerned: 1200", "EU: 1200", "Categories of personal data: contact details (names, email and postal addresses, phone numbers)", "**Due:** " + due} {
		if !strings.Contains(notice.Body, want) {
			t.Errorf("draft lacks %q:\n%s", want, notice.Body)
		}
	}
	if notice.Phase != "initial_notification" || notice.Template != "gdpr-art33" {
		t.Fatalf("draft for the duty: phase %q template %q", notice.Phase, notice.Template)
	}
	// Written in full and approved by a second person, it may go.
	filled := fill(notice.Body)
	if notice, err = w.svc.Edit(w.ctx, viewer("alice"), inc.Ref, notice.ID, notices.EditInput{Body: &filled}); err != nil {
		t.Fatal(err)
	}
	if notice, err = w.svc.Approve(w.ctx, viewer("carol"), inc.Ref, notice.ID, "", "", ""); err != nil {
		t.Fatal(err)
	}
	given := w.clock.Now().Add(-10 * time.Minute)
	notice, err = w.svc.Submit(w.ctx, viewer("bob"), inc.Ref, notice.ID, notices.SubmitInput{Recipient: "BfDI", Channel: notices.RegulatorPortal, At: &given})
	if err != nil {
		t.Fatal(err)
	}
	if notice.ObligationRecordedAt == nil {
		t.Fatalf("the duty was not marked: %+v", notice)
	}
	items, err := d.Items(w.ctx, viewer("alice"), inc.Ref)
	if err != nil {
		t.Fatal(err)
	}
	var item *comms.Item
	for i := range items {
		if items[i].ObligationID == gdpr && items[i].Phase == "initial_notification" {
			item = &items[i]
		}
	}
	if item == nil || item.Status != comms.Submitted || item.Record == nil || !item.Record.At.Equal(given.UTC().Truncate(time.Microsecond)) {
		t.Fatalf("duty after the notice: %+v", item)
	}
	rows, _ := d.Records(w.ctx, viewer("alice"), inc.Ref)
	if len(rows) != 1 || rows[0].NoticeID != notice.ID {
		t.Fatalf("records %+v", rows)
	}
	w.clock.Advance(time.Minute)
	w.run(t) // the safety-net job went with the mark; nothing is recorded twice
	if rows, _ = d.Records(w.ctx, viewer("alice"), inc.Ref); len(rows) != 1 {
		t.Fatalf("records after the job %+v", rows)
	}
	dossier, err := w.svc.Dossier(w.ctx, viewer("alice"), inc.Ref)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, o := range dossier.Obligations {
		if o.ObligationID == gdpr && o.Phase == "initial_notification" && o.Status == comms.Submitted {
			found = true
		}
	}
	if !found || dossier.Facts == nil || dossier.ObligationsNote != "" || dossier.Organization.Name != "Example GmbH" {
		t.Fatalf("dossier duties %+v facts %+v note %q", dossier.Obligations, dossier.Facts, dossier.ObligationsNote)
	}
}
