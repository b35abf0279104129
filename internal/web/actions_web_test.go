package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// /actions: the owner sees their item by default; overdue and all list
// across incidents, and a restricted incident's item stays hidden from
// those who may not see it.
func TestActionsPage(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	alice := s.signIn(t, "alice")
	vera := s.signIn(t, "vera")
	ctx := context.Background()
	inc, err := s.app.Services.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Repo leak"})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := s.app.Services.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Insider", Restricted: true})
	if err != nil {
		t.Fatal(err)
	}
	due := s.app.Services.Actions.Now().UTC().AddDate(0, 0, 3).Format(time.DateOnly)
	av := incident.Viewer{User: "alice"}
	for _, in := range []struct{ ref, title, owner string }{{inc.Ref, "Rotate the repo keys", "alice"}, {secret.Ref, "Secret follow-up", "alice"}, {inc.Ref, "Vera's review", "alice"}} {
		if _, err := s.app.Services.Actions.Create(ctx, av, in.ref, actions.Input{Title: in.title, Owner: in.owner, Due: due}); err != nil {
			t.Fatal(err)
		}
	}
	if r := s.get(t, alice, "/actions"); r.status != 200 || !strings.Contains(r.body, "Rotate the repo keys") || !strings.Contains(r.body, "Secret follow-up") {
		t.Fatalf("alice's: %d\n%s", r.status, r.body)
	}
	r := s.get(t, vera, "/actions?view=all")
	if r.status != 200 || !strings.Contains(r.body, "Rotate the repo keys") || strings.Contains(r.body, "Secret follow-up") {
		t.Fatalf("vera's all: %d\n%s", r.status, r.body)
	}
	if r := s.get(t, vera, "/actions?view=all&state=done"); !strings.Contains(r.body, "No action items here.") {
		t.Fatalf("done: %s", r.body)
	}
}
