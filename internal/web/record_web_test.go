package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

var (
	hiddenRE   = regexp.MustCompile(`<input type="hidden" name="(orig_[a-z_]+|edit)" value="([^"]*)">`)
	fieldRE    = regexp.MustCompile(`(?s)<(?:input id="d-[a-z]+" name="([a-z_]+)"[^>]* value="([^"]*)"[^>]*>|textarea id="d-[a-z]+" name="([a-z_]+)"[^>]*>(.*?)</textarea>)`)
	detailsRE  = regexp.MustCompile(`(?s)<form method="post" action="/incidents/INC-1/details".*?</form>`)
	conflictRE = regexp.MustCompile(`(?s)<p class="conflict" id="conflict-([a-z_]+)" role="alert">(.*?)</p>`)
)

// detailsForm reads the Details form of a page as a browser without script
// would submit it: every field and every hidden original.
func detailsForm(t *testing.T, page string) url.Values {
	t.Helper()
	form := detailsRE.FindString(page)
	if form == "" {
		t.Fatal("the page has no Details form")
	}
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(form, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	for _, m := range fieldRE.FindAllStringSubmatch(form, -1) {
		if m[1] != "" {
			v.Set(m[1], html.UnescapeString(m[2]))
		} else {
			// A textarea's first newline is dropped by the parser, as a browser does.
			v.Set(m[3], strings.TrimPrefix(html.UnescapeString(m[4]), "\n"))
		}
	}
	if len(v) != 15 {
		t.Fatalf("the Details form has %d values, want 7 fields, 7 originals and edit: %v", len(v), v)
	}
	return v
}

// TestDetailsFormKeepsOthersChanges is defect 1 of issue 12 without script:
// the page is open, someone changes the title elsewhere, and saving the
// resolution from the stale page keeps their title; the timeline records
// only the resolution, from → to. Someone else's change to a field being
// edited refuses the save with both values, and nothing is applied.
func TestDetailsFormKeepsOthersChanges(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	c := s.signIn(t, "alice")
	svc := s.app.Services.Incidents
	admin := incident.Viewer{User: "admin", SeeAll: true}
	if _, err := svc.Declare(ctx, "alice", incident.DeclareInput{Title: "Leaked key", Summary: "line one\nline two", Labels: map[string]string{"env": "prod"}, Affected: []string{"ci"}}); err != nil {
		t.Fatal(err)
	}
	form := detailsForm(t, s.get(t, c, "/incidents/INC-1").body)

	// The title changes elsewhere (the CLI); alice's page is not reloaded.
	if _, err := svc.Update(ctx, incident.Command{Actor: admin, Ref: "INC-1"}, incident.UpdateInput{Title: new("Leaked CI token")}); err != nil {
		t.Fatal(err)
	}
	form.Set("resolution", "Token revoked and rotated.")
	if r := s.post(t, c, "/incidents/INC-1/details", form); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.status, r.body)
	}
	inc, events, err := svc.Timeline(ctx, admin, "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	if inc.Title != "Leaked CI token" || inc.Resolution != "Token revoked and rotated." || inc.Summary != "line one\nline two" || inc.Labels["env"] != "prod" || len(inc.Affected) != 1 {
		t.Fatalf("after the save: title %q resolution %q summary %q labels %v affected %v", inc.Title, inc.Resolution, inc.Summary, inc.Labels, inc.Affected)
	}
	last := events[len(events)-1]
	if got, want := incident.Describe(last), `resolution set to "Token revoked and rotated."`; got != want {
		t.Errorf("the timeline says %q, want %q", got, want)
	}
	if strings.Contains(string(last.Data), "title") {
		t.Errorf("the event touches the title: %s", last.Data)
	}

	// Now both edit the summary: bob through the API, alice in the form.
	form = detailsForm(t, s.get(t, c, "/incidents/INC-1").body)
	if _, err := svc.Update(ctx, incident.Command{Actor: incident.Viewer{User: "vera"}, Ref: "INC-1"}, incident.UpdateInput{Summary: new("theirs")}); err != nil {
		t.Fatal(err)
	}
	version := func() int64 { i, _ := svc.Get(ctx, admin, "INC-1"); return i.Version }
	before := version()
	form.Set("summary", "mine")
	form.Set("root_cause", "a CI log printed the token")
	r := s.post(t, c, "/incidents/INC-1/details", form)
	if r.status != http.StatusConflict {
		t.Fatalf("conflicting save: %d", r.status)
	}
	if v := version(); v != before {
		t.Fatalf("a refused save recorded %d events", v-before)
	}
	notes := conflictRE.FindAllStringSubmatch(r.body, -1)
	if len(notes) != 1 || notes[0][1] != "summary" || html.UnescapeString(notes[0][2]) != `vera changed this to "theirs" while you edited; yours: "mine"` {
		t.Fatalf("conflict notes %q", notes)
	}
	// The page keeps what alice typed, with what is stored now as the
	// originals, so saving again is a choice made knowing both.
	again := detailsForm(t, r.body)
	if again.Get("summary") != "mine" || again.Get("orig_summary") != "theirs" || again.Get("root_cause") != "a CI log printed the token" || again.Get("title") != "Leaked CI token" {
		t.Fatalf("the refused form reads %v", again)
	}
	if r := s.post(t, c, "/incidents/INC-1/details", again); r.status != http.StatusSeeOther {
		t.Fatalf("save again: %d\n%s", r.status, r.body)
	}
	inc, _ = svc.Get(ctx, admin, "INC-1")
	if inc.Summary != "mine" || inc.RootCause != "a CI log printed the token" || inc.Title != "Leaked CI token" {
		t.Fatalf("after saving again: %+v", inc)
	}
}

// TestHandOverInTheConsole is defect 3 of issue 12 in the console without
// script: a held single-holder role offers "Hand over to …" with a note;
// handing over leaves one holder and the previous one as a responder.
func TestHandOverInTheConsole(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	c := s.signIn(t, "alice")
	svc := s.app.Services.Incidents
	if _, err := svc.Declare(ctx, "alice", incident.DeclareInput{Title: "Leaked key", Severity: "SEV1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Assign(ctx, incident.Command{Actor: incident.Viewer{User: "alice"}, Ref: "INC-1"}, incident.IncidentCommander, "alice"); err != nil {
		t.Fatal(err)
	}
	page := s.get(t, c, "/incidents/INC-1").body
	if !strings.Contains(page, "Hand over to …") || !strings.Contains(page, `id="ho-note-incident_commander"`) {
		t.Fatal("the roles panel offers no handover with a note")
	}
	r := s.post(t, c, "/incidents/INC-1/roles", url.Values{"role": {"incident_commander"}, "user": {"vera"}, "note": {"going off shift"}})
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, url.QueryEscape("Incident Commander handed over from alice to vera")) {
		t.Fatalf("hand over: %d %s", r.status, r.location)
	}
	inc := s.getInc(t)
	if h := inc.Holders(incident.IncidentCommander); len(h) != 1 || h[0] != "vera" {
		t.Fatalf("commanders %v", h)
	}
	if h := inc.Holders(incident.Responder); len(h) != 1 || h[0] != "alice" {
		t.Fatalf("responders %v", h)
	}
	page = s.get(t, c, "/incidents/INC-1/timeline").body
	if !strings.Contains(page, "Incident Commander handed over from alice to vera (alice stays as responder): going off shift") {
		t.Error("the timeline does not show the handover with its note")
	}
}

func (s *site) getInc(t *testing.T) incident.Incident {
	t.Helper()
	inc, err := s.app.Services.Incidents.Get(context.Background(), incident.Viewer{User: "admin", SeeAll: true}, "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	return inc
}
