package notices_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// The dossier shows each duty's conditions, notes and how its due instant
// was computed, and for each submission and waiver who recorded it, to
// whom, by which channel and with which reference — in JSON and HTML.
func TestDossierExplainsDutiesAndRecords(t *testing.T) {
	t.Parallel()
	w := newWorld(t, storetest.Backends()[0], notices.Config{Organization: org})
	d := w.app.Services.Duties
	if _, err := d.PutProfile(w.ctx, "root", duties.Profile{Roles: []string{"controller"}, Countries: []string{"DE"}}); err != nil {
		t.Fatal(err)
	}
	inc := w.declare(t, incident.DeclareInput{Title: "CRM copied", Severity: "SEV1"})
	aware := w.clock.Now().Add(-2 * time.Hour).UTC()
	n := 40
	if _, err := d.PutFacts(w.ctx, viewer("alice"), inc.Ref, duties.FactsInput{Anchors: map[string]string{"aware": aware.Format(time.RFC3339)},
		PersonalData: true, DataTypes: []string{"contact_details"}, AffectedIndividuals: &n, AffectedByJurisdiction: map[string]int{"EU": n}}, nil); err != nil {
		t.Fatal(err)
	}
	const gdpr = "eu-gdpr-art33-supervisory-authority"
	if err := d.Submit(w.ctx, viewer("carol"), inc.Ref, duties.Submission{ObligationID: gdpr, Phase: "initial_notification", At: w.clock.Now().Add(-time.Hour),
		Recipient: "BfDI", Channel: "regulator_portal", Reference: "BfDI-2026-7"}); err != nil {
		t.Fatal(err)
	}
	items, _ := d.Items(w.ctx, viewer("alice"), inc.Ref)
	var waived comms.Item
	for _, it := range items {
		if it.Status != comms.Submitted && it.ObligationID != gdpr {
			waived = it
			break
		}
	}
	if waived.ObligationID == "" {
		t.Fatalf("no other duty to waive: %+v", items)
	}
	if err := d.Waive(w.ctx, viewer("bob"), inc.Ref, waived.ObligationID, waived.Phase, "no high risk: data encrypted"); err != nil {
		t.Fatal(err)
	}
	dos, err := w.svc.Dossier(w.ctx, viewer("alice"), inc.Ref)
	if err != nil {
		t.Fatal(err)
	}
	var art33 notices.DossierDuty
	for _, o := range dos.Obligations {
		if o.ObligationID == gdpr && o.Phase == "initial_notification" {
			art33 = o
		}
	}
	if art33.Explanation == "" || len(art33.Conditions) == 0 || art33.Notes == "" {
		t.Fatalf("duty without its explanation, conditions or notes: %+v", art33)
	}
	if len(dos.Records) != 2 {
		t.Fatalf("records %+v", dos.Records)
	}
	sub, wv := dos.Records[0], dos.Records[1]
	if sub.Kind != comms.RecordSubmitted || sub.RecordedBy != "carol" || sub.Recipient != "BfDI" || sub.Channel != "regulator_portal" || sub.Reference != "BfDI-2026-7" {
		t.Fatalf("submission record %+v", sub)
	}
	if wv.Kind != comms.RecordWaived || wv.RecordedBy != "bob" || wv.Reason != "no high risk: data encrypted" || dos.Waivers[0].RecordedBy != "bob" {
		t.Fatalf("waiver record %+v %+v", wv, dos.Waivers)
	}
	var page bytes.Buffer
	if err := dos.WriteHTML(&page, notices.HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	for _, want := range []string{"How the due instant was computed:", "Conditions:", "Notes:", "Submissions and waivers", "BfDI-2026-7", "regulator portal",
		"carol, ", "bob, ", "no high risk: data encrypted"} {
		if !strings.Contains(html, want) {
			t.Errorf("dossier HTML lacks %q", want)
		}
	}
}
