package httpapi_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// TestPostmortemReviewAPI walks a SEV1's post-mortem through the API: the
// structured text, a review with a reviewer asking for changes and then
// approving the edited text, publication, close, a revision with a reason;
// every refusal names its field, and the record verifies.
func TestPostmortemReviewAPI(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	s.steps(t, "rita",
		[4]string{"POST", "/api/v1/incidents", `{"title":"Leaked deploy key","severity":"SEV1"}`, "201"},
		[4]string{"POST", "/api/v1/incidents/INC-1/roles", `{"role":"ir_lead","user":"rita"}`, "200"},
		[4]string{"POST", "/api/v1/incidents/INC-1/transition", `{"to":"active"}`, "200"},
		[4]string{"POST", "/api/v1/incidents/INC-1/roles", `{"role":"incident_commander","user":"rob"}`, "200"},
		[4]string{"POST", "/api/v1/incidents/INC-1/transition", `{"to":"contained"}`, "200"},
		[4]string{"PATCH", "/api/v1/incidents/INC-1", `{"root_cause":"a CI log printed the key"}`, "200"},
		[4]string{"POST", "/api/v1/incidents/INC-1/transition", `{"to":"eradicated"}`, "200"},
		[4]string{"POST", "/api/v1/incidents/INC-1/transition", `{"to":"recovered"}`, "200"},
	)
	const doc = `{"summary":"A deploy key leaked in a CI log.","impact":"No customer data.","timeline":[{"seq":1,"at":"2000-01-01T00:00:00Z","text":"declared"},{"seq":0,"at":"2026-11-24T23:10:00Z","text":"the key was printed"}],` +
		`"root_causes":[{"category":"process","text":"no log scrubbing"}],"contributing_factors":[],"whys":["Why was it printed? Debug logging."],"went_well":"","hard":"","lessons":"Scrub logs."}`
	a := s.call(t, "rita", "PUT", "/api/v1/incidents/INC-1/postmortem", doc)
	if a.status != 200 || a.body["status"] != "draft" {
		t.Fatalf("save: %d %s", a.status, a.raw)
	}
	var pm struct {
		Doc              incident.PostmortemDoc `json:"doc"`
		TextSHA256       string                 `json:"text_sha256"`
		Reviewers        []string               `json:"reviewers"`
		Approvals        []string               `json:"approvals"`
		ChangesRequested []string               `json:"changes_requested"`
		ApprovalsNeeded  int                    `json:"approvals_needed"`
	}
	read := func(a answer) {
		t.Helper()
		pm = struct {
			Doc              incident.PostmortemDoc `json:"doc"`
			TextSHA256       string                 `json:"text_sha256"`
			Reviewers        []string               `json:"reviewers"`
			Approvals        []string               `json:"approvals"`
			ChangesRequested []string               `json:"changes_requested"`
			ApprovalsNeeded  int                    `json:"approvals_needed"`
		}{}
		if err := json.Unmarshal([]byte(a.raw), &pm); err != nil {
			t.Fatal(err)
		}
	}
	read(a)
	// The chosen event's times are the event's, not what was sent.
	if tl := pm.Doc.Timeline; len(tl) != 2 || tl[0].At.Year() != 2026 || tl[0].RecordedAt == nil || tl[1].RecordedAt != nil || pm.TextSHA256 != incident.DocHash(pm.Doc) {
		t.Fatalf("timeline %+v, hash %s", pm.Doc.Timeline, pm.TextSHA256)
	}

	refused := []struct {
		name, user, method, path, body string
		status                         int
		field                          string
	}{
		{"publish a draft", "rita", "POST", "/postmortem/publish", ``, 422, "status"},
		{"review a draft", "rob", "POST", "/postmortem/reviews", `{"verdict":"approve"}`, 422, "status"},
		{"an unknown reviewer", "rita", "POST", "/postmortem/review", `{"reviewers":["nobody-such-user"]}`, 422, "reviewers"},
		{"a viewer asks for a review", "vera", "POST", "/postmortem/review", `{}`, 403, ""},
	}
	check := func(t *testing.T, name, user, method, path, body string, status int, field string, hdr ...string) {
		t.Helper()
		a := s.call(t, user, method, "/api/v1/incidents/INC-1"+path, body, hdr...)
		if a.status != status || (field != "" && !slices.Contains(a.locations(), field)) {
			t.Errorf("%s: %d %s, want %d naming %q", name, a.status, a.raw, status, field)
		}
	}
	for _, r := range refused {
		check(t, r.name, r.user, r.method, r.path, r.body, r.status, r.field)
	}

	a = s.call(t, "rita", "POST", "/api/v1/incidents/INC-1/postmortem/review", `{}`)
	read(a)
	if a.status != 200 || a.body["status"] != "in_review" || !slices.Equal(pm.Reviewers, []string{"rita", "rob"}) || pm.ApprovalsNeeded != 1 {
		t.Fatalf("request review: %d %s", a.status, a.raw)
	}
	check(t, "a viewer reviews", "vera", "POST", "/postmortem/reviews", `{"verdict":"approve"}`, 403, "")
	check(t, "the author approves while rob can", "rita", "POST", "/postmortem/reviews", `{"verdict":"approve"}`, 403, "reviewer")
	check(t, "changes without a comment", "rob", "POST", "/postmortem/reviews", `{"verdict":"changes_requested"}`, 422, "comment")
	s.steps(t, "rob", [4]string{"POST", "/api/v1/incidents/INC-1/postmortem/reviews", `{"verdict":"changes_requested","comment":"name the page that woke us"}`, "200"})
	check(t, "publish with changes requested", "rita", "POST", "/postmortem/publish", ``, 422, "reviews")

	// rob approves; then rita edits, and the approval is for an older text.
	s.steps(t, "rob", [4]string{"POST", "/api/v1/incidents/INC-1/postmortem/reviews", `{"verdict":"approve","comment":"fine"}`, "200"})
	a = s.call(t, "rita", "PUT", "/api/v1/incidents/INC-1/postmortem", strings.Replace(doc, "No customer data.", "No customer data; paged at 23:20.", 1))
	read(a)
	if a.status != 200 || a.body["status"] != "in_review" || len(pm.Approvals) != 0 || len(pm.ChangesRequested) != 0 {
		t.Fatalf("edit in review: %d %s", a.status, a.raw)
	}
	check(t, "publish an unapproved text", "rita", "POST", "/postmortem/publish", ``, 422, "approvals")
	a = s.call(t, "rob", "POST", "/api/v1/incidents/INC-1/postmortem/reviews", `{"verdict":"approve"}`)
	read(a)
	approved := pm.TextSHA256
	if a.status != 200 || !slices.Equal(pm.Approvals, []string{"rob"}) {
		t.Fatalf("approve: %d %s", a.status, a.raw)
	}
	check(t, "publish on a stale version", "rita", "POST", "/postmortem/publish", ``, 412, "", "If-Match", `"1"`)
	a = s.call(t, "rita", "POST", "/api/v1/incidents/INC-1/postmortem/publish", ``)
	first, _ := a.body["published_at"].(string)
	if a.status != 200 || a.body["status"] != "published" || first == "" {
		t.Fatalf("publish: %d %s", a.status, a.raw)
	}
	waiveOpenDuties(t, s.app.Services.Duties, "INC-1")
	s.steps(t, "rita", [4]string{"POST", "/api/v1/incidents/INC-1/transition", `{"to":"closed"}`, "200"})

	// Published stays published; a changed text is a revision with a reason.
	check(t, "review again", "rita", "POST", "/postmortem/review", `{}`, 422, "status")
	check(t, "a verdict when published", "rob", "POST", "/postmortem/reviews", `{"verdict":"approve"}`, 422, "status")
	check(t, "a new text without a reason", "rob", "PUT", "/postmortem", `{"summary":"v2"}`, 422, "reason")
	a = s.call(t, "rob", "PUT", "/api/v1/incidents/INC-1/postmortem", `{"summary":"v2","reason":"the vendor's report"}`)
	if a.status != 200 || a.body["status"] != "published" || a.body["published_at"] != first {
		t.Fatalf("revision: %d %s", a.status, a.raw)
	}
	var revs struct {
		PublishedAt string              `json:"published_at"`
		Items       []incident.Revision `json:"items"`
	}
	a = s.call(t, "vera", "GET", "/api/v1/incidents/INC-1/postmortem/revisions", "")
	if a.status != 200 || json.Unmarshal([]byte(a.raw), &revs) != nil || len(revs.Items) != 2 || revs.PublishedAt != first {
		t.Fatalf("revisions: %d %s", a.status, a.raw)
	}
	r1, r2 := revs.Items[0], revs.Items[1]
	if r1.TextSHA256 != approved || !slices.Equal(r1.Approvals, []string{"rob"}) || r1.Author != "rita" || r2.Reason != "the vendor's report" || r2.Author != "rob" || r2.Doc.Summary != "v2" {
		t.Errorf("revisions %+v", revs.Items)
	}
	if a := s.call(t, "vera", "GET", "/api/v1/incidents/INC-1", ""); a.body["state"] != "closed" {
		t.Errorf("incident %v", a.body["state"])
	}
	s.verify(t)
}
