package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/roster"
)

// TestDeclaredIncidentShowsItsPageAtOnce is issue 12 defect 7: right after
// "Declare incident" from a queue entry at a severity whose incident rule
// pages a commander, the incident page the declarer lands on shows that
// escalation, not "Nobody has been paged".
func TestDeclaredIncidentShowsItsPageAtOnce(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	pol := oncall.Policy{Name: "commanders", Steps: []oncall.Step{{Targets: []oncall.Target{{Kind: oncall.TargetUser, Name: "alice"}}, Delay: 5}}}
	if err := s.app.Services.Roster.Change(ctx, "admin", []any{pol, roster.IncidentRule{Severity: "SEV1", Policy: "commanders"}}, nil); err != nil {
		t.Fatal(err)
	}
	c := s.signIn(t, "alice")
	for i, how := range []string{"from the queue", "from the declare form"} {
		ref := "/incidents/INC-" + itoa(i+1)
		var r resp
		if how == "from the queue" {
			entry := queued(t, s, c)
			r = s.post(t, c, entry+"/declare", url.Values{"title": {"Checkout 5xx"}, "severity": {"SEV1"}})
		} else {
			r = s.post(t, c, "/incidents", url.Values{"title": {"Leaked key"}, "severity": {"SEV1"}})
		}
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, ref) {
			t.Fatalf("declare %s: %d %s\n%s", how, r.status, r.location, r.body)
		}
		page := s.get(t, c, strings.Replace(r.location, "?", "/paging?", 1))
		i := strings.Index(page.body, `id="paging"`)
		if i < 0 {
			t.Fatalf("%s: no paging panel", how)
		}
		panel := page.body[i:]
		panel = panel[:strings.Index(panel, "</section>")]
		if strings.Contains(panel, "Nobody has been paged") || !strings.Contains(panel, `<b class="esc-policy">commanders</b>`) {
			t.Fatalf("%s: the paging panel right after the declaration:\n%s", how, panel)
		}
	}
}

func itoa(n int) string { return string(rune('0' + n)) }
