package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
)

// An Art. 34 notice that still holds a part to be written cannot be sent,
// submitted or approved from the console: the page answers 422 saying
// which part, on which line, and keeps what was typed.
func TestUnwrittenArt34NoticeInTheConsole(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := t.Context()
	inc, err := s.app.Services.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "CRM copied", Severity: "SEV1"})
	if err != nil {
		t.Fatal(err)
	}
	alice := s.signIn(t, "alice")
	r := s.post(t, alice, "/incidents/"+inc.Ref+"/notices", url.Values{"template": {"gdpr-art34"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("draft: %d\n%s", r.status, r.body)
	}
	page := strings.Split(r.location, "?")[0]
	ns, _ := s.app.Services.Notices.List(ctx, incident.Viewer{SeeAll: true}, inc.Ref)
	n := ns[0]
	if n.Template != "gdpr-art34" || len(n.Placeholders) == 0 {
		t.Fatalf("drafted %+v", n)
	}
	p := n.Placeholders[0]
	want := fmt.Sprintf("line %d: %s is still to be written", p.Line, strings.ReplaceAll(p.Text, `"`, "&#34;"))
	if r = s.get(t, alice, page); !strings.Contains(r.body, "Still to be written") || !strings.Contains(r.body, fmt.Sprintf("body line %d:", p.Line)) {
		t.Fatalf("notice page does not list what is to be written:\n%s", r.body)
	}
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{"/send", url.Values{"to": {"dana@example.com"}}},
		{"/submit", url.Values{"recipient": {"Dana"}, "channel": {"letter"}}},
	} {
		r = s.post(t, alice, page+c.path, c.form)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, want) {
			t.Fatalf("%s: %d, want 422 saying %q\n%s", c.path, r.status, want, r.body)
		}
	}
	bob := s.signInNew(t, "bob")
	if r = s.post(t, bob, page+"/approve", url.Values{}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, want) {
		t.Fatalf("approve: %d\n%s", r.status, r.body)
	}
	if got, _ := s.app.Services.Notices.Get(ctx, incident.Viewer{SeeAll: true}, inc.Ref, n.ID); got.Status != notices.Draft || got.Approval != nil {
		t.Fatalf("a refused notice changed: %+v", got)
	}
}
