package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
)

// The notice form sets the audience and the recipients; a change after
// approval withdraws it, and the page says what an approval covers.
func TestNoticeFormRecipientsAndApproval(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := t.Context()
	inc, err := s.app.Services.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Card skimmer", Severity: "SEV1"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.app.Services.Notices.Draft(ctx, incident.Viewer{User: "alice"}, inc.Ref, notices.DraftInput{Audience: notices.Customer, Title: "Notice", Body: "Text.\n"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.app.Services.Auth.CreateUser(ctx, auth.UserInput{Username: "bob", Role: auth.Responder}); err != nil {
		t.Fatal(err)
	}
	if err := s.app.Services.Auth.SetPassword(ctx, "bob", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	page := "/incidents/" + inc.Ref + "/notices/" + n.ID
	alice, bob := s.signIn(t, "alice"), s.signIn(t, "bob")
	r := s.post(t, alice, page, url.Values{"title": {"Notice"}, "body": {"Text.\n"}, "audience": {"individuals"}, "recipients": {"ops@acme.test\r\ncfo@acme.test, ops@acme.test"}, "notice_version": {"1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.status, r.body)
	}
	got, _ := s.app.Services.Notices.Get(ctx, incident.Viewer{SeeAll: true}, inc.Ref, n.ID)
	if got.Audience != notices.Individuals || !slices.Equal(got.Recipients, []string{"ops@acme.test", "cfo@acme.test"}) {
		t.Fatalf("saved %s %v", got.Audience, got.Recipients)
	}
	r = s.post(t, alice, page, url.Values{"title": {"Notice"}, "body": {"Text.\n"}, "recipients": {"not an address"}})
	if r.status != 422 || !strings.Contains(r.body, "is not an email address") {
		t.Fatalf("a bad recipient: %d", r.status)
	}
	r = s.get(t, bob, page)
	if !strings.Contains(r.body, `name="content_sha256" value="`+got.ContentSHA256+`"`) {
		t.Fatalf("the approve form does not carry the content hash:\n%s", r.body)
	}
	if r = s.post(t, bob, page+"/approve", url.Values{"content_sha256": {got.ContentSHA256}}); r.status != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", r.status, r.body)
	}
	r = s.get(t, alice, page)
	if !strings.Contains(r.body, "Approved") || !strings.Contains(r.body, "covers the title, text, audience, recipients and attachments") {
		t.Fatalf("approved page:\n%s", r.body)
	}
	r = s.post(t, alice, page, url.Values{"title": {"Notice"}, "body": {"Text.\n"}, "recipients": {"ops@acme.test"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.status)
	}
	got, _ = s.app.Services.Notices.Get(ctx, incident.Viewer{SeeAll: true}, inc.Ref, n.ID)
	if got.Status != notices.Draft || got.Approval != nil {
		t.Fatalf("a recipients change kept the approval: %s", got.Status)
	}
	r = s.get(t, alice, "/incidents/"+inc.Ref+"/timeline")
	if !strings.Contains(r.body, "approval withdrawn: recipients changed") {
		t.Errorf("the incident's timeline does not show the withdrawal")
	}
}
