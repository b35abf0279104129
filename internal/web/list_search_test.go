package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// The console's search box finds words in notes, shows the passage with
// the hits marked (and nothing else of the text as markup), and works as
// a plain GET form without script.
func TestListSearchShowsPassages(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	inc, err := s.app.Services.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Checkout errors", Severity: "SEV3"})
	if err != nil {
		t.Fatal(err)
	}
	c := incident.Command{Actor: incident.Viewer{User: "alice"}, Ref: inc.Ref}
	if _, err := s.app.Services.Incidents.AddEntry(ctx, c, incident.KindNote, "the <b>payment</b> gateway timed out", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.app.Services.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Unrelated", Severity: "SEV3"}); err != nil {
		t.Fatal(err)
	}
	cl := s.signIn(t, "alice")
	r := s.get(t, cl, "/incidents?q="+url.QueryEscape("payment gateway"))
	if r.status != 200 || !strings.Contains(r.body, `<span class="match"><span class="field">timeline:</span> the &lt;b&gt;<mark>payment</mark>&lt;/b&gt; <mark>gateway</mark> timed out</span>`) ||
		strings.Contains(r.body, "Unrelated") || !strings.Contains(r.body, "best match first") {
		t.Fatalf("search page:\n%s", r.body)
	}
	for _, q := range []string{`"`, `NEAR(`, `*`} {
		if r := s.get(t, cl, "/incidents?q="+url.QueryEscape(q)); r.status != 200 {
			t.Fatalf("q=%q: %d", q, r.status)
		}
	}
}
