package notices_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/audit"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

func forEachBackend(t *testing.T, fn func(t *testing.T, b storetest.Backend)) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

var org = notices.Letterhead{Name: "Example GmbH", DPO: "Dana Doe, dpo@example.com", Contact: "security@example.com"}

// A regulator notice from the GDPR Art. 33 template: drafted, approved
// only by someone who wrote none of it, an approval lost when the text
// changes, submitted with an attachment; afterwards its text is final and
// the timeline holds the exact text and the hashes.
func TestNoticeFlow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b storetest.Backend) {
		w := newWorld(t, b, notices.Config{Organization: org})
		inc := w.declare(t, incident.DeclareInput{Title: "Customer database copied", Severity: "SEV1", Summary: "An attacker copied the CRM database."})
		n, err := w.svc.Draft(w.ctx, viewer("alice"), inc.Ref, notices.DraftInput{ObligationID: "eu-gdpr-art33-supervisory-authority", Phase: "initial_notification"})
		if err != nil {
			t.Fatal(err)
		}
		if n.Template != "gdpr-art33" || n.Audience != notices.Regulator || n.Status != notices.Draft || n.Version != 1 {
			t.Fatalf("drafted %+v", n)
		}
		for _, want := range []string{"Example GmbH", "Dana Doe, dpo@example.com", "(a) Nature of the breach", "An attacker copied the CRM database.", "initial_notification"} {
			if !strings.Contains(n.Body+n.Title, want) {
				t.Errorf("draft lacks %q:\n%s", want, n.Body)
			}
		}
		if n.TextSHA256 != notices.Hash(n.Body) {
			t.Fatal("hash is not the body's")
		}
		// The parts only a person can write are marked, and nobody
		// approves the notice while one is left.
		if len(n.Placeholders) == 0 || !slices.ContainsFunc(n.Placeholders, func(p notices.Placeholder) bool {
			return p.Field == "body" && p.Text == "[[e.g. customers, employees]]" && strings.Split(n.Body, "\n")[p.Line-1] == "- Categories of data subjects concerned: [[e.g. customers, employees]]"
		}) {
			t.Fatalf("placeholders %+v", n.Placeholders)
		}
		_, err = w.svc.Approve(w.ctx, viewer("bob"), inc.Ref, n.ID, "", "", "")
		wantCode(t, err, errs.Rule, "still holds")
		filled := fill(n.Body)
		if n, err = w.svc.Edit(w.ctx, viewer("alice"), inc.Ref, n.ID, notices.EditInput{Body: &filled}); err != nil || len(n.Placeholders) != 0 {
			t.Fatalf("filled in: %+v %v", n.Placeholders, err)
		}
		_, err = w.svc.Approve(w.ctx, viewer("alice"), inc.Ref, n.ID, "", "", "")
		wantCode(t, err, errs.Rule, "a second person must approve: alice wrote this text")
		n, err = w.svc.Approve(w.ctx, viewer("bob"), inc.Ref, n.ID, n.TextSHA256, "", "checked")
		if err != nil || n.Status != notices.Approved || n.Approval.By != "bob" {
			t.Fatalf("approve: %+v %v", n, err)
		}
		// A changed text loses its approval; an edit on an old version is a conflict.
		body := n.Body + "\r\nSigned, Alice\r\n"
		old := n.Version
		n, err = w.svc.Edit(w.ctx, viewer("alice"), inc.Ref, n.ID, notices.EditInput{Body: &body, Version: &old})
		if err != nil || n.Status != notices.Draft || n.Approval != nil || strings.Contains(n.Body, "\r") {
			t.Fatalf("edit: %+v %v", n, err)
		}
		_, err = w.svc.Edit(w.ctx, viewer("alice"), inc.Ref, n.ID, notices.EditInput{Body: &body, Version: &old})
		wantCode(t, err, errs.Precondition, "changed since you loaded it")
		_, err = w.svc.Approve(w.ctx, viewer("bob"), inc.Ref, n.ID, strings.Repeat("0", 64), "", "")
		wantCode(t, err, errs.Conflict, "text changed since you read it")
		if n, err = w.svc.Approve(w.ctx, viewer("bob"), inc.Ref, n.ID, n.TextSHA256, "", ""); err != nil {
			t.Fatal(err)
		}
		pdf := []byte("%PDF-1.7 forensic summary")
		n, err = w.svc.AddAttachment(w.ctx, viewer("carol"), inc.Ref, n.ID, "summary.pdf", "application/pdf", pdf)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(pdf)
		// The file changes what was approved: the approval is withdrawn,
		// and carol, who changed it, may not approve it.
		if len(n.Attachments) != 1 || n.Attachments[0].SHA256 != hex.EncodeToString(sum[:]) || n.Status != notices.Draft || n.Approval != nil {
			t.Fatalf("attachment %+v, status %s", n.Attachments, n.Status)
		}
		_, err = w.svc.Approve(w.ctx, viewer("carol"), inc.Ref, n.ID, "", "", "")
		wantCode(t, err, errs.Rule, "a second person must approve: carol")
		if n, err = w.svc.Approve(w.ctx, viewer("bob"), inc.Ref, n.ID, "", n.ContentSHA256, "with the summary"); err != nil {
			t.Fatal(err)
		}
		final := n.Body
		at := w.clock.Now().Add(-time.Hour)
		n, err = w.svc.Submit(w.ctx, viewer("carol"), inc.Ref, n.ID, notices.SubmitInput{Recipient: "BfDI", Channel: notices.RegulatorPortal,
			At: &at, Reference: "BfDI-2026-0042", TextSHA256: n.TextSHA256})
		if err != nil {
			t.Fatal(err)
		}
		if n.Status != notices.Submitted || n.Submission.Reference != "BfDI-2026-0042" || !n.Submission.At.Equal(at) || n.Submission.TextSHA256 != notices.Hash(final) {
			t.Fatalf("submitted %+v %+v", n, n.Submission)
		}
		// Final: nothing changes the text any more.
		changed := "changed"
		_, err = w.svc.Edit(w.ctx, viewer("alice"), inc.Ref, n.ID, notices.EditInput{Body: &changed})
		wantCode(t, err, errs.Rule, "its text is final")
		_, err = w.svc.Approve(w.ctx, viewer("bob"), inc.Ref, n.ID, "", "", "")
		wantCode(t, err, errs.Rule, "its text is final")
		_, err = w.svc.Submit(w.ctx, viewer("carol"), inc.Ref, n.ID, notices.SubmitInput{Recipient: "x", Channel: notices.Letter})
		wantCode(t, err, errs.Rule, "its text is final")
		_, err = w.svc.AddAttachment(w.ctx, viewer("carol"), inc.Ref, n.ID, "late.txt", "", []byte("late"))
		wantCode(t, err, errs.Rule, "its text is final")
		got, err := w.svc.Get(w.ctx, viewer("bob"), inc.Ref, n.ID)
		if err != nil || got.Body != final || got.TextSHA256 != notices.Hash(final) {
			t.Fatalf("stored text changed: %v", err)
		}
		types := eventTypes(t, w, inc.Ref)
		if count(types, incident.EvNoticeDrafted) != 1 || count(types, incident.EvNoticeApproved) != 3 || count(types, incident.EvNoticeSubmitted) != 1 {
			t.Fatalf("events %v", types)
		}
		_, evs, _ := w.app.Services.Incidents.Timeline(w.ctx, incident.Viewer{SeeAll: true}, inc.Ref)
		last := evs[len(evs)-1]
		var d notices.NoticeSubmittedData
		json.Unmarshal(last.Data, &d)
		if d.Text != final || d.TextSHA256 != notices.Hash(final) || len(d.Attachments) != 1 || d.Attachments[0].SHA256 != n.Attachments[0].SHA256 ||
			d.ApprovedBy != "bob" || last.OccurredAt == nil || !last.OccurredAt.Equal(at) || last.Actor != "carol" {
			t.Fatalf("submitted event %+v %+v", last, d)
		}
		if r, err := audit.Verify(w.ctx, w.app.DB); err != nil || !r.OK() {
			t.Fatalf("audit: %+v %v", r, err)
		}
	})
}

// Restricted incidents' notices do not exist for those who may not see
// them; bad input names its field.
func TestNoticeChecks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b storetest.Backend) {
		w := newWorld(t, b, notices.Config{})
		secret := w.declare(t, incident.DeclareInput{Title: "Insider", Restricted: true})
		n, err := w.svc.Draft(w.ctx, viewer("alice"), secret.Ref, notices.DraftInput{Audience: notices.Internal})
		if err != nil || n.Template != "internal" {
			t.Fatalf("draft: %+v %v", n, err)
		}
		_, err = w.svc.Draft(w.ctx, viewer("bob"), secret.Ref, notices.DraftInput{Audience: notices.Internal})
		wantCode(t, err, errs.NotFound, "no incident")
		_, err = w.svc.Get(w.ctx, viewer("bob"), secret.Ref, n.ID)
		wantCode(t, err, errs.NotFound, "no incident")
		_, err = w.svc.Dossier(w.ctx, viewer("bob"), secret.Ref)
		wantCode(t, err, errs.NotFound, "no incident")
		open := w.declare(t, incident.DeclareInput{Title: "Open"})
		_, err = w.svc.Get(w.ctx, viewer("bob"), open.Ref, n.ID) // another incident's notice
		wantCode(t, err, errs.NotFound, "has no notice")
		cases := []struct {
			in          notices.DraftInput
			code        errs.Code
			field, want string
		}{
			{notices.DraftInput{}, errs.Invalid, "audience", "name an audience"},
			{notices.DraftInput{Audience: "press"}, errs.Invalid, "audience", `"press" is not one of`},
			{notices.DraftInput{Template: "nope"}, errs.Invalid, "template", `no notice template "nope"`},
			{notices.DraftInput{Phase: "x"}, errs.Invalid, "phase", "needs its obligation_id"},
			{notices.DraftInput{Audience: notices.Customer, Title: "a\nb", Body: "x"}, errs.Invalid, "title", "one line"},
		}
		for _, c := range cases {
			_, err := w.svc.Draft(w.ctx, viewer("alice"), open.Ref, c.in)
			e, _ := errs.As(err)
			if e == nil || e.Code != c.code || e.Field != c.field || !strings.Contains(e.Message, c.want) {
				t.Errorf("%+v: got %v", c.in, err)
			}
		}
		n, _ = w.svc.Draft(w.ctx, viewer("alice"), open.Ref, notices.DraftInput{Audience: notices.Customer})
		_, err = w.svc.Send(w.ctx, viewer("alice"), open.Ref, n.ID, []string{"ops@acme.example"}, "")
		wantCode(t, err, errs.Rule, "still holds") // before the missing relay: the writer's to fix
		filled := fill(n.Body)
		n, _ = w.svc.Edit(w.ctx, viewer("alice"), open.Ref, n.ID, notices.EditInput{Body: &filled})
		future := w.clock.Now().Add(time.Hour)
		_, err = w.svc.Submit(w.ctx, viewer("alice"), open.Ref, n.ID, notices.SubmitInput{Recipient: "Acme", Channel: notices.Letter, At: &future})
		wantCode(t, err, errs.Invalid, "is in the future")
		_, err = w.svc.Submit(w.ctx, viewer("alice"), open.Ref, n.ID, notices.SubmitInput{Recipient: "Acme", Channel: "fax"})
		wantCode(t, err, errs.Invalid, `"fax" is not one of`)
		_, err = w.svc.Send(w.ctx, viewer("alice"), open.Ref, n.ID, []string{"ops@acme.example"}, "")
		wantCode(t, err, errs.Rule, "no outbound email relay")
	})
}

// Organisations' templates: a parse or run failure names the field and
// the line; stored ones take the place of configured ones, which take the
// place of built-in ones.
func TestTemplates(t *testing.T) {
	t.Parallel()
	cfg := notices.Config{Templates: []notices.Template{{Name: "acme", Audience: notices.Customer, Obligations: []string{"contract-acme-24h"},
		Title: "Notice to Acme about {{.Incident.Ref}}", Body: "Dear Acme,\n\n{{.Incident.Title}}\n"}}}
	w := newWorld(t, storetest.Backends()[0], cfg)
	bad := []struct {
		tpl          notices.Template
		field, wants string
	}{
		{notices.Template{Name: "x", Audience: notices.Customer, Title: "T", Body: "one\ntwo\n{{.Incident.Title\n"}, "body", "line 4: unclosed action started on line 3"},
		{notices.Template{Name: "x", Audience: notices.Customer, Title: "T", Body: "one\n{{nosuch .Incident}}\n"}, "body", `line 2: function "nosuch" not defined`},
		{notices.Template{Name: "x", Audience: notices.Customer, Title: "T", Body: "one\n\n  {{.Incident.Nope}}\n"}, "body", "line 3, column 13: at <.Incident.Nope>: can't evaluate field Nope"},
		{notices.Template{Name: "x", Audience: notices.Customer, Title: "{{end}}", Body: "b"}, "title", "line 1: unexpected {{end}}"},
		{notices.Template{Name: "X Y", Audience: notices.Customer, Title: "T", Body: "b"}, "name", "lower-case letters"},
		{notices.Template{Name: "x", Audience: "press", Title: "T", Body: "b"}, "audience", "not one of"},
	}
	for _, c := range bad {
		_, err := w.svc.PutTemplate(w.ctx, "root", c.tpl)
		e, _ := errs.As(err)
		if e == nil || e.Code != errs.Invalid || e.Field != c.field || !strings.Contains(e.Message, c.wants) {
			t.Errorf("%q: got %v, want %s: %s…", c.tpl.Body, err, c.field, c.wants)
		}
	}
	source := func(name string) string {
		t.Helper()
		tpl, err := w.svc.Template(w.ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return tpl.Source
	}
	if source("customer") != notices.SourceBuiltin || source("acme") != notices.SourceConfig {
		t.Fatal("sources")
	}
	if _, err := w.svc.PutTemplate(w.ctx, "root", notices.Template{Name: "customer", Audience: notices.Customer, Title: "Ours", Body: "Our own {{.Incident.Ref}}\r\n"}); err != nil {
		t.Fatal(err)
	}
	inc := w.declare(t, incident.DeclareInput{Title: "Outage"})
	n, err := w.svc.Draft(w.ctx, viewer("alice"), inc.Ref, notices.DraftInput{Audience: notices.Customer})
	if err != nil || n.Title != "Ours" || n.Body != "Our own "+inc.Ref+"\n" {
		t.Fatalf("custom template: %+v %v", n, err)
	}
	n, err = w.svc.Draft(w.ctx, viewer("alice"), inc.Ref, notices.DraftInput{ObligationID: "contract-acme-24h"})
	if err != nil || n.Template != "acme" || n.Audience != notices.Customer || n.Title != "Notice to Acme about "+inc.Ref {
		t.Fatalf("configured template for its obligation: %+v %v", n, err)
	}
	if err := w.svc.DeleteTemplate(w.ctx, "customer"); err != nil || source("customer") != notices.SourceBuiltin {
		t.Fatalf("delete: %v", err)
	}
	// Every built-in template runs.
	for _, tpl := range notices.Builtin() {
		if err := tpl.Validate(); err != nil {
			t.Errorf("built-in %s: %v", tpl.Name, err)
		}
	}
}
