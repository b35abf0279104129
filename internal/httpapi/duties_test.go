package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestOrganizationProfile(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	a := s.must(t, 200, "vera", "GET", "/api/v1/organization", "")
	if rem, _ := a.body["reminders"].(map[string]any); rem["half_time"] != true || rem["overdue"] != true {
		t.Fatalf("the default reminders: %s", a.raw)
	}
	body := `{"roles":["controller"],"entity_types":["essential_entity"],"sectors":[],"countries":["DE"],"calendars":{"EU":"DE"},` +
		`"targets":{"eu-gdpr-art34-data-subjects":"48h"},"reminders":{"half_time":false,"before":["2h"],"overdue":true}}`
	s.refused(t, 403, "", "rita", "PUT", "/api/v1/organization", body)
	s.refused(t, 422, "roles[0]", "admin", "PUT", "/api/v1/organization", `{"roles":["data controller"]}`)
	s.refused(t, 422, "reminders.before[0]", "admin", "PUT", "/api/v1/organization", `{"reminders":{"before":["soon"]}}`)
	s.refused(t, 422, "body.bogus", "admin", "PUT", "/api/v1/organization", `{"bogus":1}`)
	s.must(t, 200, "admin", "PUT", "/api/v1/organization", body)
	a = s.must(t, 200, "vera", "GET", "/api/v1/organization", "")
	if a.body["updated_by"] != "admin" || a.body["countries"].([]any)[0] != "DE" || a.body["targets"].(map[string]any)["eu-gdpr-art34-data-subjects"] != "48h" {
		t.Fatalf("profile read back: %s", a.raw)
	}
}

func TestBadFactsAreRefusedByFieldAndStoreNothing(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	s.must(t, 201, "rita", "POST", "/api/v1/incidents", `{"title":"Customer records exposed"}`)
	for _, tt := range []struct {
		name, body, location, message string
	}{
		{"unknown anchor", `{"anchors":{"foo":"2026-11-27T09:00:00Z"}}`, "anchors.foo", `unknown anchor "foo"; one of assessment_completed, aware, `},
		{"not RFC 3339", `{"anchors":{"aware":"yesterday"}}`, "anchors.aware", `"yesterday" is not an RFC 3339 time such as 2026-11-27T09:00:00Z`},
		{"no zone", `{"anchors":{"aware":"2026-11-27T09:00:00"}}`, "anchors.aware", "is not an RFC 3339 time"},
		{"negative count", `{"affected_individuals":-3}`, "affected_individuals", "must be 0 or more, not -3"},
		{"negative by jurisdiction", `{"affected_by_jurisdiction":{"US-CA":-1}}`, "affected_by_jurisdiction.US-CA", "must be 0 or more, not -1"},
		{"count not a number", `{"affected_individuals":"many"}`, "body.affected_individuals", ""},
		{"unknown field", `{"personal":true}`, "body.personal", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := s.refused(t, 422, tt.location, "rita", "PUT", "/api/v1/incidents/INC-1/facts", tt.body)
			if d, _ := a.body["detail"].(string); !strings.Contains(d, tt.message) {
				t.Fatalf("problem %q does not say %q", d, tt.message)
			}
		})
	}
	a := s.must(t, 200, "vera", "GET", "/api/v1/incidents/INC-1/facts", "")
	if a.body["version"] != float64(0) || a.header.Get("ETag") != `"0"` || a.body["anchors"] != nil {
		t.Fatalf("facts after refused changes: %s", a.raw)
	}
	if tl := s.must(t, 200, "vera", "GET", "/api/v1/incidents/INC-1/timeline", ""); len(tl.body["items"].([]any)) != 1 {
		t.Fatalf("refused facts reached the timeline: %s", tl.raw)
	}
}

func TestFactsVersionsAndRoles(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	s.must(t, 201, "rita", "POST", "/api/v1/incidents", `{"title":"Customer records exposed"}`)
	// A fixed date under the real clock: confirmed, so the test does not
	// fail once it lies more than anchor_lead before the incident.
	body := `{"anchors":{"aware":"2026-11-27T09:00:00+01:00"},"personal_data":true,"data_types":["credentials"],"affected_individuals":1200,"affected_by_jurisdiction":{"EU":1200},"confirm_early_anchors":true}`
	s.refused(t, 403, "", "vera", "PUT", "/api/v1/incidents/INC-1/facts", body)
	a := s.must(t, 200, "rita", "PUT", "/api/v1/incidents/INC-1/facts", body, "If-Match", `"0"`)
	if a.header.Get("ETag") != `"1"` || a.body["anchors"].(map[string]any)["aware"] != "2026-11-27T08:00:00Z" || a.body["updated_by"] != "rita" {
		t.Fatalf("facts saved: %s", a.raw)
	}
	if a := s.must(t, 412, "rob", "PUT", "/api/v1/incidents/INC-1/facts", `{"personal_data":false}`, "If-Match", `"0"`); !contains(a.locations(), "version") {
		t.Fatalf("stale facts: %s", a.raw)
	}
	s.must(t, 200, "rob", "PUT", "/api/v1/incidents/INC-1/facts", `{"personal_data":false}`)
	tl := s.must(t, 200, "vera", "GET", "/api/v1/incidents/INC-1/timeline", "")
	items := tl.body["items"].([]any)
	if len(items) != 3 {
		t.Fatalf("timeline: %s", tl.raw)
	}
	want := "facts: set aware to 2026-11-27T08:00:00Z; changed personal data from false to true; set data types to credentials; set affected individuals to 1200; set affected in EU to 1200"
	if got := items[1].(map[string]any)["text"]; got != want || items[1].(map[string]any)["type"] != "facts.updated" {
		t.Fatalf("facts event: %q, want %q", got, want)
	}
	if got := items[2].(map[string]any)["text"]; !strings.HasPrefix(got.(string), "facts: cleared aware; changed personal data from true to false") {
		t.Fatalf("second facts event: %q", got)
	}
}

func TestRestrictedIncidentDutiesAreHidden(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	s.must(t, 201, "rita", "POST", "/api/v1/incidents", `{"title":"Insider","restricted":true}`)
	for _, tt := range []struct{ method, path, body string }{
		{"GET", "/api/v1/incidents/INC-1/facts", ""},
		{"PUT", "/api/v1/incidents/INC-1/facts", `{"personal_data":true}`},
		{"GET", "/api/v1/incidents/INC-1/obligations", ""},
		{"POST", "/api/v1/incidents/INC-1/obligations/eu-gdpr-art33-supervisory-authority/initial_notification/waive", `{"reason":"no risk"}`},
		{"POST", "/api/v1/incidents/INC-1/obligations/eu-gdpr-art33-supervisory-authority/initial_notification/submit", `{}`},
	} {
		s.refused(t, 404, "ref", "rob", tt.method, tt.path, tt.body)
	}
	s.must(t, 200, "rita", "GET", "/api/v1/incidents/INC-1/facts", "")
}

func TestWaiverNeedsAReasonAndEvaluateChecksFacts(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	s.must(t, 201, "rita", "POST", "/api/v1/incidents", `{"title":"Customer records exposed"}`)
	s.refused(t, 422, "reason", "rita", "POST", "/api/v1/incidents/INC-1/obligations/eu-gdpr-art33-supervisory-authority/initial_notification/waive", `{"reason":" "}`)
	s.refused(t, 422, "anchors.foo", "vera", "POST", "/api/v1/obligations/evaluate", `{"facts":{"anchors":{"foo":"2026-11-27T09:00:00Z"}}}`)
	s.refused(t, 422, "organization.countries[0]", "vera", "POST", "/api/v1/obligations/evaluate", `{"organization":{"countries":["Germany"]},"facts":{}}`)
	a := s.must(t, 200, "vera", "POST", "/api/v1/obligations/evaluate", `{"facts":{"personal_data":true}}`)
	if _, ok := a.body["items"].([]any); !ok {
		t.Fatalf("evaluate: %s", a.raw)
	}
}

// TestNIS2EssentialEntityClocks is the acceptance scenario over the API:
// an essential entity in Germany, EU personal data of 1,200 people, aware
// now. GDPR 72 h and NIS2 24 h / 72 h run; recording the NIS2 incident
// notification starts the one-month final report.
func TestNIS2EssentialEntityClocks(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	s.must(t, 200, "admin", "PUT", "/api/v1/organization", `{"roles":["controller"],"entity_types":["essential_entity"],"countries":["DE"]}`)
	s.must(t, 201, "rita", "POST", "/api/v1/incidents", `{"title":"Customer records exposed"}`)
	aware := time.Now().UTC().Truncate(time.Second)
	s.must(t, 200, "rita", "PUT", "/api/v1/incidents/INC-1/facts", fmt.Sprintf(
		`{"anchors":{"aware":%q},"personal_data":true,"affected_individuals":1200,"affected_by_jurisdiction":{"EU":1200}}`, aware.Format(time.RFC3339)))
	due := func(a answer, id, phase string) map[string]any {
		t.Helper()
		for _, it := range a.body["items"].([]any) {
			m := it.(map[string]any)
			if m["obligation_id"] == id && m["phase"] == phase {
				return m
			}
		}
		t.Fatalf("no %s %s in %s", id, phase, a.raw)
		return nil
	}
	a := s.must(t, 200, "vera", "GET", "/api/v1/incidents/INC-1/obligations", "")
	for _, tt := range []struct {
		id, phase string
		after     time.Duration
	}{
		{"eu-gdpr-art33-supervisory-authority", "initial_notification", 72 * time.Hour},
		{"eu-nis2-art23-significant-incident", "early_warning", 24 * time.Hour},
		{"eu-nis2-art23-significant-incident", "incident_notification", 72 * time.Hour},
	} {
		it := due(a, tt.id, tt.phase)
		if it["due_at"] != aware.Add(tt.after).Format(time.RFC3339) || it["deadline_kind"] != "calendar_hours" || it["status"] != "pending" ||
			it["basis"] == "" || it["recipient"] == "" {
			t.Fatalf("%s %s: %v, want due %s", tt.id, tt.phase, it, aware.Add(tt.after).Format(time.RFC3339))
		}
	}
	if it := due(a, "eu-nis2-art23-significant-incident", "final_report"); it["due_at"] != nil {
		t.Fatalf("the final report is due before the notification was made: %v", it)
	}
	first := a.body["items"].([]any)[0].(map[string]any)
	if first["obligation_id"] != "eu-nis2-art23-significant-incident" || first["phase"] != "early_warning" {
		t.Fatalf("earliest first: %v", first)
	}
	s.refused(t, 422, "phase", "rita", "POST", "/api/v1/incidents/INC-1/obligations/eu-nis2-art23-significant-incident/annual_report/submit", `{}`)
	submitted := aware.Add(30 * time.Minute)
	if submitted.After(time.Now()) {
		submitted = aware
	}
	a = s.must(t, 200, "rita", "POST", "/api/v1/incidents/INC-1/obligations/eu-nis2-art23-significant-incident/incident_notification/submit",
		fmt.Sprintf(`{"at":%q,"recipient":"BSI","channel":"regulator_portal","reference":"BSI-2026-0042"}`, submitted.Format(time.RFC3339)))
	if it := due(a, "eu-nis2-art23-significant-incident", "incident_notification"); it["status"] != "submitted" {
		t.Fatalf("the notification: %v", it)
	}
	// A month after the submission's day in Germany, to the end of that
	// day there (Reg. 1182/71 Art. 3(2)(c); the last day of a shorter month).
	berlin, _ := time.LoadLocation("Europe/Berlin")
	local := submitted.In(berlin)
	month := time.Date(local.Year(), local.Month()+1, 1, 12, 0, 0, 0, berlin)
	end := time.Date(month.Year(), month.Month(), min(local.Day(), month.AddDate(0, 1, -1).Day()), 23, 59, 59, 0, berlin)
	if it := due(a, "eu-nis2-art23-significant-incident", "final_report"); it["due_at"] != end.UTC().Format(time.RFC3339) {
		t.Fatalf("final report: %v, want due at the end of the day a month after %s in Berlin", it, submitted.Format(time.RFC3339))
	}
	s.refused(t, 409, "phase", "rob", "POST", "/api/v1/incidents/INC-1/obligations/eu-nis2-art23-significant-incident/incident_notification/waive", `{"reason":"no"}`)
	a = s.must(t, 200, "rob", "POST", "/api/v1/incidents/INC-1/obligations/eu-gdpr-art33-supervisory-authority/initial_notification/waive", `{"reason":"unlikely to result in a risk (Art. 33(1))"}`)
	if it := due(a, "eu-gdpr-art33-supervisory-authority", "initial_notification"); it["status"] != "waived" {
		t.Fatalf("GDPR waived: %v", it)
	}
	tl := s.must(t, 200, "vera", "GET", "/api/v1/incidents/INC-1/timeline?order=desc", "")
	texts := []string{}
	for _, it := range tl.body["items"].([]any)[:2] {
		texts = append(texts, it.(map[string]any)["text"].(string))
	}
	if !strings.Contains(texts[1], "incident_notification recorded as submitted at "+submitted.Format(time.RFC3339)+" to BSI by regulator portal, reference BSI-2026-0042") ||
		!strings.HasSuffix(texts[0], "waived: unlikely to result in a risk (Art. 33(1))") {
		t.Fatalf("timeline: %q", texts)
	}
}
