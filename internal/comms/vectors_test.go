package comms

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// vector is one dated duty: the phase id/phase evaluated for org and facts
// (anchors as "name=RFC 3339" pairs) must be due at due ("" for no due
// instant), with status when set, and an explanation containing explain.
type vector struct {
	name    string
	id      string // "obligation/phase"
	org     Organization
	facts   Facts
	records []Record
	now     string // default: a minute after the earliest anchor
	due     string
	status  ItemStatus
	explain string
	// When set: the applicability, a question it must ask, the internal
	// due instant, the flags' codes, and words of the deadline text.
	applies  Applicability
	question string
	internal string
	flags    []string
	text     string
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func num(n int) *int { return &n }

// fx builds facts from "name=time" anchors; personal data is involved.
func fx(anchors ...string) Facts {
	f := Facts{PersonalData: true, Anchors: map[string]time.Time{}}
	for _, a := range anchors {
		k, v, _ := strings.Cut(a, "=")
		f.Anchors[k] = ts(v)
	}
	return f
}

func (f Facts) with(data []string, total *int, by map[string]int) Facts {
	f.DataTypes, f.AffectedIndividuals, f.AffectedByJurisdiction = data, total, by
	return f
}

func org(countries string, kinds ...string) Organization {
	o := Organization{EntityTypes: kinds}
	if countries != "" {
		o.Countries = strings.Split(countries, ",")
	}
	return o
}

func processor(countries string) Organization {
	o := org(countries)
	o.Roles = []string{"processor"}
	return o
}

func sub(id, phase, at string) Record {
	return Record{ObligationID: id, Phase: phase, Kind: RecordSubmitted, At: ts(at)}
}

func targets(o Organization, id string, d time.Duration) Organization {
	o.Targets = map[string]Duration{id: Duration(d)}
	return o
}

var (
	eu      = org("DE")
	dora    = org("DE", "financial_entity_in_DORA_scope")
	us      = org("US")
	phi     = []string{"unsecured_PHI"}
	cards   = []string{"payment_card"}
	covered = org("US", "HIPAA_covered_entity")
)

// vectors date at least one phase of every obligation of the default
// catalog (TestVectorsCoverCatalog fails otherwise).
var vectors = []vector{
	// GDPR Art. 33: 72 elapsed hours; weekends and holidays do not stop it.
	{name: "GDPR 72h across a weekend", id: "eu-gdpr-art33-supervisory-authority/initial_notification", org: eu,
		facts: fx("aware=2026-11-27T15:00:00Z"), due: "2026-11-30T15:00:00Z", explain: "72 hours after aware"},
	{name: "GDPR 72h across Christmas", id: "eu-gdpr-art33-supervisory-authority/initial_notification", org: eu,
		facts: fx("aware=2026-12-24T10:00:00Z"), now: "2026-12-27T07:00:00Z", due: "2026-12-27T10:00:00Z", status: DueSoon},
	{name: "GDPR 72h missed", id: "eu-gdpr-art33-supervisory-authority/initial_notification", org: eu,
		facts: fx("aware=2026-12-24T10:00:00Z"), now: "2026-12-27T10:00:01Z", due: "2026-12-27T10:00:00Z", status: Overdue},
	{name: "GDPR phased information has no period", id: "eu-gdpr-art33-supervisory-authority/phased_supplementary_information", org: eu,
		facts: fx("aware=2026-12-24T10:00:00Z"), records: []Record{sub("eu-gdpr-art33-supervisory-authority", "initial_notification", "2026-12-25T10:00:00Z")},
		due: "", status: Pending, explain: "no fixed period"},
	{name: "GDPR processor to controller with a 24h target", id: "eu-gdpr-art33-2-processor-to-controller/notification",
		org: targets(processor("FR"), "eu-gdpr-art33-2-processor-to-controller", 24*time.Hour), facts: fx("aware=2026-12-24T10:00:00Z"),
		due: "2026-12-25T10:00:00Z", explain: "internal target of 24h0m0s after aware"},
	{name: "GDPR data subjects without a target", id: "eu-gdpr-art34-data-subjects/notification", org: eu,
		facts: fx("aware=2026-12-24T10:00:00Z"), due: "", explain: `"without undue delay"`},

	// NIS2: 24 h, 72 h, and the final report one month after the 72 h
	// notification is submitted.
	{name: "NIS2 early warning", id: "eu-nis2-art23-significant-incident/early_warning", org: org("DE", "essential_entity"),
		facts: fx("aware=2026-12-01T09:00:00Z"), due: "2026-12-02T09:00:00Z"},
	{name: "NIS2 incident notification", id: "eu-nis2-art23-significant-incident/incident_notification", org: org("DE", "important_entity"),
		facts: fx("aware=2026-12-01T09:00:00Z"), due: "2026-12-04T09:00:00Z"},
	{name: "NIS2 intermediate report only on request", id: "eu-nis2-art23-significant-incident/intermediate_report", org: org("DE", "essential_entity"),
		facts: fx("aware=2026-12-01T09:00:00Z"), due: "", explain: "on request"},
	{name: "NIS2 final report waits for the notification", id: "eu-nis2-art23-significant-incident/final_report", org: org("DE", "essential_entity"),
		facts: fx("aware=2026-12-01T09:00:00Z"), due: "", status: Pending, explain: "the submission of incident_notification, which has not happened yet"},
	{name: "NIS2 final report anchored on the submission", id: "eu-nis2-art23-significant-incident/final_report", org: org("DE", "essential_entity"),
		facts:   fx("aware=2026-12-01T09:00:00Z"),
		records: []Record{sub("eu-nis2-art23-significant-incident", "incident_notification", "2026-12-02T09:30:00Z")},
		due:     "2027-01-02T22:59:59Z", explain: "1 calendar month after the submission of incident_notification"},
	{name: "NIS2 final report: a month from 31 January ends on 28 February", id: "eu-nis2-art23-significant-incident/final_report", org: org("DE", "essential_entity"),
		facts:   fx("aware=2027-01-29T09:00:00Z"),
		records: []Record{sub("eu-nis2-art23-significant-incident", "incident_notification", "2027-01-31T12:00:00Z")},
		due:     "2027-02-28T22:59:59Z"},
	{name: "NIS2 progress report", id: "eu-nis2-art23-significant-incident/progress_report_if_ongoing", org: org("DE", "essential_entity"),
		facts:   fx("aware=2026-12-01T09:00:00Z"),
		records: []Record{sub("eu-nis2-art23-significant-incident", "incident_notification", "2026-12-03T09:00:00Z")},
		due:     "2027-01-03T22:59:59Z"},
	{name: "NIS2 final report once handled", id: "eu-nis2-art23-significant-incident/final_report_if_ongoing", org: org("DE", "essential_entity"),
		facts: fx("aware=2026-12-01T09:00:00Z", "incident_handled=2027-03-31T16:00:00Z"), due: "2027-04-30T21:59:59Z"},
	{name: "NIS2 trust services 24h", id: "eu-nis2-art23-trust-service-providers/early_warning_and_incident_notification", org: org("NL", "trust_service_provider"),
		facts: fx("aware=2026-12-31T20:00:00Z"), due: "2027-01-01T20:00:00Z"},
	{name: "NIS2 trust services final report", id: "eu-nis2-art23-trust-service-providers/final_report", org: org("NL", "trust_service_provider"),
		facts:   fx("aware=2026-12-31T20:00:00Z"),
		records: []Record{sub("eu-nis2-art23-trust-service-providers", "early_warning_and_incident_notification", "2027-01-01T08:00:00Z")},
		due:     "2027-02-01T22:59:59Z"},
	{name: "NIS2 service recipients", id: "eu-nis2-art23-service-recipients/notification", org: org("DE", "essential_entity"),
		facts: fx("aware=2026-12-01T09:00:00Z"), due: ""},

	// DORA: min(classification + 4 h, awareness + 24 h), the noon rule.
	{name: "DORA initial: the 4h branch", id: "eu-dora-art19-major-ict-incident/initial_notification", org: dora,
		facts: fx("aware=2026-12-01T08:00:00Z", "classified_major=2026-12-01T10:00:00Z"), due: "2026-12-01T14:00:00Z", explain: "which comes later"},
	{name: "DORA initial: the 24h branch", id: "eu-dora-art19-major-ict-incident/initial_notification", org: dora,
		facts: fx("aware=2026-12-01T08:00:00Z", "classified_major=2026-12-02T06:00:00Z"), due: "2026-12-02T08:00:00Z", explain: "capped at 24 hours after aware"},
	{name: "DORA initial: not yet classified, the 24h outer bound from aware is due (RTS 2025/301 Art. 5(1)(a): \"no later than 24 hours from the moment the financial entity has become aware\")",
		id: "eu-dora-art19-major-ict-incident/initial_notification", org: dora,
		facts: fx("aware=2026-12-01T08:00:00Z"), due: "2026-12-02T08:00:00Z", status: Pending, explain: "so the outer bound is due: no later than 24 hours after aware"},
	{name: "DORA initial on a Saturday moves to Monday noon in Germany", id: "eu-dora-art19-major-ict-incident/initial_notification", org: dora,
		facts: fx("aware=2026-12-04T20:00:00Z", "classified_major=2026-12-04T22:00:00Z"), due: "2026-12-07T11:00:00Z", explain: "moves to 12:00 on Mon 7 Dec"},
	{name: "DORA initial on a German holiday moves to the next working day", id: "eu-dora-art19-major-ict-incident/initial_notification", org: dora,
		facts: fx("aware=2026-12-24T20:00:00Z", "classified_major=2026-12-24T22:00:00Z"), due: "2026-12-28T11:00:00Z", explain: "the DE calendar"},
	{name: "DORA initial: no noon rule for a credit institution", id: "eu-dora-art19-major-ict-incident/initial_notification",
		org: org("DE", "financial_entity_in_DORA_scope", "credit_institution"), facts: fx("aware=2026-12-04T20:00:00Z", "classified_major=2026-12-04T22:00:00Z"),
		due: "2026-12-05T02:00:00Z", explain: "not available to credit_institution"},
	{name: "DORA intermediate 72h after the initial submission", id: "eu-dora-art19-major-ict-incident/intermediate_report", org: dora,
		facts:   fx("aware=2026-12-01T08:00:00Z", "classified_major=2026-12-01T10:00:00Z"),
		records: []Record{sub("eu-dora-art19-major-ict-incident", "initial_notification", "2026-12-01T13:00:00Z")},
		due:     "2026-12-04T13:00:00Z"},
	{name: "DORA intermediate due on a Sunday moves to Monday noon", id: "eu-dora-art19-major-ict-incident/intermediate_report", org: dora,
		facts:   fx("aware=2026-12-03T08:00:00Z", "classified_major=2026-12-03T09:00:00Z"),
		records: []Record{sub("eu-dora-art19-major-ict-incident", "initial_notification", "2026-12-03T10:00:00Z")},
		due:     "2026-12-07T11:00:00Z"},
	{name: "DORA updated intermediate has no period", id: "eu-dora-art19-major-ict-incident/updated_intermediate_report", org: dora,
		facts: fx("aware=2026-12-01T08:00:00Z"), due: ""},
	{name: "DORA final a month after the latest intermediate", id: "eu-dora-art19-major-ict-incident/final_report", org: dora,
		facts: fx("aware=2026-12-01T08:00:00Z"),
		records: []Record{sub("eu-dora-art19-major-ict-incident", "intermediate_report", "2026-12-04T10:00:00Z"),
			sub("eu-dora-art19-major-ict-incident", "updated_intermediate_report", "2026-12-20T10:00:00Z")},
		due: "2027-01-20T22:59:59Z", explain: "the submission of updated_intermediate_report"},
	{name: "DORA clients", id: "eu-dora-art19-3-clients/notification", org: dora, facts: fx("aware=2026-12-01T08:00:00Z"), due: ""},

	// CRA.
	{name: "CRA vulnerability early warning", id: "eu-cra-art14-actively-exploited-vulnerability/early_warning",
		org: org("DE", "manufacturer_of_product_with_digital_elements"), facts: fx("aware=2026-12-01T08:00:00Z"), due: "2026-12-02T08:00:00Z"},
	{name: "CRA vulnerability notification", id: "eu-cra-art14-actively-exploited-vulnerability/vulnerability_notification",
		org: org("US", "manufacturer_of_product_with_digital_elements"), facts: fx("aware=2026-12-01T08:00:00Z"), due: "2026-12-04T08:00:00Z"},
	{name: "CRA vulnerability final report 14 days after a fix", id: "eu-cra-art14-actively-exploited-vulnerability/final_report",
		org: org("DE", "manufacturer_of_product_with_digital_elements"), facts: fx("aware=2026-12-01T08:00:00Z", "corrective_measure_available=2026-12-20T12:00:00Z"),
		due: "2027-01-03T22:59:59Z"},
	{name: "CRA severe incident early warning", id: "eu-cra-art14-severe-incident/early_warning",
		org: org("DE", "manufacturer_of_product_with_digital_elements"), facts: fx("aware=2026-12-01T08:00:00Z"), due: "2026-12-02T08:00:00Z"},
	{name: "CRA severe incident notification", id: "eu-cra-art14-severe-incident/incident_notification",
		org: org("DE", "manufacturer_of_product_with_digital_elements"), facts: fx("aware=2026-12-01T08:00:00Z"), due: "2026-12-04T08:00:00Z"},
	{name: "CRA severe incident final report", id: "eu-cra-art14-severe-incident/final_report",
		org: org("DE", "manufacturer_of_product_with_digital_elements"), facts: fx("aware=2026-12-01T08:00:00Z"),
		records: []Record{sub("eu-cra-art14-severe-incident", "incident_notification", "2026-12-03T08:00:00Z")}, due: "2027-01-03T22:59:59Z"},

	// United Kingdom.
	{name: "UK GDPR 72h over the bank holidays", id: "uk-gdpr-art33-ico/initial_report", org: org("GB"),
		facts: fx("aware=2026-12-25T09:00:00Z"), due: "2026-12-28T09:00:00Z"},
	{name: "UK GDPR updates", id: "uk-gdpr-art33-ico/updates_in_phases", org: org("GB"), facts: fx("aware=2026-12-25T09:00:00Z"), due: ""},
	{name: "UK GDPR individuals", id: "uk-gdpr-art34-individuals/notification", org: org("GB"), facts: fx("aware=2026-12-25T09:00:00Z"), due: ""},
	{name: "UK PECR 72h", id: "uk-pecr-reg5a-csp/notification", org: org("GB", "public_electronic_communications_service_provider"),
		facts: fx("aware=2026-12-25T09:00:00Z"), due: "2026-12-28T09:00:00Z"},
	{name: "UK NIS 72h", id: "uk-nis-2018-reg11-oes/notification", org: org("GB", "operator_of_essential_services"),
		facts: fx("aware=2026-12-25T09:00:00Z"), due: "2026-12-28T09:00:00Z"},

	// SEC Form 8-K Item 1.05: four business days on the federal calendar,
	// due at 17:30 in New York, when EDGAR stops taking same-day filings
	// (Regulation S-T Rule 13(a)(2)).
	{name: "SEC across Thanksgiving", id: "us-sec-8k-item105/item_1_05_form_8k", org: org("US", "SEC_registrant"),
		facts: fx("materiality_determined=2026-11-24T15:00:00Z"), due: "2026-12-01T22:30:00Z", explain: "skipping Thanksgiving Day (Thu 26 Nov)"},
	{name: "SEC on the day before Thanksgiving", id: "us-sec-8k-item105/item_1_05_form_8k", org: org("US", "SEC_registrant"),
		facts: fx("materiality_determined=2026-11-25T15:00:00Z"), due: "2026-12-02T22:30:00Z"},
	{name: "SEC from a Saturday (General Instruction B.1)", id: "us-sec-8k-item105/item_1_05_form_8k", org: org("US", "SEC_registrant"),
		facts: fx("materiality_determined=2026-11-28T14:00:00Z"), due: "2026-12-03T22:30:00Z",
		explain: "it fell on Sat 28 Nov, not a business day, so the count began on and included Mon 30 Nov"},
	{name: "SEC from a Saturday before Martin Luther King Jr. Day", id: "us-sec-8k-item105/item_1_05_form_8k", org: org("US", "SEC_registrant"),
		facts: fx("materiality_determined=2027-01-16T14:00:00Z"), due: "2027-01-22T22:30:00Z", explain: "included Tue 19 Jan"},
	{name: "SEC on Thanksgiving itself", id: "us-sec-8k-item105/item_1_05_form_8k", org: org("US", "SEC_registrant"),
		facts: fx("materiality_determined=2026-11-26T15:00:00Z"), due: "2026-12-02T22:30:00Z", explain: "included Fri 27 Nov"},
	{name: "SEC counts New York days: Tuesday evening there is Wednesday in UTC", id: "us-sec-8k-item105/item_1_05_form_8k", org: org("US", "SEC_registrant"),
		facts: fx("materiality_determined=2026-11-25T03:30:00Z"), due: "2026-12-01T22:30:00Z"},
	{name: "SEC 8-K/A", id: "us-sec-8k-item105/form_8k_a_amendment", org: org("US", "SEC_registrant"),
		facts: fx("materiality_determined=2026-11-24T15:00:00Z", "information_determined_or_available=2026-12-18T15:00:00Z"), due: "2026-12-24T22:30:00Z"},

	// HIPAA.
	{name: "HIPAA individuals 60 days", id: "us-hipaa-164-404-individuals/notification", org: covered,
		facts: fx("discovered=2026-11-02T12:00:00Z").with(phi, num(20), nil), due: "2027-01-02T04:59:59Z"},
	{name: "HIPAA media: more than 500 in one state", id: "us-hipaa-164-406-media/notification", org: covered,
		facts: fx("discovered=2026-11-02T12:00:00Z").with(phi, num(700), map[string]int{"US-CA": 501, "US-NV": 199}), due: "2027-01-02T04:59:59Z"},
	{name: "HIPAA HHS, 500 or more", id: "us-hipaa-164-408-hhs-500-or-more/notification", org: covered,
		facts: fx("discovered=2026-11-02T12:00:00Z").with(phi, num(500), nil), due: "2027-01-02T04:59:59Z"},
	{name: "HIPAA under 500: 60 days after 2027 ends is 29 February 2028", id: "us-hipaa-164-408-hhs-under-500/notification", org: covered,
		facts: fx("discovered=2027-06-15T12:00:00Z").with(phi, num(499), nil), due: "2028-03-01T04:59:59Z", explain: "the end of 2027, the year discovered"},
	{name: "HIPAA under 500: 60 days after 2026 ends is 1 March 2027", id: "us-hipaa-164-408-hhs-under-500/notification", org: covered,
		facts: fx("discovered=2026-12-31T23:00:00Z").with(phi, num(3), nil), due: "2027-03-02T04:59:59Z"},
	{name: "HIPAA business associate", id: "us-hipaa-164-410-business-associate/notification", org: org("US", "HIPAA_business_associate"),
		facts: fx("discovered=2026-11-02T12:00:00Z").with(phi, nil, nil), due: "2027-01-02T04:59:59Z"},

	// Other US federal duties.
	{name: "CIRCIA (proposed) 72h", id: "us-circia-covered-cyber-incident/covered_cyber_incident_report", org: org("US", "CIRCIA_covered_entity"),
		facts: fx("reasonable_belief=2026-12-01T00:00:00Z"), due: "2026-12-04T00:00:00Z"},
	{name: "CIRCIA supplemental", id: "us-circia-covered-cyber-incident/supplemental_report", org: org("US", "CIRCIA_covered_entity"),
		facts: fx("reasonable_belief=2026-12-01T00:00:00Z"), due: ""},
	{name: "CIRCIA ransom 24h", id: "us-circia-ransom-payment/notification", org: org("US", "CIRCIA_covered_entity"),
		facts: fx("ransom_paid=2026-12-01T23:00:00Z"), due: "2026-12-02T23:00:00Z"},
	{name: "CIRCIA ransom before any payment", id: "us-circia-ransom-payment/notification", org: org("US", "CIRCIA_covered_entity"),
		facts: fx("aware=2026-12-01T23:00:00Z"), due: "", status: NotInForce, explain: "ransom_paid, which has not happened yet"},
	{name: "NYDFS 72h", id: "us-ny-nydfs-500-17a-cybersecurity-incident/initial_notice", org: org("US-NY", "NYDFS_covered_entity"),
		facts: fx("determined=2026-12-01T12:00:00Z"), due: "2026-12-04T12:00:00Z"},
	{name: "NYDFS updates", id: "us-ny-nydfs-500-17a-cybersecurity-incident/updates", org: org("US-NY", "NYDFS_covered_entity"),
		facts: fx("determined=2026-12-01T12:00:00Z"), due: ""},
	{name: "NYDFS extortion payment 24h", id: "us-ny-nydfs-500-17c-extortion-payment/payment_notice", org: org("US-NY", "NYDFS_covered_entity"),
		facts: fx("ransom_paid=2026-12-01T12:00:00Z"), due: "2026-12-02T12:00:00Z"},
	{name: "NYDFS extortion justification 30 days", id: "us-ny-nydfs-500-17c-extortion-payment/written_justification", org: org("US-NY", "NYDFS_covered_entity"),
		facts: fx("ransom_paid=2026-12-01T12:00:00Z"), due: "2027-01-01T04:59:59Z"},
	{name: "Banks 36h", id: "us-bank-computer-security-incident-36h/notification", org: org("US", "US_banking_organization"),
		facts: fx("determined=2026-12-01T12:00:00Z"), due: "2026-12-03T00:00:00Z"},
	{name: "Bank service provider", id: "us-bank-service-provider-to-bank/notification", org: org("US", "bank_service_provider"),
		facts: fx("determined=2026-12-01T12:00:00Z"), due: ""},
	{name: "FTC Safeguards 30 days", id: "us-ftc-safeguards-notification-event/notification", org: org("US", "FTC_jurisdiction_non_bank_financial_institution"),
		facts: fx("discovered=2026-12-01T12:00:00Z").with(nil, num(500), nil), due: "2027-01-01T04:59:59Z"},
	{name: "Reg S-P customers 30 days", id: "us-sec-reg-sp-customer-notice/notification", org: org("US", "broker_dealer"),
		facts: fx("aware=2026-12-01T12:00:00Z"), due: "2027-01-01T04:59:59Z"},
	{name: "Reg S-P service provider 72h", id: "us-sec-reg-sp-customer-notice/service_provider_to_covered_institution", org: org("US", "reg_sp_service_provider"),
		facts: fx("aware=2026-12-01T12:00:00Z"), due: "2026-12-04T12:00:00Z"},

	// US states.
	{name: "California 30 days", id: "us-ca-civ-1798-82/individual_notice", org: us,
		facts: fx("discovered=2026-12-01T12:00:00Z").with(nil, nil, map[string]int{"US-CA": 40}), due: "2027-01-01T07:59:59Z"},
	{name: "California AG 15 days after the consumer notice", id: "us-ca-civ-1798-82/attorney_general_sample_notice", org: us,
		facts:   fx("discovered=2026-12-01T12:00:00Z").with(nil, nil, map[string]int{"US-CA": 600}),
		records: []Record{sub("us-ca-civ-1798-82", "individual_notice", "2026-12-20T12:00:00Z")}, due: "2027-01-05T07:59:59Z"},
	{name: "California maintainer to owner", id: "us-ca-civ-1798-82/maintainer_to_owner", org: processor("US"),
		facts: fx("discovered=2026-12-01T12:00:00Z"), due: ""},
	{name: "New York 30 days", id: "us-ny-gbl-899aa/notification", org: us,
		facts: fx("discovered=2026-12-01T12:00:00Z").with(nil, nil, map[string]int{"US-NY": 3}), due: "2027-01-01T04:59:59Z"},
	{name: "Texas 60 days", id: "us-tx-bcc-521-053/individual_notice", org: us,
		facts: fx("determined=2026-12-01T12:00:00Z").with(nil, nil, map[string]int{"US-TX": 3}), due: "2027-01-31T05:59:59Z"},
	{name: "Texas AG at 250", id: "us-tx-bcc-521-053/attorney_general_notice", org: us,
		facts: fx("determined=2026-12-01T12:00:00Z").with(nil, nil, map[string]int{"US-TX": 250}), due: "2027-01-01T05:59:59Z"},
	{name: "Florida 30 days", id: "us-fl-501-171/individual_notice", org: us,
		facts: fx("determined=2026-12-01T12:00:00Z").with(nil, nil, map[string]int{"US-FL": 1}), due: "2027-01-01T04:59:59Z"},
	{name: "Florida department at 500", id: "us-fl-501-171/department_of_legal_affairs", org: us,
		facts: fx("determined=2026-12-01T12:00:00Z").with(nil, nil, map[string]int{"US-FL": 500}), due: "2027-01-01T04:59:59Z"},
	{name: "Florida third-party agent 10 days", id: "us-fl-501-171/third_party_agent_to_covered_entity", org: processor("US"),
		facts: fx("determined=2026-12-01T12:00:00Z").with(nil, nil, map[string]int{"US-FL": 1}), due: "2026-12-12T04:59:59Z"},
	{name: "Colorado 30 days", id: "us-co-6-1-716/individual_notice", org: us,
		facts: fx("determined=2026-12-01T12:00:00Z").with(nil, nil, map[string]int{"US-CO": 1}), due: "2027-01-01T06:59:59Z"},
	{name: "Colorado AG at 500", id: "us-co-6-1-716/attorney_general_notice", org: us,
		facts: fx("determined=2026-12-01T12:00:00Z").with(nil, nil, map[string]int{"US-CO": 500}), due: "2027-01-01T06:59:59Z"},
	{name: "Washington 30 days", id: "us-wa-rcw-19-255-010/individual_notice", org: us,
		facts: fx("discovered=2026-12-01T12:00:00Z").with(nil, nil, map[string]int{"US-WA": 1}), due: "2027-01-01T07:59:59Z"},
	{name: "Washington AG over 500", id: "us-wa-rcw-19-255-010/attorney_general_notice", org: us,
		facts: fx("discovered=2026-12-01T12:00:00Z").with(nil, nil, map[string]int{"US-WA": 501}), due: "2027-01-01T07:59:59Z"},
	{name: "Vermont AG 14 business days across Thanksgiving", id: "us-vt-9-vsa-2435/ag_preliminary_notice", org: us,
		facts: fx("discovered=2026-11-16T15:00:00Z").with(nil, nil, map[string]int{"US-VT": 10}), due: "2026-12-08T04:59:59Z", explain: "Thanksgiving Day"},
	{name: "Vermont consumers 45 days", id: "us-vt-9-vsa-2435/consumer_notice", org: us,
		facts: fx("discovered=2026-11-16T15:00:00Z").with(nil, nil, map[string]int{"US-VT": 10}), due: "2027-01-01T04:59:59Z"},
	{name: "Vermont AG follow-up", id: "us-vt-9-vsa-2435/ag_followup", org: us,
		facts: fx("discovered=2026-11-16T15:00:00Z").with(nil, nil, map[string]int{"US-VT": 10}), due: ""},

	// Card brands (contractual): business days on the establishment's
	// calendar, or Monday to Friday.
	{name: "Visa immediately", id: "pci-visa-account-data-compromise/initial_notice", org: org("GB"),
		facts: fx("suspected=2026-12-24T10:00:00Z").with(cards, nil, nil), due: ""},
	{name: "Visa report 3 business days over the English Christmas", id: "pci-visa-account-data-compromise/incident_report", org: org("GB"),
		facts: fx("suspected=2026-12-24T10:00:00Z").with(cards, nil, nil), due: "2026-12-31T23:59:59Z", explain: "Boxing Day (Mon 28 Dec)"},
	{name: "Visa account numbers 10 business days, Monday to Friday", id: "pci-visa-account-data-compromise/compromised_account_numbers", org: Organization{},
		facts: fx("suspected=2026-12-24T10:00:00Z").with(cards, nil, nil), due: "2027-01-07T23:59:59Z", explain: "Monday to Friday in UTC"},
	{name: "Mastercard 24h", id: "pci-mastercard-adc-event/initial_report", org: us,
		facts: fx("aware=2026-12-24T10:00:00Z").with(cards, nil, nil), due: "2026-12-25T10:00:00Z"},
	{name: "Mastercard forensic investigator 72h", id: "pci-mastercard-adc-event/pci_forensic_investigator_engaged", org: us,
		facts: fx("aware=2026-12-24T10:00:00Z").with(cards, nil, nil), due: "2026-12-27T10:00:00Z"},

	// Australia.
	{name: "NDB assessment 30 days", id: "au-privacy-ndb-assessment/notification", org: org("AU", "APP_entity"),
		facts: fx("suspected=2026-12-01T00:00:00Z"), due: "2026-12-31T12:59:59Z"},
	{name: "NDB commissioner", id: "au-privacy-ndb-commissioner/notification", org: org("AU", "APP_entity"),
		facts: fx("aware=2026-12-01T00:00:00Z"), due: ""},
	{name: "NDB individuals with a 72h target", id: "au-privacy-ndb-individuals/notification",
		org: targets(org("AU", "APP_entity"), "au-privacy-ndb-individuals", 72*time.Hour), facts: fx("statement_prepared=2026-12-02T00:00:00Z"),
		due: "2026-12-05T00:00:00Z"},
	{name: "SOCI critical 12h", id: "au-soci-30bc-critical-incident/report_oral_or_written", org: org("AU", "SOCI_responsible_entity"),
		facts: fx("aware=2026-12-01T20:00:00Z"), due: "2026-12-02T08:00:00Z"},
	{name: "SOCI critical written record 84h", id: "au-soci-30bc-critical-incident/written_record_if_oral", org: org("AU", "SOCI_responsible_entity"),
		facts: fx("aware=2026-12-01T20:00:00Z", "oral_report_given=2026-12-02T01:00:00Z"), due: "2026-12-05T13:00:00Z"},
	{name: "SOCI other 72h", id: "au-soci-30bd-other-incident/report_oral_or_written", org: org("AU", "SOCI_responsible_entity"),
		facts: fx("aware=2026-12-01T20:00:00Z"), due: "2026-12-04T20:00:00Z"},
	{name: "SOCI other written record 48h", id: "au-soci-30bd-other-incident/written_record_if_oral", org: org("AU", "SOCI_responsible_entity"),
		facts: fx("aware=2026-12-01T20:00:00Z", "oral_report_given=2026-12-02T01:00:00Z"), due: "2026-12-04T01:00:00Z"},
	{name: "AU ransomware payment 72h", id: "au-cyber-security-act-ransomware-payment/notification", org: org("AU", "reporting_business_entity"),
		facts: fx("ransom_paid=2026-12-01T20:00:00Z"), due: "2026-12-04T20:00:00Z"},

	// Canada, Singapore, India.
	{name: "PIPEDA commissioner", id: "ca-pipeda-10-1-opc/notification", org: org("CA", "PIPEDA_organization"),
		facts: fx("determined=2026-12-01T20:00:00Z"), due: ""},
	{name: "PIPEDA individuals", id: "ca-pipeda-10-1-individuals/notification", org: org("CA", "PIPEDA_organization"),
		facts: fx("determined=2026-12-01T20:00:00Z"), due: ""},
	{name: "PDPA assessment", id: "sg-pdpa-26c-assessment/assessment", org: org("SG"), facts: fx("suspected=2026-12-01T20:00:00Z"), due: ""},
	{name: "PDPA assessment guidance 30 days (unverified)", id: "sg-pdpa-26c-assessment/assessment_guidance_30_days", org: org("SG"),
		facts: fx("suspected=2026-12-01T20:00:00Z"), due: "2027-01-01T15:59:59Z"},
	{name: "PDPC 3 calendar days", id: "sg-pdpa-26d-pdpc/notification", org: org("SG"),
		facts: fx("assessment_completed=2026-12-30T20:00:00Z"), due: "2027-01-03T15:59:59Z"},
	{name: "PDPA individuals after the PDPC notice, with a target", id: "sg-pdpa-26d-individuals/notification",
		org: targets(org("SG"), "sg-pdpa-26d-individuals", 24*time.Hour), facts: fx("assessment_completed=2026-12-30T20:00:00Z"),
		records: []Record{sub("sg-pdpa-26d-pdpc", "notification", "2026-12-31T09:00:00Z")}, due: "2027-01-01T09:00:00Z",
		explain: "the submission of sg-pdpa-26d-pdpc/notification"},
	{name: "CERT-In 6h across midnight on New Year's Eve", id: "in-cert-in-directions-2022/notification", org: org("IN"),
		facts: fx("noticed=2026-12-31T22:00:00+05:30"), now: "2027-01-01T01:00:00+05:30", due: "2026-12-31T22:30:00Z", status: Pending},
	{name: "CERT-In due soon at 90 minutes left", id: "in-cert-in-directions-2022/notification", org: org("IN"),
		facts: fx("noticed=2026-12-31T22:00:00+05:30"), now: "2026-12-31T21:00:00Z", due: "2026-12-31T22:30:00Z", status: DueSoon},
	{name: "DPDP board intimation", id: "in-dpdp-rule7-board/initial_intimation", org: org("IN"), facts: fx("aware=2026-12-01T00:00:00Z"), due: ""},
	{name: "DPDP board 72h", id: "in-dpdp-rule7-board/detailed_report", org: org("IN"), facts: fx("aware=2026-12-01T00:00:00Z"), due: "2026-12-04T00:00:00Z"},
	{name: "DPDP data principals", id: "in-dpdp-rule7-data-principals/notification", org: org("IN"), facts: fx("aware=2026-12-01T00:00:00Z"), due: ""},

	// Brazil: working days on the Brazilian calendar, Brasília time.
	{name: "ANPD 3 working days across Tiradentes", id: "br-lgpd-anpd-res15-2024-anpd/communication_to_anpd", org: org("BR"),
		facts: fx("aware=2026-04-20T13:00:00Z"), due: "2026-04-25T02:59:59Z", explain: "skipping Tiradentes (Tue 21 Apr)"},
	{name: "ANPD complementary 20 working days", id: "br-lgpd-anpd-res15-2024-anpd/complementary_information", org: org("BR"),
		facts:   fx("aware=2026-04-20T13:00:00Z"),
		records: []Record{sub("br-lgpd-anpd-res15-2024-anpd", "communication_to_anpd", "2026-04-22T13:00:00Z")}, due: "2026-05-22T02:59:59Z"},
	{name: "LGPD data subjects 3 working days across Consciência Negra", id: "br-lgpd-anpd-res15-2024-data-subjects/notification", org: org("BR"),
		facts: fx("aware=2026-11-19T13:00:00Z"), due: "2026-11-26T02:59:59Z", explain: "Consciência Negra"},

	// Japan, China, South Africa, Switzerland.
	{name: "APPI preliminary", id: "jp-appi-art26-ppc/preliminary_report", org: org("JP"), facts: fx("aware=2026-12-01T00:00:00Z"), due: ""},
	{name: "APPI final 30 days", id: "jp-appi-art26-ppc/final_report", org: org("JP"), facts: fx("aware=2026-12-01T00:00:00Z"), due: "2026-12-31T14:59:59Z"},
	{name: "APPI final 60 days (unlawful purpose)", id: "jp-appi-art26-ppc/final_report_unlawful_purpose", org: org("JP"),
		facts: fx("aware=2026-12-01T00:00:00Z"), due: "2027-01-30T14:59:59Z"},
	{name: "APPI individuals", id: "jp-appi-art26-individuals/notification", org: org("JP"), facts: fx("aware=2026-12-01T00:00:00Z"), due: ""},
	{name: "CAC critical infrastructure 1h", id: "cn-cac-national-cybersecurity-incident-reporting/report_cii_operator",
		org: org("CN", "critical_information_infrastructure_operator"), facts: fx("aware=2026-12-01T23:30:00Z"), due: "2026-12-02T00:30:00Z"},
	{name: "CAC state organ 2h", id: "cn-cac-national-cybersecurity-incident-reporting/report_central_state_organ",
		org: org("CN", "central_state_organ"), facts: fx("aware=2026-12-01T23:30:00Z"), due: "2026-12-02T01:30:00Z"},
	{name: "CAC other operators 4h", id: "cn-cac-national-cybersecurity-incident-reporting/report_other_operator",
		org: org("CN"), facts: fx("aware=2026-12-01T23:30:00Z"), due: "2026-12-02T03:30:00Z"},
	{name: "CAC summary 30 days after handling", id: "cn-cac-national-cybersecurity-incident-reporting/post_incident_summary",
		org: org("CN"), facts: fx("aware=2026-12-01T23:30:00Z", "incident_handled=2026-12-10T00:00:00Z"), due: "2027-01-09T15:59:59Z"},
	{name: "PIPL", id: "cn-pipl-art57/notification", org: org("CN"), facts: fx("aware=2026-12-01T00:00:00Z"), due: ""},
	{name: "POPIA", id: "za-popia-s22/notification", org: org("ZA"), facts: fx("discovered=2026-12-01T00:00:00Z"), due: ""},
	{name: "FADP commissioner", id: "ch-fadp-art24-fdpic/notification", org: org("CH"), facts: fx("aware=2026-12-01T00:00:00Z"), due: ""},
	{name: "FADP data subjects", id: "ch-fadp-art24-data-subjects/notification", org: org("CH"), facts: fx("aware=2026-12-01T00:00:00Z"), due: ""},
	{name: "ISA 24h", id: "ch-isa-art74b-critical-infrastructure/report", org: org("CH", "ISA_art74b_reporting_obligated_organisation"),
		facts: fx("discovered=2026-07-31T12:00:00Z"), due: "2026-08-01T12:00:00Z"},
	{name: "ISA missing information 14 days after the report", id: "ch-isa-art74b-critical-infrastructure/completion_of_missing_information",
		org: org("CH", "ISA_art74b_reporting_obligated_organisation"), facts: fx("discovered=2026-07-31T12:00:00Z"),
		records: []Record{sub("ch-isa-art74b-critical-infrastructure", "report", "2026-08-01T09:00:00Z")}, due: "2026-08-15T21:59:59Z"},

	// Issue #11: dated vectors written from the law's text.
	//
	// 45 CFR 164.408(c): "not later than 60 days after the end of each
	// calendar year"; the year is the covered entity's, in Eastern time
	// (a discovery at 19:30 EST on 31 December 2025 is in 2025).
	{name: "HIPAA under 500: the year ends in New York, not UTC", id: "us-hipaa-164-408-hhs-under-500/notification", org: covered,
		facts: fx("discovered=2025-12-31T19:30:00-05:00").with(phi, num(20), nil), now: "2026-01-02T00:00:00Z",
		due: "2026-03-01T23:59:59-05:00", explain: "the end of 2025, the year discovered (31 December in America/New_York)"},
	// Tex. Bus. & Com. Code 521.053(b): "not later than the 60th day after
	// the date on which the person determines that the breach occurred";
	// the day of the determination is not counted and the 60th day ends
	// at midnight in Texas, across the change to daylight time.
	{name: "Texas 60 days end on the 60th day in Central time", id: "us-tx-bcc-521-053/individual_notice", org: us,
		facts: fx("determined=2026-02-20T23:30:00-06:00").with(nil, nil, map[string]int{"US-TX": 3}), due: "2026-04-21T23:59:59-05:00"},
	// NIS2 Art. 23(4)(d): "not later than one month after the submission of
	// the incident notification"; Reg. 1182/71 Art. 3(2)(c): the month ends
	// with the day of the same date, or the month's last day (30 April).
	{name: "NIS2 final report: the month is counted in Berlin, not UTC", id: "eu-nis2-art23-significant-incident/final_report", org: org("DE", "essential_entity"),
		facts:   fx("aware=2027-03-29T09:00:00Z"),
		records: []Record{sub("eu-nis2-art23-significant-incident", "incident_notification", "2027-03-31T00:30:00+02:00")},
		due:     "2027-04-30T23:59:59+02:00", text: "not later than one month after the submission of the incident notification (Art. 23(4)(d))"},
	{name: "NIS2 incident notification reads as its own phase", id: "eu-nis2-art23-significant-incident/incident_notification", org: org("DE", "essential_entity"),
		facts: fx("aware=2026-12-01T09:00:00Z"), due: "2026-12-04T09:00:00Z", text: "within 72 hours of becoming aware of the significant incident, an incident notification"},
	// RTS 2025/301 Art. 5(4): a deadline on a weekend or holiday "in the
	// Member State of the reporting financial entity" moves to noon of the
	// next working day there. Monday 01:00 in Helsinki is a working day.
	{name: "DORA Finland: Monday 01:00 EEST stays (a working day in Helsinki)", id: "eu-dora-art19-major-ict-incident/initial_notification",
		org: org("FI", "financial_entity_in_DORA_scope"), facts: fx("aware=2026-05-31T12:00:00+03:00", "classified_major=2026-05-31T21:00:00+03:00"),
		due: "2026-06-01T01:00:00+03:00", explain: "Mon 1 Jun 01:00 EEST is a working day on the FI calendar"},
	{name: "DORA Luxembourg: Saturday moves to Monday 12:00 CET", id: "eu-dora-art19-major-ict-incident/initial_notification",
		org: org("LU", "financial_entity_in_DORA_scope"), facts: fx("aware=2026-12-04T20:00:00Z", "classified_major=2026-12-04T22:00:00Z"),
		due: "2026-12-07T12:00:00+01:00", explain: "moves to 12:00 on Mon 7 Dec"},
	{name: "DORA Luxembourg: Europe Day (Loi du 25 avril 2019) moves to Monday noon", id: "eu-dora-art19-major-ict-incident/initial_notification",
		org: org("LU", "financial_entity_in_DORA_scope"), facts: fx("aware=2025-05-09T07:00:00+02:00", "classified_major=2025-05-09T08:00:00+02:00"),
		due: "2025-05-12T12:00:00+02:00", explain: "Europadag"},
	{name: "DORA: the member state named in the profile decides", id: "eu-dora-art19-major-ict-incident/initial_notification",
		org:   Organization{EntityTypes: []string{"financial_entity_in_DORA_scope"}, Countries: []string{"US"}, Calendars: map[string]string{"EU": "FI"}},
		facts: fx("aware=2026-05-31T12:00:00+03:00", "classified_major=2026-05-31T21:00:00+03:00"), due: "2026-06-01T01:00:00+03:00",
		applies: Possible, question: "resident in the EU"},
	// RTS 2025/301 Art. 5(1)(b): a submission before the initial
	// notification it follows is flagged; so is one after its due instant.
	{name: "DORA intermediate before the initial notification is flagged", id: "eu-dora-art19-major-ict-incident/intermediate_report", org: dora,
		facts:   fx("aware=2026-12-01T08:00:00Z"),
		records: []Record{sub("eu-dora-art19-major-ict-incident", "intermediate_report", "2026-12-01T12:00:00Z")},
		status:  Submitted, flags: []string{FlagOutOfOrder}},
	{name: "GDPR submitted after 72 hours is flagged late (Art. 33(1): reasons for the delay)", id: "eu-gdpr-art33-supervisory-authority/initial_notification", org: eu,
		facts:   fx("aware=2026-12-01T09:00:00Z"),
		records: []Record{sub("eu-gdpr-art33-supervisory-authority", "initial_notification", "2026-12-04T10:00:00Z")},
		due:     "2026-12-04T09:00:00Z", status: Submitted, flags: []string{FlagLate}},
	{name: "GDPR on time: no flag", id: "eu-gdpr-art33-supervisory-authority/initial_notification", org: eu,
		facts:   fx("aware=2026-12-01T09:00:00Z"),
		records: []Record{sub("eu-gdpr-art33-supervisory-authority", "initial_notification", "2026-12-03T10:00:00Z")},
		due:     "2026-12-04T09:00:00Z", status: Submitted, flags: []string{}},
	// 17 CFR 232.13(a)(2): EDGAR filings "commencing after 5:30 p.m.
	// Eastern" are filed the next business day.
	{name: "SEC: 17:30 ET on the fourth business day", id: "us-sec-8k-item105/item_1_05_form_8k", org: org("US", "SEC_registrant"),
		facts: fx("materiality_determined=2026-06-01T10:00:00-04:00"), due: "2026-06-05T17:30:00-04:00", explain: "due at the filing cut-off, 17:30 on Fri 5 Jun 2026 EDT",
		text: "5:30 p.m. Eastern"},
	// Unknown facts count in the duty's favour.
	{name: "HIPAA individuals may apply while the data types are unknown", id: "us-hipaa-164-404-individuals/notification", org: covered,
		facts: fx("discovered=2026-11-02T12:00:00Z"), due: "2027-01-01T23:59:59-05:00", applies: Possible, question: "unsecured protected health information (unsecured_PHI)"},
	{name: "GDPR may apply to a US controller without a residence breakdown", id: "eu-gdpr-art33-supervisory-authority/initial_notification", org: us,
		facts: fx("aware=2026-12-01T09:00:00Z"), due: "2026-12-04T09:00:00Z", applies: Possible, question: "Are any affected people resident in the EEA (EEA)?"},
	{name: "HHS 500 or more may apply on a partial breakdown", id: "us-hipaa-164-408-hhs-500-or-more/notification", org: covered,
		facts: fx("discovered=2026-11-02T12:00:00Z").with(phi, nil, map[string]int{"US-CA": 300, "US-TX": 150}), due: "2027-01-01T23:59:59-05:00",
		applies: Possible, question: "500 or more people affected"},
	{name: "HIPAA media may be due on a partial breakdown", id: "us-hipaa-164-406-media/notification", org: covered,
		facts: fx("discovered=2026-11-02T12:00:00Z").with(phi, nil, map[string]int{"US-CA": 300, "US-TX": 150}), due: "2027-01-01T23:59:59-05:00",
		applies: Possible, question: "more than 500 people affected resident in any one state or jurisdiction of the United States (US)"},
	// The organisation's margin is a separate, labelled instant.
	{name: "a 12h margin shows an internal due instant beside the legal one", id: "eu-gdpr-art33-supervisory-authority/initial_notification",
		org: Organization{Countries: []string{"DE"}, Margin: Duration(12 * time.Hour)}, facts: fx("aware=2026-12-01T09:00:00Z"),
		due: "2026-12-04T09:00:00Z", internal: "2026-12-03T21:00:00Z", applies: Applies},
	// Not yet in force: CRA Art. 71(2) applies Art. 14 from 11 September 2026.
	{name: "CRA before 11 September 2026 is not yet in force", id: "eu-cra-art14-severe-incident/early_warning",
		org: org("DE", "manufacturer_of_product_with_digital_elements"), facts: fx("aware=2026-09-01T08:00:00Z"),
		due: "2026-09-02T08:00:00Z", status: NotInForce, explain: "not yet in force (2026-09-11)"},
	{name: "DPDP (enacted, applicable ~May 2027) is not yet in force", id: "in-dpdp-rule7-board/detailed_report", org: org("IN"),
		facts: fx("aware=2026-12-01T00:00:00Z"), due: "2026-12-04T00:00:00Z", status: NotInForce},
}

func (v vector) run(t *testing.T, c *Catalog) Item {
	t.Helper()
	var now time.Time
	if v.now != "" {
		now = ts(v.now)
	} else {
		var first time.Time
		for _, a := range v.facts.Anchors {
			if first.IsZero() || a.Before(first) {
				first = a
			}
		}
		now = first.Add(time.Minute)
	}
	id, phase, _ := strings.Cut(v.id, "/")
	for _, it := range c.Evaluate(v.org, v.facts, v.records, now) {
		if it.ObligationID == id && it.Phase == phase {
			return it
		}
	}
	t.Fatalf("%s does not apply", v.id)
	return Item{}
}

func TestVectors(t *testing.T) {
	t.Parallel()
	c, err := DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			it := v.run(t, c)
			got := ""
			if it.DueAt != nil {
				got = it.DueAt.Format(time.RFC3339)
			}
			if want := v.due; want != "" {
				want = ts(want).UTC().Format(time.RFC3339)
				if got != want {
					t.Fatalf("due %q, want %q\n%s", got, want, it.Explanation)
				}
			} else if got != "" {
				t.Fatalf("due %q, want none\n%s", got, it.Explanation)
			}
			if v.status != "" && it.Status != v.status {
				t.Fatalf("status %s, want %s", it.Status, v.status)
			}
			if !strings.Contains(it.Explanation, v.explain) {
				t.Fatalf("explanation %q lacks %q", it.Explanation, v.explain)
			}
			if v.applies != "" && it.Applicability != v.applies {
				t.Fatalf("applicability %s, want %s (questions %q)", it.Applicability, v.applies, it.Questions)
			}
			if v.question != "" && !slices.ContainsFunc(it.Questions, func(q string) bool { return strings.Contains(q, v.question) }) {
				t.Fatalf("questions %q lack %q", it.Questions, v.question)
			}
			if v.internal != "" && (it.InternalDueAt == nil || !it.InternalDueAt.Equal(ts(v.internal)) || it.InternalDueNote == "") {
				t.Fatalf("internal due %v %q, want %s", it.InternalDueAt, it.InternalDueNote, v.internal)
			}
			var codes []string
			for _, f := range it.Flags {
				codes = append(codes, f.Code)
			}
			if v.flags != nil && !slices.Equal(codes, v.flags) {
				t.Fatalf("flags %v, want %v", it.Flags, v.flags)
			}
			if !strings.Contains(it.DeadlineText, v.text) {
				t.Fatalf("deadline text %q lacks %q", it.DeadlineText, v.text)
			}
		})
	}
}

// TestVectorsCoverCatalog fails for an obligation, or a phase, of the
// default catalog that no vector dates.
func TestVectorsCoverCatalog(t *testing.T) {
	t.Parallel()
	c, err := DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, v := range vectors {
		id, phase, _ := strings.Cut(v.id, "/")
		o, ok := c.Get(id)
		if !ok {
			t.Errorf("vector %q: no obligation %s", v.name, id)
			continue
		}
		found := false
		for _, p := range o.Phases {
			found = found || p.Name == phase
		}
		if !found {
			t.Errorf("vector %q: %s has no phase %s", v.name, id, phase)
		}
		covered[id] = true
		covered[v.id] = true
	}
	for _, o := range c.All() {
		if !covered[o.ID] {
			t.Errorf("obligation %s has no test vector", o.ID)
		}
		for _, p := range o.Phases {
			if !covered[o.ID+"/"+p.Name] {
				t.Errorf("phase %s/%s has no test vector", o.ID, p.Name)
			}
		}
	}
	t.Logf("%d vectors over %d obligations", len(vectors), c.Len())
}
