package comms

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaultCatalog(t *testing.T) {
	t.Parallel()
	c := catalog(t)
	if c.Len() != 61 {
		t.Fatalf("default catalog has %d obligations, want the 61 of obligations.yaml", c.Len())
	}
	// The statuses and flags of the source read as such.
	circia, ok := c.Get("us-circia-covered-cyber-incident")
	if !ok || circia.Status != Proposed || circia.Verified {
		t.Fatalf("CIRCIA: %s verified %v", circia.Status, circia.Verified)
	}
	if o, _ := c.Get("in-dpdp-rule7-board"); o.Status != EnactedNotYetLive {
		t.Fatalf("DPDP: %s", o.Status)
	}
	if o, _ := c.Get("pci-visa-account-data-compromise"); o.Status != Contractual || o.Verified {
		t.Fatalf("Visa: %s %v", o.Status, o.Verified)
	}
	mc, _ := c.Get("pci-mastercard-adc-event")
	if p := mc.Phases[1]; p.Name != "pci_forensic_investigator_engaged" || p.Verified == nil || *p.Verified {
		t.Fatalf("Mastercard PFI phase: %+v", p)
	}
	// Every anchor the catalog uses is in the vocabulary facts are
	// checked against.
	anchors := c.Anchors()
	for _, o := range c.All() {
		if len(o.Sources) == 0 || o.Regulation == "" || o.Recipient == "" {
			t.Errorf("%s: sources, regulation and recipient are required", o.ID)
		}
		for _, p := range o.Phases {
			if p.Anchor != "" && c.AnchorDescription(p.Anchor) == "" {
				t.Errorf("%s/%s: anchor %s is not described", o.ID, p.Name, p.Anchor)
			}
			if p.Anchor != "" && !slices.Contains(anchors, p.Anchor) {
				t.Errorf("%s/%s: anchor %s not listed", o.ID, p.Name, p.Anchor)
			}
		}
	}
	// Get returns a copy.
	o, _ := c.Get("eu-gdpr-art34-data-subjects")
	o.Phases[0].Name = "changed"
	if o2, _ := c.Get("eu-gdpr-art34-data-subjects"); o2.Phases[0].Name != "notification" {
		t.Fatal("Get shares its phases")
	}
	if _, ok := c.Get("nope"); ok {
		t.Fatal("Get(nope)")
	}
}

const acme = `# Our own duties, merged over the default catalog.
obligations:
  - id: contract-acme-breach
    jurisdiction: "Contract with Acme Corp"
    region: GLOBAL
    regulation: "Master services agreement with Acme Corp, §12.3"
    status: contractual
    notify: [customers]
    recipient: "Acme Corp security team"
    applies_when: {personal_data: true}
    condition_notes: ["Only when Acme's data is affected"]
    deadline_text: "within 24 hours of a confirmed breach of Acme data"
    phases:
      - {name: notification, anchor: determined, deadline: PT24H, deadline_kind: calendar_hours}
      - name: follow_up
        anchor: prior_report_submitted
        anchor_phases: [notification, "eu-nis2-art23-significant-incident/incident_notification"]
        deadline: "5 business days"
        deadline_kind: business_days
    sources: ["MSA §12.3"]
    source_quality: contractual
    verified: true
  - id: eu-gdpr-art34-data-subjects
    jurisdiction: EU/EEA
    region: EEA
    regulation: "GDPR Art. 34, with our 48-hour policy"
    status: internal
    recipient: "Affected data subjects"
    applies_when: {personal_data: true}
    phases:
      - {name: notification, anchor: aware, deadline: PT48H, deadline_kind: calendar_hours}
`

func TestOrganisationCatalog(t *testing.T) {
	t.Parallel()
	own, err := ParseCatalog([]byte(acme))
	if err != nil {
		t.Fatal(err)
	}
	c := catalog(t).Merge(own)
	if c.Len() != 62 || catalog(t).Len() != 61 {
		t.Fatalf("merged %d, default %d", c.Len(), catalog(t).Len())
	}
	all := c.All()
	if all[len(all)-1].ID != "contract-acme-breach" {
		t.Fatalf("a new obligation goes last: %s", all[len(all)-1].ID)
	}
	if o, _ := c.Get("eu-gdpr-art34-data-subjects"); o.Status != Internal || o.Phases[0].Deadline != "PT48H" {
		t.Fatalf("same ID replaces: %+v", o)
	}
	if i := slices.IndexFunc(all, func(o Obligation) bool { return o.ID == "eu-gdpr-art34-data-subjects" }); i != 2 {
		t.Fatalf("a replacement keeps its place: %d", i)
	}
	f := fx("aware=2026-12-01T08:00:00Z", "determined=2026-12-01T10:00:00Z")
	items := c.Evaluate(org("DE"), f, []Record{sub("contract-acme-breach", "notification", "2026-12-01T20:00:00Z")}, ts("2026-12-01T21:00:00Z"))
	n, _ := find(items, "contract-acme-breach/notification")
	up, _ := find(items, "contract-acme-breach/follow_up")
	a34, _ := find(items, "eu-gdpr-art34-data-subjects/notification")
	if n.Status != Submitted || n.DueAt.Format(time.RFC3339) != "2026-12-02T10:00:00Z" || n.LegalStatus != "contractual" {
		t.Fatalf("Acme notification: %s %v %s", n.Status, n.DueAt, n.LegalStatus)
	}
	// 5 business days after Tue 1 Dec on DE's calendar (GLOBAL: the
	// country of establishment), at the end of Tue 8 Dec in Berlin.
	if up.DueAt == nil || up.DueAt.Format(time.RFC3339) != "2026-12-08T22:59:59Z" {
		t.Fatalf("Acme follow-up: %v %q", up.DueAt, up.Explanation)
	}
	if a34.DueAt == nil || a34.DueAt.Format(time.RFC3339) != "2026-12-03T08:00:00Z" {
		t.Fatalf("our GDPR Art. 34: %v", a34.DueAt)
	}
	// An empty file is an empty catalog.
	empty, err := ParseCatalog([]byte("  \n"))
	if err != nil || empty.Len() != 0 || catalog(t).Merge(empty).Len() != 61 || catalog(t).Merge(nil).Len() != 61 {
		t.Fatalf("empty: %v", err)
	}
}

// Every problem a catalog file can have, with its exact message and place.
func TestParseCatalogErrors(t *testing.T) {
	t.Parallel()
	head := "obligations:\n  - id: x\n    region: US\n    regulation: r\n    recipient: r\n    status: internal\n"
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"unknown deadline kind", head + "    phases:\n      - {name: notification, anchor: determined, deadline: P1W, deadline_kind: calendar_weeks}\n",
			`8:80: obligations[0].phases[0].deadline_kind: unknown deadline kind "calendar_weeks"; one of calendar_hours, calendar_days, calendar_month, business_days, qualitative`},
		{"unknown deadline kind, block style", head + "    phases:\n      - name: notification\n        anchor: aware\n        deadline: PT1H\n        deadline_kind: hours\n",
			`11:24: obligations[0].phases[0].deadline_kind: unknown deadline kind "hours"; one of calendar_hours, calendar_days, calendar_month, business_days, qualitative`},
		{"no deadline kind", head + "    phases:\n      - {name: notification, anchor: aware}\n",
			`8:10: obligations[0].phases[0].deadline_kind: is required: one of calendar_hours, calendar_days, calendar_month, business_days, qualitative`},
		{"a cut-off that is not a time", head + "    phases:\n      - {name: n, anchor: aware, deadline: 4 business days, deadline_kind: business_days, cutoff: \"5:30pm\"}\n",
			`8:99: obligations[0].phases[0].cutoff: "5:30pm" is not a local time such as "17:30" (24-hour HH:MM)`},
		{"a cut-off on hours", head + "    phases:\n      - {name: n, anchor: aware, deadline: PT4H, deadline_kind: calendar_hours, cutoff: \"17:30\"}\n",
			`8:89: obligations[0].phases[0].cutoff: a cut-off ends a period of days or months on its last day; the phase's deadline_kind is calendar_hours`},
		{"unknown key", "obligations:\n  - id: x\n    regoin: US\n", `3:5: unknown field "regoin"`},
		{"wrong type", "obligations:\n  - id: x\n    phases: 3\n", `3:13: int was used where sequence is expected`},
		{"two documents", "obligations: []\n---\nobligations: []\n", `3:1: a catalog is one YAML document; remove the second`},
		{"not YAML", "{", `1:1: could not find flow mapping end token '}'`},
		{"schema version", "schema_version: 2\n", `1:17: schema_version: 2 is not a schema version this server reads (1)`},
		{"bad anchor name", "anchors:\n  Aware: x\n", `2:10: anchors.Aware: "Aware" is not an anchor name (lower-case letters, digits, _)`},
		{"required fields", "obligations:\n  - id: x\n    phases: []\n",
			"2:5: obligations[0].region: is required: a region such as EU, GB, US, US-CA or GLOBAL\n" +
				"2:5: obligations[0].regulation: is required (the law, rule or contract clause)\n" +
				"2:5: obligations[0].recipient: is required (who is notified)\n" +
				"2:5: obligations[0].status: is required: one of in_force, proposed, enacted_not_yet_applicable, contractual, internal\n" +
				`3:5: obligations[0].phases: at least one phase is required (name a single deadline "notification")`},
		{"bad id, region, status, quality, calendar", "obligations:\n  - id: Bad\n    region: global\n    regulation: r\n    recipient: r\n    status: maybe\n    source_quality: rumour\n    holiday_calendar: XX\n    phases:\n      - {name: n, anchor: aware, deadline_kind: qualitative}\n",
			`2:9: obligations[0].id: "Bad" is not an obligation ID (a lower-case letter, then letters, digits, . _ -; at most 64)` + "\n" +
				`3:13: obligations[0].region: "global" is not a region such as EU, GB, US, US-CA or GLOBAL` + "\n" +
				`6:13: obligations[0].status: unknown status "maybe"; one of in_force, proposed, enacted_not_yet_applicable, contractual, internal` + "\n" +
				`7:21: obligations[0].source_quality: unknown source quality "rumour"; one of primary, secondary, contractual, internal` + "\n" +
				`8:23: obligations[0].holiday_calendar: unknown holiday calendar "XX"; one of AR, AT, AU, BE, BG, BR, CA, CH, CN, CY, CZ, DE, DK, ECB, EE, ES, FI, FR, GB, GR, HR, HU, IE, IN, IS, IT, JP, LI, LT, LU, LV, MT, MW, NC, NL, NO, NZ, PL, PT, RO, RU, SE, SG, SI, SK, UA, US, ZA`},
		{"duplicate ID", head + "    phases: [{name: n, anchor: aware, deadline_kind: qualitative}]\n" + strings.TrimPrefix(head, "obligations:\n") + "    phases: [{name: n, anchor: aware, deadline_kind: qualitative}]\n",
			`8:9: obligations[1].id: "x" is already declared at obligations[0]`},
		{"deadlines that do not fit their kind", head + "    phases:\n" +
			"      - {name: a, anchor: aware, deadline: PT3D, deadline_kind: calendar_hours}\n" +
			"      - {name: b, anchor: aware, deadline: P3D, deadline_kind: calendar_hours}\n" +
			"      - {name: c, anchor: aware, deadline: PT3H, deadline_kind: calendar_days}\n" +
			"      - {name: d, anchor: aware, deadline: P30D, deadline_kind: calendar_month}\n" +
			"      - {name: e, anchor: aware, deadline: 3 days, deadline_kind: business_days}\n" +
			"      - {name: f, anchor: aware, deadline: P1D, deadline_kind: qualitative}\n" +
			"      - {name: g, anchor: aware, deadline_kind: calendar_days}\n" +
			"      - {name: h, deadline: P1D, deadline_kind: calendar_days}\n",
			`8:44: obligations[0].phases[0].deadline: "PT3D" is not an ISO 8601 duration such as PT72H, P30D or P1M` + "\n" +
				`9:44: obligations[0].phases[1].deadline: "P3D" counts days or months; a calendar_hours deadline is hours such as PT72H` + "\n" +
				`10:44: obligations[0].phases[2].deadline: "PT3H" is not a number of days; a calendar_days deadline is days such as P30D` + "\n" +
				`11:44: obligations[0].phases[3].deadline: "P30D" is not a number of months; a calendar_month deadline is months such as P1M` + "\n" +
				`12:44: obligations[0].phases[4].deadline: "3 days" is not a count of business days such as "4 business days" or "3 working days"` + "\n" +
				`13:44: obligations[0].phases[5].deadline: "P1D": a qualitative deadline has no period; leave deadline empty (null) or pick a kind that counts` + "\n" +
				`14:10: obligations[0].phases[6].deadline: is required for a calendar_days deadline` + "\n" +
				`15:10: obligations[0].phases[7].anchor: is required for a calendar_days deadline (only qualitative phases may have none)`},
		{"phase names and anchors", head + "    phases:\n" +
			"      - {name: a, anchor: Aware, deadline_kind: qualitative}\n" +
			"      - {name: a, anchor: aware, deadline_kind: qualitative}\n" +
			"      - {name: B, anchor: aware, deadline_kind: qualitative}\n",
			`8:27: obligations[0].phases[0].anchor: "Aware" is not an anchor name (lower-case letters, digits, _)` + "\n" +
				`9:16: obligations[0].phases[1].name: "a" is already a phase of x` + "\n" +
				`10:16: obligations[0].phases[2].name: "B" is not a phase name (lower-case letters, digits, _)`},
		{"submission anchors", head + "    phases:\n" +
			"      - {name: a, anchor: aware, deadline: PT1H, deadline_kind: calendar_hours}\n" +
			"      - {name: b, anchor: prior_report_submitted, anchor_phases: [zz, a, b, \"nope/x\", \"eu-gdpr-art34-data-subjects/none\"], deadline_kind: qualitative}\n" +
			"      - {name: c, anchor_phases: [a], deadline_kind: qualitative}\n",
			`9:67: obligations[0].phases[1].anchor_phases[0]: x has no phase "zz"` + "\n" +
				`9:74: obligations[0].phases[1].anchor_phases[2]: a phase cannot be anchored on its own submission` + "\n" +
				`9:77: obligations[0].phases[1].anchor_phases[3]: no obligation "nope" with a phase "x"` + "\n" +
				`9:87: obligations[0].phases[1].anchor_phases[4]: no obligation "eu-gdpr-art34-data-subjects" with a phase "none"` + "\n" +
				`10:19: obligations[0].phases[2].anchor_phases: needs an anchor naming what the submission is (such as prior_report_submitted)`},
		{"caps and rules", head + "    phases:\n" +
			"      - {name: a, anchor: aware, deadline: PT4H, deadline_kind: calendar_hours, also_no_later_than: {anchor: Aware, deadline: P1DT2H}}\n" +
			"      - {name: b, anchor: aware, deadline_kind: qualitative, also_no_later_than: {anchor: aware, deadline: PT24H}}\n" +
			"      - {name: c, anchor: aware, deadline: PT4H, deadline_kind: calendar_hours, rules: [{name: event_on_holiday_starts_next_business_day}, {name: magic}]}\n" +
			"      - {name: d, anchor: aware, deadline_kind: qualitative, rules: [{name: holiday_deadline_moves_to_noon_next_working_day, unless_entity_types: [\"a b\"]}]}\n",
			`8:110: obligations[0].phases[0].also_no_later_than.anchor: "Aware" is not an anchor name (lower-case letters, digits, _)` + "\n" +
				`8:127: obligations[0].phases[0].also_no_later_than.deadline: "P1DT2H" mixes hours, days and months; use one` + "\n" +
				`9:62: obligations[0].phases[1].also_no_later_than: a qualitative phase has no deadline to cap` + "\n" +
				`10:96: obligations[0].phases[2].rules[0].name: event_on_holiday_starts_next_business_day counts business days; the phase's deadline_kind is calendar_hours` + "\n" +
				`10:147: obligations[0].phases[2].rules[1].name: unknown rule "magic"; one of event_on_holiday_starts_next_business_day, holiday_deadline_moves_to_noon_next_working_day` + "\n" +
				`11:77: obligations[0].phases[3].rules[0].name: holiday_deadline_moves_to_noon_next_working_day moves a deadline; a qualitative phase has none` + "\n" +
				`11:148: obligations[0].phases[3].rules[0].unless_entity_types[0]: "a b" is not an entity type (letters, digits, _ . -)`},
		{"conditions", head + "    applies_when:\n" +
			"      roles: [\"a b\"]\n" +
			"      territory: [Europe]\n" +
			"      affected: {in: us}\n" +
			"      any_of:\n" +
			"        - affected: {gt: -1}\n" +
			"    phases: [{name: n, anchor: aware, deadline_kind: qualitative}]\n",
			`8:15: obligations[0].applies_when.roles[0]: "a b" is not a role (letters, digits, _ . -)` + "\n" +
				`9:19: obligations[0].applies_when.territory[0]: "Europe" is not a region such as EU, DE, US-CA or GLOBAL` + "\n" +
				`10:7: obligations[0].applies_when.affected: needs a comparison: gt, gte, lt or lte` + "\n" +
				`10:22: obligations[0].applies_when.affected.in: "us" is not a region such as US or US-CA` + "\n" +
				`12:26: obligations[0].applies_when.any_of[0].affected.gt: must be 0 or more, not -1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseCatalog([]byte(tt.yaml))
			var es CatalogErrors
			if !errors.As(err, &es) {
				t.Fatalf("error %v, want CatalogErrors", err)
			}
			if got := err.Error(); got != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestParseCatalogNesting(t *testing.T) {
	t.Parallel()
	nested := "{}"
	for range 10 {
		nested = "{any_of: [" + nested + "]}"
	}
	_, err := ParseCatalog([]byte("obligations:\n  - id: x\n    region: US\n    regulation: r\n    recipient: r\n    status: internal\n" +
		"    applies_when: " + nested + "\n    phases: [{name: n, anchor: aware, deadline_kind: qualitative}]\n"))
	if err == nil || !strings.Contains(err.Error(), "any_of nested more than 8 deep") {
		t.Fatalf("deep nesting: %v", err)
	}
}

func FuzzParseCatalog(f *testing.F) {
	f.Add([]byte(acme))
	f.Add(defaultYAML[:4000])
	f.Add([]byte("obligations:\n  - id: x\n    phases: [{name: n, deadline_kind: calendar_weeks}]\n"))
	f.Add([]byte("anchors: {a: b}\nobligations: []\n---\n"))
	f.Add([]byte("obligations: [{id: x, region: US, regulation: r, recipient: r, status: internal, applies_when: {any_of: [{affected: {in: US, each_jurisdiction: true, gt: 1}}]}, phases: [{name: n, anchor: a, deadline: \"2 working days\", deadline_kind: business_days, rules: [{name: event_on_holiday_starts_next_business_day}]}]}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCatalog(data)
		if err != nil {
			var es CatalogErrors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %T %v is not CatalogErrors", err, err)
			}
			return
		}
		// Whatever parses evaluates without panicking.
		n := 3
		facts := fx("aware=2026-12-31T23:00:00Z", "a=2026-02-28T12:00:00Z").with([]string{"payment_card"}, &n, map[string]int{"US-CA": 2})
		facts.Anchors["determined"] = ts("2026-11-26T12:00:00Z")
		c.Evaluate(Organization{Countries: []string{"US"}}, facts, nil, ts("2027-01-01T00:00:00Z"))
		catalog(t).Merge(c).Evaluate(Organization{}, facts, nil, ts("2027-01-01T00:00:00Z"))
	})
}
