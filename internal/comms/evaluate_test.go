package comms

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/calendar"
)

func catalog(t *testing.T) *Catalog {
	t.Helper()
	c, err := DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// keys lists "obligation/phase" of the items.
func keys(items []Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ObligationID + "/" + it.Phase
	}
	return out
}

func find(items []Item, key string) (Item, bool) {
	for _, it := range items {
		if it.ObligationID+"/"+it.Phase == key {
			return it, true
		}
	}
	return Item{}, false
}

// The example: EU personal data of 1,200 people at a NIS2
// essential entity gives the GDPR 72 h and NIS2 24 h / 72 h clocks.
func TestEssentialEntityWithEUPersonalData(t *testing.T) {
	t.Parallel()
	aware := ts("2026-12-01T09:00:00Z")
	o := Organization{Roles: []string{"controller"}, EntityTypes: []string{"essential_entity"}, Countries: []string{"DE"}}
	f := Facts{Anchors: map[string]time.Time{"aware": aware}, PersonalData: true, AffectedIndividuals: num(1200),
		AffectedByJurisdiction: map[string]int{"EU": 1200}}
	items := catalog(t).Evaluate(o, f, nil, aware)
	want := map[string]string{
		"eu-nis2-art23-significant-incident/early_warning":           "2026-12-02T09:00:00Z",
		"eu-gdpr-art33-supervisory-authority/initial_notification":   "2026-12-04T09:00:00Z",
		"eu-nis2-art23-significant-incident/incident_notification":   "2026-12-04T09:00:00Z",
		"eu-nis2-art23-significant-incident/final_report":            "",
		"eu-gdpr-art34-data-subjects/notification":                   "",
		"eu-nis2-art23-service-recipients/notification":              "",
		"eu-nis2-art23-significant-incident/final_report_if_ongoing": "",
	}
	for k, due := range want {
		it, ok := find(items, k)
		if !ok {
			t.Errorf("%s: missing; got %v", k, keys(items))
			continue
		}
		got := ""
		if it.DueAt != nil {
			got = it.DueAt.Format(time.RFC3339)
		}
		if got != due || it.Status != Pending {
			t.Errorf("%s: due %q %s, want %q pending", k, got, it.Status, due)
		}
	}
	// Nothing of other jurisdictions or other kinds of entity; the card
	// brands' duties may apply while the data types are unknown.
	for _, it := range items {
		if strings.HasPrefix(it.ObligationID, "pci-") && it.Applicability == Possible {
			continue
		}
		if !strings.HasPrefix(it.ObligationID, "eu-") {
			t.Errorf("unexpected %s/%s", it.ObligationID, it.Phase)
		}
		if strings.HasPrefix(it.ObligationID, "eu-dora") || strings.HasPrefix(it.ObligationID, "eu-cra") || it.ObligationID == "eu-gdpr-art33-2-processor-to-controller" {
			t.Errorf("unexpected %s", it.ObligationID)
		}
	}
	// Earliest first: the 24 h early warning leads; undated ones last.
	if k := keys(items); k[0] != "eu-nis2-art23-significant-incident/early_warning" || items[len(items)-1].DueAt != nil {
		t.Errorf("order: %v", k)
	}
	gdpr, _ := find(items, "eu-gdpr-art33-supervisory-authority/initial_notification")
	if !gdpr.Verified || gdpr.LegalStatus != "in_force" || gdpr.Recipient == "" || gdpr.Jurisdiction != "EU/EEA" ||
		gdpr.Basis != "Regulation (EU) 2016/679 (GDPR), Art. 33(1),(3)-(5) — https://www.gdpr-ccpa.org/gdpr-articles/gdpr-article-33-notification-of-a-personal-data-breach-to-the-supervisory-authority (Art. 33 full text)" ||
		gdpr.Anchor != "aware" || gdpr.AnchorAt == nil || !gdpr.AnchorAt.Equal(aware) || gdpr.Deadline != "PT72H" ||
		gdpr.DeadlineKind != CalendarHours || gdpr.Notes == "" || len(gdpr.Conditions) != 1 {
		t.Errorf("GDPR item: %+v", gdpr)
	}

	// Recording the NIS2 notification starts the one-month final report.
	rec := []Record{{ObligationID: "eu-nis2-art23-significant-incident", Phase: "incident_notification", Kind: RecordSubmitted, At: ts("2026-12-03T15:00:00Z")}}
	items = catalog(t).Evaluate(o, f, rec, ts("2026-12-03T16:00:00Z"))
	n, _ := find(items, "eu-nis2-art23-significant-incident/incident_notification")
	final, _ := find(items, "eu-nis2-art23-significant-incident/final_report")
	if n.Status != Submitted || n.Record == nil || final.DueAt == nil || final.DueAt.Format(time.RFC3339) != "2027-01-03T22:59:59Z" {
		t.Fatalf("after the notification: %s %v; final report %v", n.Status, n.Record, final.DueAt)
	}
}

func TestProcessorDoesNotGetControllerDuties(t *testing.T) {
	t.Parallel()
	f := fx("aware=2026-12-01T09:00:00Z", "discovered=2026-12-01T09:00:00Z")
	f.AffectedByJurisdiction = map[string]int{"DE": 10, "US-CA": 10, "US-FL": 10}
	items := catalog(t).Evaluate(processor("DE"), f, nil, ts("2026-12-01T10:00:00Z"))
	k := keys(items)
	for _, want := range []string{"eu-gdpr-art33-2-processor-to-controller/notification", "us-ca-civ-1798-82/maintainer_to_owner",
		"us-fl-501-171/third_party_agent_to_covered_entity"} {
		if !slices.Contains(k, want) {
			t.Errorf("processor lacks %s", want)
		}
	}
	for _, not := range []string{"eu-gdpr-art33-supervisory-authority/initial_notification", "eu-gdpr-art34-data-subjects/notification",
		"us-ca-civ-1798-82/individual_notice", "us-fl-501-171/individual_notice"} {
		if slices.Contains(k, not) {
			t.Errorf("processor has the controller's %s", not)
		}
	}
	// And the controller the other way round.
	items = catalog(t).Evaluate(org("DE"), f, nil, ts("2026-12-01T10:00:00Z"))
	k = keys(items)
	if slices.Contains(k, "eu-gdpr-art33-2-processor-to-controller/notification") || !slices.Contains(k, "eu-gdpr-art33-supervisory-authority/initial_notification") {
		t.Errorf("controller: %v", k)
	}
}

func TestApplicability(t *testing.T) {
	t.Parallel()
	c := catalog(t)
	f := func(by map[string]int, total *int, data ...string) Facts {
		return fx("aware=2026-12-01T09:00:00Z", "discovered=2026-12-01T09:00:00Z").with(data, total, by)
	}
	tests := []struct {
		name  string
		org   Organization
		facts Facts
		key   string
		want  Applicability // "" when the duty does not apply
	}{
		{"no personal data, no GDPR", org("DE"), Facts{Anchors: fx("aware=2026-12-01T09:00:00Z").Anchors}, "eu-gdpr-art33-supervisory-authority/initial_notification", ""},
		{"GDPR for a US controller with EU residents affected", org("US"), f(map[string]int{"FR": 3}, nil), "eu-gdpr-art33-supervisory-authority/initial_notification", "applies"},
		{"GDPR reaches Norway (EEA)", org("US"), f(map[string]int{"NO": 3}, nil), "eu-gdpr-art33-supervisory-authority/initial_notification", "applies"},
		{"NIS2 does not reach Norway", org("NO", "essential_entity"), f(map[string]int{"NO": 3}, num(3)), "eu-nis2-art23-significant-incident/early_warning", ""},
		{"no GDPR for a US controller with US residents only", org("US"), f(map[string]int{"US-NY": 3}, num(3)), "eu-gdpr-art33-supervisory-authority/initial_notification", ""},
		// Issue #11: residence unknown is not residence elsewhere.
		{"GDPR may apply to a US controller when residence is unknown", org("US"), f(nil, nil), "eu-gdpr-art33-supervisory-authority/initial_notification", Possible},
		{"GDPR may apply when the breakdown does not cover everyone", org("US"), f(map[string]int{"US-NY": 3}, num(10)), "eu-gdpr-art33-supervisory-authority/initial_notification", Possible},
		{"GDPR may apply when the breakdown has no total", org("US"), f(map[string]int{"US-NY": 3}, nil), "eu-gdpr-art33-supervisory-authority/initial_notification", Possible},
		{"unknown territory: possible", Organization{}, f(nil, nil), "jp-appi-art26-ppc/final_report", Possible},
		{"Japanese residents", org("US"), f(map[string]int{"JP": 1}, nil), "jp-appi-art26-ppc/final_report", "applies"},
		{"no Japanese", org("US"), f(map[string]int{"US-CA": 1}, num(1)), "jp-appi-art26-ppc/final_report", ""},
		{"a Californian organisation may have Californians", org("US-CA"), f(nil, nil), "us-ca-civ-1798-82/individual_notice", Possible},
		{"a US organisation may have Californians", org("US"), f(nil, nil), "us-ca-civ-1798-82/individual_notice", Possible},
		{"so may a German one", org("DE"), f(nil, nil), "us-ca-civ-1798-82/individual_notice", Possible},
		{"a German organisation without US residents", org("DE"), f(map[string]int{"DE": 4}, num(4)), "us-ca-civ-1798-82/individual_notice", ""},
		{"Californians affected", org("DE"), f(map[string]int{"US-CA": 1}, nil), "us-ca-civ-1798-82/individual_notice", "applies"},
		{"UK is GB", Organization{Countries: []string{"UK"}}, f(nil, nil), "uk-gdpr-art33-ico/initial_report", "applies"},
		{"HIPAA needs unsecured PHI", covered, f(nil, num(10), "credentials"), "us-hipaa-164-404-individuals/notification", ""},
		// Issue #11: no data types is not "no PHI".
		{"HIPAA may apply while the data types are unknown", covered, f(nil, num(10)), "us-hipaa-164-404-individuals/notification", Possible},
		{"HIPAA 499: under 500", covered, f(nil, num(499), "unsecured_PHI"), "us-hipaa-164-408-hhs-under-500/notification", "applies"},
		{"HIPAA 499: not 500 or more", covered, f(nil, num(499), "unsecured_PHI"), "us-hipaa-164-408-hhs-500-or-more/notification", ""},
		{"HIPAA 500: 500 or more", covered, f(nil, num(500), "unsecured_PHI"), "us-hipaa-164-408-hhs-500-or-more/notification", "applies"},
		{"HIPAA 500: not under 500", covered, f(nil, num(500), "unsecured_PHI"), "us-hipaa-164-408-hhs-under-500/notification", ""},
		{"HIPAA count unknown: both may apply (500 or more)", covered, f(nil, nil, "unsecured_PHI"), "us-hipaa-164-408-hhs-500-or-more/notification", Possible},
		{"HIPAA count unknown: both may apply (under 500)", covered, f(nil, nil, "unsecured_PHI"), "us-hipaa-164-408-hhs-under-500/notification", Possible},
		// Issue #11: a breakdown without a total is not the total.
		{"HIPAA partial breakdown: 500 or more may apply", covered, f(map[string]int{"US-CA": 300, "US-TX": 150}, nil, "unsecured_PHI"), "us-hipaa-164-408-hhs-500-or-more/notification", Possible},
		{"HIPAA partial breakdown: the media may be due", covered, f(map[string]int{"US-CA": 300, "US-TX": 150}, nil, "unsecured_PHI"), "us-hipaa-164-406-media/notification", Possible},
		{"HIPAA complete breakdown: no media", covered, f(map[string]int{"US-CA": 300, "US-TX": 150}, num(450), "unsecured_PHI"), "us-hipaa-164-406-media/notification", ""},
		{"HIPAA complete breakdown: under 500", covered, f(map[string]int{"US-CA": 300, "US-TX": 150}, num(450), "unsecured_PHI"), "us-hipaa-164-408-hhs-under-500/notification", "applies"},
		{"HIPAA media: 600 across two states is no state over 500", covered, f(map[string]int{"US-CA": 300, "US-NV": 300}, num(600), "unsecured_PHI"), "us-hipaa-164-406-media/notification", ""},
		{"HIPAA media: 501 in one state", covered, f(map[string]int{"US-CA": 501}, num(501), "unsecured_PHI"), "us-hipaa-164-406-media/notification", "applies"},
		{"HIPAA media: 800 somewhere in the US may be in one state", covered, f(map[string]int{"US": 800}, num(800), "unsecured_PHI"), "us-hipaa-164-406-media/notification", Possible},
		{"HIPAA media: 400 people cannot be 501 in a state", covered, f(nil, num(400), "unsecured_PHI"), "us-hipaa-164-406-media/notification", ""},
		{"Texas AG at 249", us, f(map[string]int{"US-TX": 249}, num(249)), "us-tx-bcc-521-053/attorney_general_notice", ""},
		{"Texas AG at 250", us, f(map[string]int{"US-TX": 250}, nil), "us-tx-bcc-521-053/attorney_general_notice", "applies"},
		{"Washington AG at 500 is not over 500", us, f(map[string]int{"US-WA": 500}, num(500)), "us-wa-rcw-19-255-010/attorney_general_notice", ""},
		{"FTC under 500", org("US", "FTC_jurisdiction_non_bank_financial_institution"), f(nil, num(499)), "us-ftc-safeguards-notification-event/notification", ""},
		{"DORA as a sector", Organization{Sectors: []string{"financial_entity_in_DORA_scope"}, Countries: []string{"IT"}}, f(nil, nil), "eu-dora-art19-major-ict-incident/initial_notification", "applies"},
		{"no DORA outside the EU", org("US", "financial_entity_in_DORA_scope"), f(map[string]int{"US": 1}, num(1)), "eu-dora-art19-major-ict-incident/initial_notification", ""},
		{"CAC: an operator of critical infrastructure reports in 1h", org("CN", "critical_information_infrastructure_operator"), f(nil, nil), "cn-cac-national-cybersecurity-incident-reporting/report_cii_operator", "applies"},
		{"CAC: not in 4h as well", org("CN", "critical_information_infrastructure_operator"), f(nil, nil), "cn-cac-national-cybersecurity-incident-reporting/report_other_operator", ""},
		{"CAC: others in 4h", org("CN"), f(nil, nil), "cn-cac-national-cybersecurity-incident-reporting/report_other_operator", "applies"},
		{"CAC: others not in 1h", org("CN"), f(nil, nil), "cn-cac-national-cybersecurity-incident-reporting/report_cii_operator", ""},
		{"cards: Visa when card data is involved", us, f(nil, nil, "payment_card"), "pci-visa-account-data-compromise/incident_report", "applies"},
		{"cards: no Visa without card data", us, f(nil, nil, "credentials"), "pci-visa-account-data-compromise/incident_report", ""},
		{"Reg S-P: a broker-dealer has no service-provider phase", org("US", "broker_dealer"), f(nil, nil), "us-sec-reg-sp-customer-notice/service_provider_to_covered_institution", ""},
		{"POPIA: responsible party", Organization{Roles: []string{"responsible_party"}, Countries: []string{"ZA"}}, f(nil, nil), "za-popia-s22/notification", "applies"},
		{"SEC only for registrants", org("US"), f(nil, nil), "us-sec-8k-item105/item_1_05_form_8k", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			it, ok := find(c.Evaluate(tt.org, tt.facts, nil, ts("2026-12-01T10:00:00Z")), tt.key)
			got := Applicability("")
			if ok {
				got = it.Applicability
			}
			if got != tt.want {
				t.Fatalf("%s: %q, want %q (questions %q)", tt.key, got, tt.want, it.Questions)
			}
			if (got == Possible) != (len(it.Questions) > 0) {
				t.Fatalf("%s: %s with questions %q", tt.key, got, it.Questions)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	c := catalog(t)
	const gdpr = "eu-gdpr-art33-supervisory-authority"
	f := fx("aware=2026-12-01T00:00:00Z")
	due := ts("2026-12-04T00:00:00Z")
	tests := []struct {
		name    string
		now     time.Time
		records []Record
		want    ItemStatus
	}{
		{"at the start", ts("2026-12-01T00:00:00Z"), nil, Pending},
		{"4h and a second left", due.Add(-DueSoonMax - time.Second), nil, Pending},
		{"4h left (25% of 72h is 18h; 4h is smaller)", due.Add(-DueSoonMax), nil, DueSoon},
		{"at the due instant", due, nil, DueSoon},
		{"a second late", due.Add(time.Second), nil, Overdue},
		{"submitted late is submitted", due.Add(time.Hour), []Record{{ObligationID: gdpr, Phase: "initial_notification", Kind: RecordSubmitted, At: due.Add(30 * time.Minute)}}, Submitted},
		{"waived", due.Add(time.Hour), []Record{{ObligationID: gdpr, Phase: "initial_notification", Kind: RecordWaived, At: ts("2026-12-02T00:00:00Z"), Reason: "unlikely to result in a risk"}}, Waived},
		{"the latest record counts", due, []Record{
			{ObligationID: gdpr, Phase: "initial_notification", Kind: RecordSubmitted, At: ts("2026-12-03T00:00:00Z")},
			{ObligationID: gdpr, Phase: "initial_notification", Kind: RecordWaived, At: ts("2026-12-02T00:00:00Z")}}, Submitted},
		{"a record of another phase does not count", due.Add(time.Second), []Record{{ObligationID: gdpr, Phase: "phased_supplementary_information", Kind: RecordSubmitted, At: ts("2026-12-02T00:00:00Z")}}, Overdue},
		{"an unknown record kind is ignored", due.Add(time.Second), []Record{{ObligationID: gdpr, Phase: "initial_notification", Kind: "drafted", At: ts("2026-12-02T00:00:00Z")}}, Overdue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			it, _ := find(c.Evaluate(eu, f, tt.records, tt.now), gdpr+"/initial_notification")
			if it.Status != tt.want {
				t.Fatalf("status %s, want %s", it.Status, tt.want)
			}
			if (tt.want == Submitted || tt.want == Waived) != (it.Record != nil) {
				t.Fatalf("record %v", it.Record)
			}
		})
	}
	// A 6-hour clock turns due_soon at 90 minutes (25% of its window).
	cert := fx("noticed=2026-12-31T16:30:00Z")
	for _, c2 := range []struct {
		now  string
		want ItemStatus
	}{{"2026-12-31T20:59:59Z", Pending}, {"2026-12-31T21:00:00Z", DueSoon}} {
		it, _ := find(c.Evaluate(org("IN"), cert, nil, ts(c2.now)), "in-cert-in-directions-2022/notification")
		if it.Status != c2.want {
			t.Errorf("CERT-In at %s: %s, want %s", c2.now, it.Status, c2.want)
		}
	}
}

func TestTargets(t *testing.T) {
	t.Parallel()
	o := targets(eu, "eu-gdpr-art34-data-subjects", 48*time.Hour)
	it, _ := find(catalog(t).Evaluate(o, fx("aware=2026-12-01T00:00:00Z"), nil, ts("2026-12-02T21:00:00Z")), "eu-gdpr-art34-data-subjects/notification")
	if it.DueAt == nil || it.DueAt.Format(time.RFC3339) != "2026-12-03T00:00:00Z" || it.DeadlineKind != Qualitative || it.Status != DueSoon {
		t.Fatalf("targeted: %v %s %s", it.DueAt, it.DeadlineKind, it.Status)
	}
	// A target waits for its anchor.
	it, _ = find(catalog(t).Evaluate(o, fx("discovered=2026-12-01T00:00:00Z"), nil, ts("2026-12-02T21:00:00Z")), "eu-gdpr-art34-data-subjects/notification")
	if it.DueAt != nil || !strings.Contains(it.Explanation, "aware, which has not happened yet") {
		t.Fatalf("target without anchor: %v %q", it.DueAt, it.Explanation)
	}
}

func TestOrganisationCalendars(t *testing.T) {
	t.Parallel()
	c := catalog(t)
	f := fx("suspected=2026-12-24T10:00:00Z").with(cards, nil, nil)
	// Named for the region (GLOBAL) in the profile: the US calendar.
	o := org("GB")
	o.Calendars = map[string]string{"GLOBAL": "US"}
	it, _ := find(c.Evaluate(o, f, nil, ts("2026-12-24T11:00:00Z")), "pci-visa-account-data-compromise/incident_report")
	// US: Christmas Friday; Mon 28 (1), Tue 29 (2), Wed 30 (3), end of day in New York.
	if it.DueAt == nil || it.DueAt.Format(time.RFC3339) != "2026-12-31T04:59:59Z" || !strings.Contains(it.Explanation, "named for GLOBAL") {
		t.Fatalf("Visa on the US calendar: %v %q", it.DueAt, it.Explanation)
	}
	// An organisation's calendar for a parent region reaches a state.
	o = org("US")
	o.Calendars = map[string]string{"US": "GB"}
	v, _ := find(c.Evaluate(o, fx("discovered=2026-12-24T10:00:00Z"), nil, ts("2026-12-24T11:00:00Z")), "us-vt-9-vsa-2435/ag_preliminary_notice")
	if !strings.Contains(v.Explanation, "the GB calendar") || !strings.Contains(v.Explanation, "named for US") {
		t.Fatalf("Vermont: %q", v.Explanation)
	}
	// DORA's member state named as EU.
	o = org("", "financial_entity_in_DORA_scope")
	o.Calendars = map[string]string{"EU": "FR"}
	d, _ := find(c.Evaluate(o, fx("aware=2026-07-13T20:00:00Z", "classified_major=2026-07-13T22:00:00Z"), nil, ts("2026-07-13T22:00:00Z")), "eu-dora-art19-major-ict-incident/initial_notification")
	// 14 July (Fête Nationale) 02:00 CEST: to 12:00 on Wednesday 15 July.
	if d.DueAt == nil || d.DueAt.Format(time.RFC3339) != "2026-07-15T10:00:00Z" {
		t.Fatalf("DORA in France: %v %q", d.DueAt, d.Explanation)
	}
}

func TestEvaluateIsPure(t *testing.T) {
	t.Parallel()
	c := catalog(t)
	o := org("DE", "essential_entity", "financial_entity_in_DORA_scope", "SEC_registrant")
	f := fx("aware=2026-12-01T00:00:00Z", "classified_major=2026-12-01T01:00:00Z", "materiality_determined=2026-12-02T00:00:00Z")
	a := c.Evaluate(o, f, nil, ts("2026-12-02T00:00:00Z"))
	b := c.Evaluate(o, f, nil, ts("2026-12-02T00:00:00Z"))
	if len(a) == 0 || !slices.EqualFunc(a, b, func(x, y Item) bool {
		return x.ObligationID == y.ObligationID && x.Phase == y.Phase && x.Explanation == y.Explanation && x.Status == y.Status
	}) {
		t.Fatal("two evaluations differ")
	}
	for i := 1; i < len(a); i++ {
		if a[i-1].DueAt == nil && a[i].DueAt != nil || a[i-1].DueAt != nil && a[i].DueAt != nil && a[i].DueAt.Before(*a[i-1].DueAt) {
			t.Fatalf("not sorted at %d: %v", i, keys(a))
		}
	}
}

// TestEveryRegionResolves: every jurisdiction of the catalog counts its
// days on a holiday calendar in its own time zone, even for an
// organisation that names neither; only GLOBAL duties count in UTC, and
// EU-wide ones without a member state in Brussels time.
func TestEveryRegionResolves(t *testing.T) {
	t.Parallel()
	ev := evaluation{}
	for _, o := range catalog(t).All() {
		rc := ev.calendarFor(o)
		switch o.Region {
		case "GLOBAL":
			if rc.loc != time.UTC {
				t.Errorf("%s: %s", o.ID, rc.loc)
			}
		case "EU", "EEA":
			if rc.loc.String() != "Europe/Brussels" {
				t.Errorf("%s: %s", o.ID, rc.loc)
			}
		default:
			if _, weekdays := rc.cal.(calendar.Weekdays); weekdays || rc.loc == time.UTC {
				t.Errorf("%s (%s): %s in %s", o.ID, o.Region, rc.name, rc.loc)
			}
		}
	}
	// A US state's own zone, with the federal holidays.
	o, _ := catalog(t).Get("us-tx-bcc-521-053")
	if rc := ev.calendarFor(o); rc.loc.String() != "America/Chicago" || !strings.Contains(rc.name, "US") {
		t.Errorf("Texas: %s in %s", rc.name, rc.loc)
	}
}
