package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
)

// The Indicators section without script: a paste previewed (nothing
// saved), then saved; a state changed; seen before links to the other
// incident, but not to a restricted one for those who may not see it; a
// viewer sees no forms and cannot post.
func TestIndicatorsSection(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	alice := s.signIn(t, "alice")
	vera := s.signIn(t, "vera")
	ctx := context.Background()
	for _, in := range []incident.DeclareInput{{Title: "Phishing"}, {Title: "Earlier"}, {Title: "Secret", Restricted: true}} {
		if _, err := s.app.Services.Incidents.Declare(ctx, "alice", in); err != nil {
			t.Fatal(err)
		}
	}
	for _, ref := range []string{"INC-2", "INC-3"} {
		if _, err := s.app.Services.Indicators.Add(ctx, incident.Viewer{User: "alice"}, ref, indicators.Input{Type: indicators.IPv4, Value: "198.51.100.7"}); err != nil {
			t.Fatal(err)
		}
	}
	base := "/incidents/INC-1/indicators"
	if r := s.get(t, alice, base); r.status != 200 || !strings.Contains(r.body, "No indicators recorded.") || !strings.Contains(r.body, `id="ioc-paste"`) {
		t.Fatalf("empty section: %d\n%s", r.status, r.body)
	}
	text := "C2 198[.]51[.]100[.]7 and hxxps://evil[.]example/x"
	r := s.post(t, alice, base, url.Values{"text": {text}, "tlp": {"red"}, "preview": {"1"}})
	if r.status != 200 || !strings.Contains(r.body, `data-candidate="ipv4:198.51.100.7"`) || !strings.Contains(r.body, `data-candidate="url:https://evil.example/x"`) || !strings.Contains(r.body, "Save 2") {
		t.Fatalf("preview: %d\n%s", r.status, r.body)
	}
	if !strings.Contains(r.body, "No indicators recorded.") {
		t.Fatal("the preview saved")
	}
	if r := s.post(t, alice, base, url.Values{"text": {"nothing"}, "preview": {"1"}}); r.status != 422 || !strings.Contains(r.body, "no indicators were found") {
		t.Fatalf("empty preview: %d", r.status)
	}
	r = s.post(t, alice, base, url.Values{"text": {text}, "tlp": {"red"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, base+"?flash=iocsadded") {
		t.Fatalf("save: %d %s\n%s", r.status, r.location, r.body)
	}
	page := s.get(t, alice, base).body
	for _, want := range []string{`data-ioc="ipv4:198.51.100.7"`, "TLP:red", `data-seen="INC-2"`, `data-seen="INC-3"`} {
		if !strings.Contains(page, want) {
			t.Fatalf("the section lacks %q:\n%s", want, page)
		}
	}
	_, list, err := s.app.Services.Indicators.List(ctx, incident.Viewer{User: "alice"}, "INC-1")
	if err != nil || len(list) != 2 {
		t.Fatal(list, err)
	}
	r = s.post(t, alice, base+"/"+list[0].ID, url.Values{"state": {"blocked"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("state: %d\n%s", r.status, r.body)
	}
	if r := s.post(t, alice, base+"/"+list[0].ID, url.Values{"state": {"closed"}}); r.status != 422 {
		t.Fatalf("bad state: %d", r.status)
	}
	if page := s.get(t, alice, base).body; !strings.Contains(page, `<option value="blocked" selected>`) {
		t.Fatalf("the state did not change:\n%s", page)
	}
	vp := s.get(t, vera, base).body
	if strings.Contains(vp, `id="ioc-paste"`) || strings.Contains(vp, `data-seen="INC-3"`) || !strings.Contains(vp, `data-seen="INC-2"`) {
		t.Fatalf("vera's section:\n%s", vp)
	}
	if r := s.post(t, vera, base, url.Values{"text": {text}}); r.status != http.StatusForbidden {
		t.Fatalf("a viewer posted: %d", r.status)
	}
}
