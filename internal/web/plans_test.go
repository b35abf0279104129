package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

// TestPlansPages: /admin/plans lists the plans to admins only; a plan's
// page renders its tasks by phase with owners, due times and Markdown
// instructions, and its versions; the YAML editor writes the next
// version, shows each problem with its place and keeps the text; an old
// version is shown as it was; deletion needs its confirmation.
func TestPlansPages(t *testing.T) {
	t.Parallel()
	s := newSiteWith(t, func(c *app.Config) { c.Library = plan.Library() })
	ctx := context.Background()
	if p := s.get(t, s.signIn(t, "alice"), "/admin/plans"); p.status != http.StatusForbidden {
		t.Errorf("/admin/plans as a responder: %d, want 403", p.status)
	}
	admin := s.signIn(t, "admin")
	list := s.get(t, admin, "/admin/plans")
	if list.status != http.StatusOK {
		t.Fatalf("/admin/plans: %d\n%s", list.status, list.body)
	}
	for _, want := range []string{`href="/admin/plans" aria-current="page"`, `id="plan-credential-compromise"`, `href="/admin/plans/ransomware"`,
		"builtin", "security.credential-compromise", `name="yaml"`} {
		if !strings.Contains(list.body, want) {
			t.Errorf("/admin/plans lacks %q", want)
		}
	}
	if n := strings.Count(list.body, `<tr id="plan-`); n != 10 {
		t.Errorf("/admin/plans lists %d plans, want the 10 built-in ones", n)
	}

	cur, err := s.app.Services.Plans.Get(ctx, "credential-compromise")
	if err != nil {
		t.Fatal(err)
	}
	page := s.get(t, admin, "/admin/plans/credential-compromise")
	if page.status != http.StatusOK {
		t.Fatalf("plan page: %d\n%s", page.status, page.body)
	}
	for _, want := range []string{`id="phase-contain"`, `id="phase-eradicate"`, `id="task-revoke-sessions"`, "required", "after activation",
		`id="version-1"`, `<textarea id="plan-yaml" name="yaml"`, "name: credential-compromise", `name="confirm"`, cur.Hash} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the plan page lacks %q", want)
		}
	}
	if strings.Index(page.body, `id="phase-contain"`) > strings.Index(page.body, `id="phase-eradicate"`) {
		t.Error("phases out of order")
	}

	// An edit with Markdown instructions becomes version 2.
	text := `name: credential-compromise
title: Our credential plan
tasks:
  - key: revoke-sessions
    phase: contain
    title: Revoke every session
    owner: incident_commander
    due: PT20M
    due_from: phase
    required: true
    instructions: |
      Use **the runbook**: <script>alert(1)</script>
`
	r := s.post(t, admin, "/admin/plans/credential-compromise", url.Values{"yaml": {text}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/admin/plans/credential-compromise?flash=") {
		t.Fatalf("save: %d %s\n%s", r.status, r.location, r.body)
	}
	page = s.get(t, admin, "/admin/plans/credential-compromise")
	for _, want := range []string{"Our credential plan", "<strong>the runbook</strong>", "PT20M into the phase", `id="version-2"`,
		`href="/admin/plans/credential-compromise?version=1"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("after the edit the page lacks %q", want)
		}
	}
	if strings.Contains(page.body, "<script>alert") {
		t.Error("instructions are not sanitised")
	}
	old := s.get(t, admin, "/admin/plans/credential-compromise?version=1")
	if old.status != http.StatusOK || !strings.Contains(old.body, "older version") || !strings.Contains(old.body, cur.Title) || strings.Contains(old.body, "Our credential plan</h1>") {
		t.Errorf("version 1: %d\n%s", old.status, old.body)
	}
	r = s.post(t, admin, "/admin/plans/credential-compromise", url.Values{"yaml": {text}})
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, "Nothing+changed") {
		t.Errorf("saving the same text: %d %s", r.status, r.location)
	}

	// Problems: each with its place, the text kept, nothing saved.
	bad := strings.Replace(strings.Replace(text, "PT20M", "20 minutes", 1), "incident_commander", "wizard", 1)
	r = s.post(t, admin, "/admin/plans/credential-compromise", url.Values{"yaml": {bad}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("a plan with problems: %d\n%s", r.status, r.body)
	}
	for _, want := range []string{"2 problems", "tasks[0].owner", "tasks[0].due", "7:", "8:", html.EscapeString("20 minutes")} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the problems lack %q\n%s", want, r.body)
		}
	}
	r = s.post(t, admin, "/admin/plans/credential-compromise", url.Values{"yaml": {strings.Replace(text, "name: credential-compromise", "name: other", 1)}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "this page edits") {
		t.Errorf("a renamed plan on its page: %d", r.status)
	}
	if vs, _ := s.app.Services.Plans.Versions(ctx, "credential-compromise"); len(vs) != 2 {
		t.Errorf("refused edits wrote versions: %d", len(vs))
	}

	// A new plan from the list page.
	newPlan := "name: webshop-outage\ntitle: Web shop outage\ntasks:\n  - key: failover\n    phase: recover\n    title: Fail back\n"
	r = s.post(t, admin, "/admin/plans", url.Values{"yaml": {newPlan}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/admin/plans/webshop-outage?") {
		t.Fatalf("add a plan: %d %s\n%s", r.status, r.location, r.body)
	}
	r = s.post(t, admin, "/admin/plans", url.Values{"yaml": {"name: x\ncolour: red\n"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "colour") || !strings.Contains(r.body, "colour: red") {
		t.Errorf("a new plan with problems: %d\n%s", r.status, r.body)
	}

	// Deletion needs the box ticked.
	if r := s.post(t, admin, "/admin/plans/webshop-outage/delete", url.Values{}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("delete without confirming: %d", r.status)
	}
	if _, err := s.app.Services.Plans.Get(ctx, "webshop-outage"); err != nil {
		t.Fatalf("deleted without confirmation: %v", err)
	}
	r = s.post(t, admin, "/admin/plans/webshop-outage/delete", url.Values{"confirm": {"yes"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/admin/plans?") {
		t.Fatalf("delete: %d %s", r.status, r.location)
	}
	if p := s.get(t, admin, "/admin/plans/webshop-outage"); p.status != http.StatusNotFound {
		t.Errorf("a deleted plan's page: %d", p.status)
	}
	if l := s.get(t, admin, "/admin/plans"); strings.Contains(l.body, "plan-webshop-outage") {
		t.Error("a deleted plan is listed")
	}
	// Its versions stay readable, and saving one puts the plan back.
	gone := s.get(t, admin, "/admin/plans/webshop-outage?version=1")
	if gone.status != http.StatusOK || !strings.Contains(gone.body, "was deleted") || !strings.Contains(gone.body, "Fail back") ||
		strings.Contains(gone.body, `name="confirm"`) || !strings.Contains(gone.body, `id="version-2"`) {
		t.Fatalf("a deleted plan's version: %d\n%s", gone.status, gone.body)
	}
	r = s.post(t, admin, "/admin/plans/webshop-outage", url.Values{"yaml": {strings.Replace(newPlan, "recover", "later", 1)}, "from": {"1"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "was deleted") || !strings.Contains(r.body, "tasks[0].phase") {
		t.Errorf("a deleted plan saved with a problem: %d\n%s", r.status, r.body)
	}
	r = s.post(t, admin, "/admin/plans/webshop-outage", url.Values{"yaml": {newPlan}, "from": {"1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("put back: %d\n%s", r.status, r.body)
	}
	if v, err := s.app.Services.Plans.Get(ctx, "webshop-outage"); err != nil || v.Version != 3 {
		t.Errorf("put back: %+v %v", v, err)
	}
}
