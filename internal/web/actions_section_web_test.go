package web_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// The incident's Action items section: a responder adds an item and moves
// it through its states with plain forms; a refused form comes back with
// the problem next to its field and what was typed; a stale form is a
// conflict; a viewer sees the items but cannot change them; a restricted
// incident's section is not found for those outside it.
func TestActionsSection(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	alice := s.signIn(t, "alice")
	vera := s.signIn(t, "vera")
	ctx := context.Background()
	inc, err := s.app.Services.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Repo leak"})
	if err != nil {
		t.Fatal(err)
	}
	base := "/incidents/" + inc.Ref + "/actions"
	due := s.app.Services.Actions.Now().In(s.app.Services.Actions.Zone()).AddDate(0, 0, 3).Format(time.DateOnly)
	form := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}

	if r := s.get(t, alice, base); r.status != 200 || !strings.Contains(r.body, "New action item") || !strings.Contains(r.body, "No action items yet.") {
		t.Fatalf("empty section: %d\n%s", r.status, r.body)
	}

	refused := []struct {
		name, field, want string
		v                 url.Values
	}{
		{"unknown owner", "owner", `no user`, form("title", "Rotate the deploy keys", "owner", "nobody-such-user", "due", due)},
		{"past due", "due", "is in the past", form("title", "Rotate the deploy keys", "owner", "alice", "due", "2001-01-01")},
		{"no title", "title", "required", form("title", "", "owner", "alice", "due", due)},
		{"bad tracker", "tracker-url", "http or https", form("title", "Rotate the deploy keys", "owner", "alice", "due", due, "tracker_url", "javascript:alert(1)")},
	}
	for _, c := range refused {
		r := s.post(t, alice, base, c.v)
		if r.status != 422 || !strings.Contains(r.body, `id="new-`+c.field+`-err"`) || !strings.Contains(r.body, c.want) {
			t.Fatalf("%s: %d\n%s", c.name, r.status, r.body)
		}
		if c.v.Get("title") != "" && !strings.Contains(r.body, `value="`+c.v.Get("title")+`"`) {
			t.Fatalf("%s: the title typed is not kept\n%s", c.name, r.body)
		}
	}
	if r := s.post(t, alice, base, form("title", "x", "owner", "nobody-such-user", "due", due)); !strings.Contains(r.body, `<option value="nobody-such-user" selected>`) {
		t.Fatalf("the owner sent is not kept:\n%s", r.body)
	}

	r := s.post(t, alice, base, form("title", "Rotate the deploy keys", "description", "All of them", "owner", "alice", "due", due,
		"priority", "p2", "kind", "detect", "tracker_url", "https://tracker.example/PROJ-12", "tracker_key", "PROJ-12"))
	if r.status != 303 || !strings.HasPrefix(r.location, base+"#ACT-") {
		t.Fatalf("create: %d %q\n%s", r.status, r.location, r.body)
	}
	id := strings.TrimPrefix(r.location, base+"#")
	a, err := s.app.Services.Actions.Get(ctx, incident.Viewer{User: "alice"}, id)
	if err != nil || a.Owner != "alice" || a.Priority != actions.P2 || a.Kind != actions.Detect || a.Tracker.Key != "PROJ-12" || a.Due != due {
		t.Fatalf("created: %+v %v", a, err)
	}
	ver := func() string {
		a, err := s.app.Services.Actions.Get(ctx, incident.Viewer{User: "alice"}, id)
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(a.Version, 10)
	}
	state := func() actions.State {
		a, err := s.app.Services.Actions.Get(ctx, incident.Viewer{User: "alice"}, id)
		if err != nil {
			t.Fatal(err)
		}
		return a.State
	}

	// A viewer sees it, with no forms, and cannot post.
	if r := s.get(t, vera, base); r.status != 200 || !strings.Contains(r.body, "Rotate the deploy keys") || strings.Contains(r.body, "New action item") || strings.Contains(r.body, `name="move"`) {
		t.Fatalf("viewer's page: %d\n%s", r.status, r.body)
	}
	if r := s.post(t, vera, base+"/"+id+"/state", form("move", "done", "version", ver())); r.status != 403 || state() != actions.Open {
		t.Fatalf("viewer's done: %d, %s", r.status, state())
	}

	// Won't do needs a reason: refused next to the field, nothing changes.
	if r := s.post(t, alice, base+"/"+id+"/state", form("move", "wont_do", "version", ver())); r.status != 422 || !strings.Contains(r.body, `id="`+id+`-reason-err"`) || state() != actions.Open {
		t.Fatalf("won't do without reason: %d %s\n%s", r.status, state(), r.body)
	}
	steps := []struct {
		move, reason string
		want         actions.State
	}{
		{"start", "", actions.InProgress},
		{"wont_do", "Replaced by the vault migration", actions.WontDo},
		{"reopen", "", actions.Open},
		{"done", "", actions.Done},
	}
	for _, st := range steps {
		r := s.post(t, alice, base+"/"+id+"/state", form("move", st.move, "reason", st.reason, "version", ver()))
		if r.status != 303 || state() != st.want {
			t.Fatalf("%s: %d %s\n%s", st.move, r.status, state(), r.body)
		}
	}

	// An edit over an older version is a conflict; over the current one
	// it lands.
	stale := form("title", "Rotate every key", "owner", "alice", "due", due, "priority", "p1", "kind", "prevent", "version", "1")
	if r := s.post(t, alice, base+"/"+id, stale); r.status != 409 || !strings.Contains(r.body, `value="Rotate every key"`) {
		t.Fatalf("stale edit: %d\n%s", r.status, r.body)
	}
	stale.Set("version", ver())
	if r := s.post(t, alice, base+"/"+id, stale); r.status != 303 {
		t.Fatalf("edit: %d\n%s", r.status, r.body)
	}
	if a, _ := s.app.Services.Actions.Get(ctx, incident.Viewer{User: "alice"}, id); a.Title != "Rotate every key" || a.Priority != actions.P1 {
		t.Fatalf("edited: %+v", a)
	}
	// An edit without a version is refused.
	stale.Del("version")
	if r := s.post(t, alice, base+"/"+id, stale); r.status != 422 {
		t.Fatalf("edit without version: %d", r.status)
	}

	// /actions links the item to this section.
	if r := s.get(t, alice, "/actions?view=all"); !strings.Contains(r.body, `href="/incidents/`+inc.Ref+`/actions#`+id+`"`) || !strings.Contains(r.body, `href="/actions"`) {
		t.Fatalf("/actions links:\n%s", r.body)
	}

	// A restricted incident's section is not found for those outside it,
	// nor can its items be reached through another incident's page.
	secret, err := s.app.Services.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Insider", Restricted: true})
	if err != nil {
		t.Fatal(err)
	}
	sa, err := s.app.Services.Actions.Create(ctx, incident.Viewer{User: "alice"}, secret.Ref, actions.Input{Title: "Secret follow-up", Owner: "alice", Due: due})
	if err != nil {
		t.Fatal(err)
	}
	if r := s.get(t, vera, "/incidents/"+secret.Ref+"/actions"); r.status != 404 || strings.Contains(r.body, "Secret follow-up") || strings.Contains(r.body, "Insider") {
		t.Fatalf("outsider on restricted: %d\n%s", r.status, r.body)
	}
	if r := s.get(t, vera, "/actions/"+sa.ID); r.status != 404 || strings.Contains(r.body, "Secret follow-up") {
		t.Fatalf("outsider on a restricted item's address: %d\n%s", r.status, r.body)
	}
	if r := s.get(t, alice, "/actions/"+strings.ToLower(sa.ID)); r.status != 303 || r.location != "/incidents/"+secret.Ref+"/actions#"+sa.ID {
		t.Fatalf("an item's address: %d %q", r.status, r.location)
	}
	if r := s.post(t, alice, base+"/"+sa.ID+"/state", form("move", "done", "version", "1")); r.status != 404 {
		t.Fatalf("item through another incident: %d", r.status)
	}
}
