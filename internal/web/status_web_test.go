package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// The status page's forms without script: the incident panel publishes a
// restricted incident only for an administrator who ticks the
// confirmation; the console's forms keep what was typed when refused;
// viewers read and cannot post.
func TestStatusPageForms(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	if err := s.app.Services.Auth.SetPassword(ctx, "admin", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	alice, admin, vera := s.signIn(t, "alice"), s.signIn(t, "admin"), s.signIn(t, "vera")
	secret, err := s.app.Services.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "SECRET insider case", Restricted: true})
	if err != nil {
		t.Fatal(err)
	}
	path := "/incidents/" + secret.Ref
	want := func(r resp, code int, texts ...string) {
		t.Helper()
		if r.status != code {
			t.Fatalf("answered %d, want %d\n%s", r.status, code, r.body)
		}
		for _, txt := range texts {
			if !strings.Contains(r.body, txt) {
				t.Errorf("the answer lacks %q", txt)
			}
		}
	}

	// alice declared it and sees it, but may not publish it.
	page := s.get(t, alice, path+"/comms")
	want(page, 200, "only an administrator may publish it")
	if strings.Contains(page.body, `action="`+path+`/status-page"`) {
		t.Error("alice is offered the publish form")
	}
	form := url.Values{"title": {"Account changes delayed"}, "impact": {"minor"}, "status": {"investigating"}, "body": {"Some changes take longer."}, "notify": {"1"}}
	want(s.post(t, alice, path+"/status-page", form), http.StatusForbidden, "is restricted: only an administrator")

	// The administrator is asked to confirm; without it, the form comes
	// back with what was typed.
	want(s.get(t, admin, path+"/comms"), 200, `name="confirm_restricted"`, `id="pf-title" name="title" required maxlength="200" value=""`)
	want(s.post(t, admin, path+"/status-page", form), http.StatusUnprocessableEntity, "set confirm_restricted to publish it", `value="Account changes delayed"`)
	form.Set("confirm_restricted", "1")
	r := s.post(t, admin, path+"/status-page", form)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, path+"/comms?flash=") {
		t.Fatalf("publish: %d %s", r.status, r.location)
	}
	pub := s.get(t, s.browser(t), "/status")
	want(pub, 200, "Account changes delayed", "Some changes take longer.")
	if strings.Contains(pub.body, "SECRET") || strings.Contains(pub.body, secret.Ref) {
		t.Error("the internal title or ref is public")
	}
	// Its page now shows the public face; alice may not post to it.
	want(s.get(t, alice, path+"/comms"), 200, "On the", "Account changes delayed", "Only an administrator may update the public page")
	pi, err := s.app.Services.Status.ForIncident(ctx, secret.ID)
	if err != nil {
		t.Fatal(err)
	}
	update := url.Values{"status": {"identified"}, "body": {"We know why."}, "back": {path}}
	want(s.post(t, alice, "/status/admin/incidents/"+pi.ID+"/updates", update), http.StatusForbidden,
		"only an administrator may publish it or update its public page", "SECRET insider case")
	if r := s.post(t, admin, "/status/admin/incidents/"+pi.ID+"/updates", update); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, path+"/comms?flash=") {
		t.Fatalf("update from the incident's page: %d %s", r.status, r.location)
	}

	// The console: a viewer reads it without forms and may not post; the
	// public face of a restricted incident they may not see is left out.
	console := s.get(t, vera, "/status/admin")
	want(console, 200, "On the page now")
	if strings.Contains(console.body, `action="/status/admin/incidents"`) || strings.Contains(console.body, "Account changes delayed") {
		t.Error("a viewer is offered the publish form, or sees the restricted incident's entry")
	}
	want(s.post(t, vera, "/status/admin/incidents", url.Values{"title": {"x"}}), http.StatusForbidden)

	// A maintenance that ends before it starts is refused, the form kept.
	mnt := url.Values{"kind": {"maintenance"}, "title": {"Network upgrade"}, "status": {"scheduled"}, "body": {"Brief interruptions."},
		"scheduled_for": {"2026-12-01T02:00"}, "scheduled_until": {"2026-12-01T01:00"}, "tz_offset_for": {"0"}, "tz_offset_until": {"0"}}
	want(s.post(t, alice, "/status/admin/incidents", mnt), http.StatusUnprocessableEntity, "Scheduled_until must be after scheduled_for", `value="Network upgrade"`)
	mnt.Set("scheduled_until", "2026-12-01T04:00")
	if r := s.post(t, alice, "/status/admin/incidents", mnt); r.status != http.StatusSeeOther {
		t.Fatalf("maintenance: %d\n%s", r.status, r.body)
	}
	want(s.get(t, s.browser(t), "/status"), 200, "Network upgrade", "Scheduled maintenance")

	// Components: administrators only; a taken name is refused.
	want(s.post(t, alice, "/status/admin/components", url.Values{"name": {"API"}}), http.StatusForbidden)
	if r := s.post(t, admin, "/status/admin/components", url.Values{"name": {"API"}}); r.status != http.StatusSeeOther {
		t.Fatalf("add component: %d\n%s", r.status, r.body)
	}
	want(s.post(t, admin, "/status/admin/components", url.Values{"name": {"API"}, "description": {"again"}}), http.StatusConflict,
		"There is already a component named", `value="again"`)
}
