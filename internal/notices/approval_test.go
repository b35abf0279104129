package notices_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/audit"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// The approval covers the notice as it stands; each change is an event
// and withdraws it; an approval that no longer matches (one recorded
// before approvals covered everything) stops submitting and sending
// until it is given again; the hash chain stays verifiable.
func TestApprovalCoversTheNotice(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b storetest.Backend) {
		w := newWorld(t, b, notices.Config{})
		r := &relay{sent: map[string]notify.Document{}}
		w.svc.Configure(notices.Config{}, r)
		inc := w.declare(t, incident.DeclareInput{Title: "Outage"})
		n, err := w.svc.Draft(w.ctx, viewer("alice"), inc.Ref, notices.DraftInput{Audience: notices.Customer, Title: "Notice", Body: "Text.\n",
			Recipients: []string{"ops@acme.test", "OPS@acme.test, cfo@acme.test"}})
		if err != nil || !slices.Equal(n.Recipients, []string{"ops@acme.test", "cfo@acme.test"}) || n.ContentSHA256 != n.ContentHash() {
			t.Fatalf("draft: %+v %v", n, err)
		}
		if n, err = w.svc.Approve(w.ctx, viewer("bob"), inc.Ref, n.ID, "", n.ContentSHA256, ""); err != nil {
			t.Fatal(err)
		}
		// The same title again changes nothing: no event, still approved.
		same := n.Title
		if n, err = w.svc.Edit(w.ctx, viewer("alice"), inc.Ref, n.ID, notices.EditInput{Title: &same}); err != nil || n.Status != notices.Approved {
			t.Fatalf("unchanged edit: %s %v", n.Status, err)
		}
		// The recipients in another order and case are the same recipients.
		rcpts := []string{"CFO@acme.test", "ops@acme.test"}
		if n, err = w.svc.Edit(w.ctx, viewer("alice"), inc.Ref, n.ID, notices.EditInput{Recipients: &rcpts}); err != nil || n.Status != notices.Approved {
			t.Fatalf("reordered recipients: %s %v", n.Status, err)
		}
		types := eventTypes(t, w, inc.Ref)
		if count(types, incident.EvNoticeEdited) != 0 || count(types, incident.EvNoticeApprovalWithdrawn) != 0 {
			t.Fatalf("events %v", types)
		}
		aud := notices.Audience("press")
		_, err = w.svc.Edit(w.ctx, viewer("alice"), inc.Ref, n.ID, notices.EditInput{Audience: &aud})
		wantCode(t, err, errs.Invalid, `"press" is not one of`)
		_, err = w.svc.RemoveAttachment(w.ctx, viewer("alice"), inc.Ref, n.ID, "00")
		wantCode(t, err, errs.NotFound, "has no attachment")

		// An approval stored before it covered the whole notice: it names
		// only the body, so it covers nothing now.
		legacy := n
		legacy.Approval = &notices.Approval{By: "bob", At: n.Approval.At, TextSHA256: n.TextSHA256}
		legacy.Version++
		if err := w.app.DB.Commit(w.ctx, notices.Effects{Notice: &legacy}); err != nil {
			t.Fatal(err)
		}
		_, err = w.svc.Submit(w.ctx, viewer("carol"), inc.Ref, n.ID, notices.SubmitInput{Recipient: "Acme", Channel: notices.Letter})
		wantCode(t, err, errs.Conflict, "the approval by bob no longer covers notice")
		_, err = w.svc.Send(w.ctx, viewer("carol"), inc.Ref, n.ID, nil, "")
		wantCode(t, err, errs.Conflict, "the approval by bob no longer covers notice")
		if n, err = w.svc.Approve(w.ctx, viewer("bob"), inc.Ref, n.ID, "", "", "again"); err != nil {
			t.Fatal(err)
		}
		// Sending without recipients goes to the approved ones.
		if n, err = w.svc.Send(w.ctx, viewer("carol"), inc.Ref, n.ID, nil, n.TextSHA256); err != nil || n.Status != notices.Sent || r.count() != 2 {
			t.Fatalf("send: %+v %v (%d sent)", n, err, r.count())
		}
		_, evs, err := w.app.Services.Incidents.Timeline(w.ctx, incident.Viewer{SeeAll: true}, inc.Ref)
		if err != nil {
			t.Fatal(err)
		}
		var sent []notices.NoticeSentData
		for _, e := range evs {
			if e.Type == incident.EvNoticeSent {
				var d notices.NoticeSentData
				json.Unmarshal(e.Data, &d)
				sent = append(sent, d)
			}
		}
		if len(sent) != 2 || sent[0].ApprovedBy != "bob" || sent[0].ContentSHA256 != n.Approval.ContentSHA256 {
			t.Fatalf("sent events %+v", sent)
		}
		if rep, err := audit.Verify(w.ctx, w.app.DB); err != nil || !rep.OK() {
			t.Fatalf("audit: %+v %v", rep, err)
		}
	})
}

// A stored template from before templates had a budget is refused when a
// notice is drafted from it, naming the template; nothing is stored.
func TestStoredTemplateOverBudget(t *testing.T) {
	t.Parallel()
	w := newWorld(t, storetest.Backends()[0], notices.Config{})
	bomb := notices.Template{Name: "bomb", Audience: notices.Customer, Title: "T", Body: "{{range 3000}}{{range 5000}}x{{end}}{{end}}"}
	if err := w.app.DB.PutTemplate(w.ctx, bomb); err != nil {
		t.Fatal(err)
	}
	inc := w.declare(t, incident.DeclareInput{Title: "Outage"})
	_, err := w.svc.Draft(w.ctx, viewer("alice"), inc.Ref, notices.DraftInput{Template: "bomb"})
	wantCode(t, err, errs.Invalid, "template bomb: body: line 1: the template runs its loops more than 10000 times")
	if e, _ := errs.As(err); e == nil || e.Field != "template" {
		t.Fatalf("field: %v", err)
	}
	if ns, _ := w.svc.List(w.ctx, viewer("alice"), inc.Ref); len(ns) != 0 {
		t.Fatalf("stored %d notices", len(ns))
	}
}
