package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// due returns the due_at of obligation/phase in an evaluate answer.
func due(t *testing.T, a answer, key string) (string, map[string]any) {
	t.Helper()
	items, _ := a.body["items"].([]any)
	for _, x := range items {
		it := x.(map[string]any)
		if fmt.Sprint(it["obligation_id"], "/", it["phase"]) == key {
			d, _ := it["due_at"].(string)
			return d, it
		}
	}
	t.Fatalf("%s is not among the duties: %s", key, a.raw)
	return "", nil
}

// TestLegalClocksOverTheAPI is issue #11's acceptance over a real server
// on loopback: POST /api/v1/obligations/evaluate dates each duty as the
// law does, in the jurisdiction's own time.
func TestLegalClocksOverTheAPI(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	for _, tt := range []struct {
		name, org, facts, key string
		want                  string // the due instant in local time
	}{
		// 45 CFR 164.408(c): 60 days after the end of the calendar year of
		// discovery, in Eastern time: 19:30 EST on 31 Dec 2025 is in 2025.
		{"HIPAA under 500 discovered on New Year's Eve in New York",
			`{"entity_types":["HIPAA_covered_entity"],"countries":["US"]}`,
			`{"anchors":{"discovered":"2025-12-31T19:30:00-05:00"},"personal_data":true,"data_types":["unsecured_PHI"],"affected_individuals":20}`,
			"us-hipaa-164-408-hhs-under-500/notification", "2026-03-01T23:59:59-05:00"},
		// Tex. Bus. & Com. Code 521.053(b): the 60th day after, to its end
		// in Central time (daylight time by then).
		{"Texas 60 days", `{"countries":["US"]}`,
			`{"anchors":{"determined":"2026-02-20T23:30:00-06:00"},"personal_data":true,"affected_individuals":3,"affected_by_jurisdiction":{"US-TX":3}}`,
			"us-tx-bcc-521-053/individual_notice", "2026-04-21T23:59:59-05:00"},
		// RTS 2025/301 Art. 5(4): Monday 01:00 in Helsinki is a working day.
		{"DORA Finland, Monday 01:00 EEST", `{"entity_types":["financial_entity_in_DORA_scope"],"countries":["FI"]}`,
			`{"anchors":{"aware":"2026-05-31T12:00:00+03:00","classified_major":"2026-05-31T21:00:00+03:00"}}`,
			"eu-dora-art19-major-ict-incident/initial_notification", "2026-06-01T01:00:00+03:00"},
		// ... and a Saturday in Luxembourg moves to Monday noon there.
		{"DORA Luxembourg, due on a Saturday", `{"entity_types":["financial_entity_in_DORA_scope"],"countries":["LU"]}`,
			`{"anchors":{"aware":"2026-12-04T20:00:00Z","classified_major":"2026-12-04T22:00:00Z"}}`,
			"eu-dora-art19-major-ict-incident/initial_notification", "2026-12-07T12:00:00+01:00"},
		{"DORA with calendars {EU: LU} named in the profile", `{"entity_types":["financial_entity_in_DORA_scope"],"countries":["DE"],"calendars":{"EU":"LU"}}`,
			`{"anchors":{"aware":"2026-12-04T20:00:00Z","classified_major":"2026-12-04T22:00:00Z"}}`,
			"eu-dora-art19-major-ict-incident/initial_notification", "2026-12-07T12:00:00+01:00"},
		// Form 8-K Item 1.05 and Regulation S-T 232.13(a)(2): four business
		// days (Thanksgiving skipped), by 17:30 Eastern on the last.
		{"SEC 8-K at 17:30 ET on the fourth business day", `{"entity_types":["SEC_registrant"],"countries":["US"]}`,
			`{"anchors":{"materiality_determined":"2026-11-24T10:00:00-05:00"}}`,
			"us-sec-8k-item105/item_1_05_form_8k", "2026-12-01T17:30:00-05:00"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := s.must(t, 200, "vera", "POST", "/api/v1/obligations/evaluate", fmt.Sprintf(`{"organization":%s,"facts":%s}`, tt.org, tt.facts))
			got, _ := due(t, a, tt.key)
			want, _ := time.Parse(time.RFC3339, tt.want)
			if g, err := time.Parse(time.RFC3339, got); err != nil || !g.Equal(want) {
				t.Fatalf("%s: due_at %q, want %s (%s)", tt.key, got, want.UTC().Format(time.RFC3339), tt.want)
			}
		})
	}

	// Unknown facts: the duty is possible, with the question that decides it.
	a := s.must(t, 200, "vera", "POST", "/api/v1/obligations/evaluate",
		`{"organization":{"entity_types":["HIPAA_covered_entity"],"countries":["US"]},"facts":{"anchors":{"discovered":"2026-11-02T12:00:00Z","aware":"2026-11-02T12:00:00Z"},"personal_data":true}}`)
	if _, it := due(t, a, "us-hipaa-164-404-individuals/notification"); it["applicability"] != "possible" ||
		!strings.Contains(fmt.Sprint(it["questions"]), "unsecured protected health information") {
		t.Fatalf("HIPAA without data types: %v", it)
	}
	if _, it := due(t, a, "eu-gdpr-art33-supervisory-authority/initial_notification"); it["applicability"] != "possible" {
		t.Fatalf("GDPR for a US controller without a residence breakdown: %v", it)
	}
}

func TestVocabularyAndCheckedWords(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	s.must(t, 401, "", "GET", "/api/v1/obligations/vocabulary", "")
	a := s.must(t, 200, "vera", "GET", "/api/v1/obligations/vocabulary", "")
	var v struct {
		EntityTypes []string                             `json:"entity_types"`
		DataTypes   []struct{ Name, Description string } `json:"data_types"`
		Calendars   []struct{ Name, Description string } `json:"calendars"`
	}
	if err := json.Unmarshal([]byte(a.raw), &v); err != nil || !contains(v.EntityTypes, "HIPAA_covered_entity") || len(v.DataTypes) == 0 || len(v.Calendars) == 0 {
		t.Fatalf("vocabulary: %v %s", err, a.raw)
	}
	if doc := s.must(t, 200, "", "GET", "/api/v1/openapi.json", ""); !strings.Contains(doc.raw, `"/api/v1/obligations/vocabulary"`) {
		t.Fatal("the vocabulary route is not in the OpenAPI document")
	}
	r := s.refused(t, 422, "entity_types[0]", "admin", "PUT", "/api/v1/organization", `{"entity_types":["HIPAA-covered-entity"]}`)
	if !strings.Contains(r.raw, "did you mean HIPAA_covered_entity?") {
		t.Fatalf("no suggestion: %s", r.raw)
	}
	s.refused(t, 422, "calendars.EU", "admin", "PUT", "/api/v1/organization", `{"calendars":{"EU":"XX"}}`)
	s.must(t, 200, "admin", "PUT", "/api/v1/organization", `{"calendars":{"EU":"LU"}}`)
	s.refused(t, 422, "organization.countries[0]", "vera", "POST", "/api/v1/obligations/evaluate", `{"organization":{"countries":["TX"]},"facts":{}}`)
	// CA is Canada: allowed, with a warning for an American organisation.
	a = s.must(t, 200, "vera", "POST", "/api/v1/obligations/evaluate", `{"organization":{"countries":["US"]},"facts":{"personal_data":true,"affected_by_jurisdiction":{"CA":4}}}`)
	if !strings.Contains(a.raw, `"field":"facts.affected_by_jurisdiction.CA"`) || !strings.Contains(a.raw, "did you mean US-CA (California)?") {
		t.Fatalf("no warning: %s", a.raw)
	}
	// Anchors in the future are for planning only, and say so.
	future := time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339)
	s.refused(t, 422, "anchors.aware", "vera", "POST", "/api/v1/obligations/evaluate", `{"facts":{"anchors":{"aware":"`+future+`"}}}`)
	s.must(t, 200, "vera", "POST", "/api/v1/obligations/evaluate", `{"facts":{"anchors":{"aware":"`+future+`"},"allow_future":true}}`)
	s.must(t, 201, "rita", "POST", "/api/v1/incidents", `{"title":"Customer records exposed"}`)
	s.refused(t, 422, "anchors.aware", "rita", "PUT", "/api/v1/incidents/INC-1/facts", `{"anchors":{"aware":"`+future+`"}}`)
	long := time.Now().AddDate(-1, 0, 0).UTC().Format(time.RFC3339)
	r = s.refused(t, 422, "anchors.aware", "rita", "PUT", "/api/v1/incidents/INC-1/facts", `{"anchors":{"aware":"`+long+`"}}`)
	if !strings.Contains(r.raw, "confirm_early_anchors") {
		t.Fatalf("no way out: %s", r.raw)
	}
	s.must(t, 200, "rita", "PUT", "/api/v1/incidents/INC-1/facts", `{"anchors":{"aware":"`+long+`"},"confirm_early_anchors":true}`)
}
