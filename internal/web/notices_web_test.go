package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
)

// Drafting, editing with a preview that escapes what is typed, the
// second-person rule, recording a notice as submitted, posting an update
// and the printable dossier — all with plain forms.
func TestNoticesInTheBrowser(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := t.Context()
	inc, err := s.app.Services.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Card skimmer", Severity: "SEV1", Summary: "A script copied card numbers."})
	if err != nil {
		t.Fatal(err)
	}
	alice := s.signIn(t, "alice")
	r := s.get(t, alice, "/incidents/"+inc.Ref+"/comms")
	if r.status != 200 || !strings.Contains(r.body, "Updates &amp; notices") || !strings.Contains(r.body, "Next update due") || !strings.Contains(r.body, `value="gdpr-art33"`) {
		t.Fatalf("incident page: %d", r.status)
	}
	r = s.post(t, alice, "/incidents/"+inc.Ref+"/notices", url.Values{"audience": {"customer"}})
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, "/incidents/"+inc.Ref+"/notices/") {
		t.Fatalf("draft: %d %s\n%s", r.status, r.location, r.body)
	}
	page := strings.Split(r.location, "?")[0]
	r = s.get(t, alice, page)
	// The customer is not given the internal summary; the parts a person
	// must write are listed with their lines.
	if r.status != 200 || !strings.Contains(r.body, `name="body"`) || strings.Contains(r.body, "A script copied card numbers.") ||
		!strings.Contains(r.body, "Still to be written") || !strings.Contains(r.body, "[[Describe what happened, in plain words for the customer.]]") {
		t.Fatalf("notice page: %d\n%s", r.status, r.body)
	}
	ns, _ := s.app.Services.Notices.List(ctx, incident.Viewer{SeeAll: true}, inc.Ref)
	n := ns[0]
	text := "# Notice\r\n\r\n**Dear** customer <script>alert(1)</script>\r\n"
	r = s.post(t, alice, page, url.Values{"title": {"Security notice"}, "body": {text}, "notice_version": {"1"}, "action": {"preview"}})
	if r.status != 200 || !strings.Contains(r.body, "<strong>Dear</strong> customer &lt;script&gt;alert(1)&lt;/script&gt;") || strings.Contains(r.body, "<script>alert") {
		t.Fatalf("preview: %d\n%s", r.status, r.body)
	}
	if got, _ := s.app.Services.Notices.Get(ctx, incident.Viewer{SeeAll: true}, inc.Ref, n.ID); got.Version != 1 {
		t.Fatal("a preview saved the notice")
	}
	r = s.post(t, alice, page, url.Values{"title": {"Security notice"}, "body": {text}, "notice_version": {"1"}, "action": {"save"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.status, r.body)
	}
	r = s.post(t, alice, page, url.Values{"title": {"Stale"}, "body": {"stale"}, "notice_version": {"1"}})
	if r.status != http.StatusConflict || !strings.Contains(r.body, "stale") {
		t.Fatalf("a stale save: %d", r.status)
	}
	r = s.post(t, alice, page+"/approve", url.Values{})
	if r.status != 422 || !strings.Contains(r.body, "a second person must approve") {
		t.Fatalf("self-approval: %d", r.status)
	}
	r = s.post(t, alice, page+"/submit", url.Values{"recipient": {"Acme Corp"}, "channel": {"letter"}, "reference": {"L-1"}, "submitted_at": {"2999-01-01T10:00"}})
	if r.status != 422 || !strings.Contains(r.body, "is in the future") || !strings.Contains(r.body, `value="Acme Corp"`) {
		t.Fatalf("future submission: %d", r.status)
	}
	r = s.post(t, alice, page+"/submit", url.Values{"recipient": {"Acme Corp"}, "channel": {"letter"}, "reference": {"L-1"}})
	if r.status != 422 || !strings.Contains(r.body, "must be approved by a second person") {
		t.Fatalf("submit without approval: %d", r.status)
	}
	bob := s.signInNew(t, "bob")
	if r = s.post(t, bob, page+"/approve", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", r.status, r.body)
	}
	r = s.post(t, alice, page+"/submit", url.Values{"recipient": {"Acme Corp"}, "channel": {"letter"}, "reference": {"L-1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("submit: %d\n%s", r.status, r.body)
	}
	r = s.get(t, alice, page)
	want := strings.ReplaceAll(text, "\r\n", "\n")
	if !strings.Contains(r.body, "Exact text as given") || strings.Contains(r.body, `name="body"`) || !strings.Contains(r.body, notices.Hash(want)) {
		t.Fatalf("final notice page:\n%s", r.body)
	}
	r = s.post(t, alice, "/incidents/"+inc.Ref+"/updates", url.Values{"text": {"Form replaced; no new skimming."}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("update: %d\n%s", r.status, r.body)
	}
	r = s.get(t, alice, "/incidents/"+inc.Ref+"/dossier")
	if r.status != 200 || !strings.Contains(r.body, `<link rel="stylesheet" href="/static/dossier.css?v=`) || !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;") ||
		!strings.Contains(r.body, "Form replaced; no new skimming.") || !strings.Contains(r.body, "L-1") || strings.Contains(r.body, "<style>") {
		t.Fatalf("dossier page: %d\n%s", r.status, r.body)
	}
	if css := s.get(t, alice, "/static/dossier.css"); css.status != 200 || !strings.Contains(css.body, "@media print") {
		t.Fatalf("dossier css: %d", css.status)
	}
	// A viewer reads but does not act; a restricted incident does not exist for them.
	vera := s.signIn(t, "vera")
	if r = s.get(t, vera, page); r.status != 200 || strings.Contains(r.body, "Record as submitted") {
		t.Fatalf("viewer's notice page: %d", r.status)
	}
	if r = s.post(t, vera, "/incidents/"+inc.Ref+"/notices", url.Values{"audience": {"customer"}}); r.status != http.StatusForbidden {
		t.Fatalf("viewer drafted: %d", r.status)
	}
	secret, _ := s.app.Services.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Insider", Restricted: true})
	if r = s.get(t, vera, "/incidents/"+secret.Ref+"/dossier"); r.status != 404 {
		t.Fatalf("restricted dossier for a viewer: %d", r.status)
	}
}
